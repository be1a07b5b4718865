import { type Item, toDynamoJson } from '@ddb-migrate/core';
import type { SimRecord, SimStreamViewType } from './stream-types.js';

/**
 * A record in the GetRecords wire form (Streams API reference, `Record`/`StreamRecord`): images in
 * DynamoDB JSON (base64 binary), `ApproximateCreationDateTime` in whole epoch seconds ("rounded down
 * to the closest second"), images kept as the stream's view type says.
 */
export function toWireRecord(record: SimRecord, viewType: SimStreamViewType, region: string) {
  const image = (item: Item | undefined) => (item === undefined ? undefined : toDynamoJson(item));
  const newImage =
    viewType === 'NEW_IMAGE' || viewType === 'NEW_AND_OLD_IMAGES' ? image(record.newImage) : undefined;
  const oldImage =
    viewType === 'OLD_IMAGE' || viewType === 'NEW_AND_OLD_IMAGES' ? image(record.oldImage) : undefined;
  return {
    eventID: record.eventId,
    eventName: record.eventName,
    eventVersion: '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: region,
    dynamodb: {
      ApproximateCreationDateTime: Math.floor(record.createdAtMs / 1000),
      Keys: toDynamoJson(record.keys),
      ...(newImage === undefined ? {} : { NewImage: newImage }),
      ...(oldImage === undefined ? {} : { OldImage: oldImage }),
      SequenceNumber: `${record.sequenceNumber}`,
      SizeBytes: record.sizeBytes,
      StreamViewType: viewType,
    },
    ...(record.userIdentity === undefined
      ? {}
      : { userIdentity: { Type: record.userIdentity.type, PrincipalId: record.userIdentity.principalId } }),
  };
}
