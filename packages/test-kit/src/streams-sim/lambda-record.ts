import type { _Record as StreamSdkRecord } from '@aws-sdk/client-dynamodb-streams';
import { type Item, toDynamoJson } from '@ddb-migrate/core';
import type { EsmRecord } from './esm-types.js';

/**
 * A GetRecords record (SDK types: Date, Uint8Array) as Lambda hands it to the function: images in
 * wire DynamoDB JSON, creation time in epoch seconds, `eventSourceARN` set, `userIdentity` lower-case
 * (Lambda guide, with-ddb "Example event").
 */
export function toEsmRecord(record: StreamSdkRecord, streamArn: string): EsmRecord {
  const d = record.dynamodb ?? {};
  const created = d.ApproximateCreationDateTime;
  return {
    ...(record.eventID === undefined ? {} : { eventID: record.eventID }),
    ...(record.eventName === undefined ? {} : { eventName: record.eventName }),
    eventVersion: record.eventVersion ?? '1.1',
    eventSource: record.eventSource ?? 'aws:dynamodb',
    ...(record.awsRegion === undefined ? {} : { awsRegion: record.awsRegion }),
    eventSourceARN: streamArn,
    dynamodb: {
      ...(created === undefined ? {} : { ApproximateCreationDateTime: Math.floor(created.getTime() / 1000) }),
      ...(d.Keys === undefined ? {} : { Keys: toDynamoJson(d.Keys as Item) }),
      ...(d.NewImage === undefined ? {} : { NewImage: toDynamoJson(d.NewImage as Item) }),
      ...(d.OldImage === undefined ? {} : { OldImage: toDynamoJson(d.OldImage as Item) }),
      ...(d.SequenceNumber === undefined ? {} : { SequenceNumber: d.SequenceNumber }),
      ...(d.SizeBytes === undefined ? {} : { SizeBytes: d.SizeBytes }),
      ...(d.StreamViewType === undefined ? {} : { StreamViewType: d.StreamViewType }),
    },
    ...(record.userIdentity === undefined
      ? {}
      : {
          userIdentity: {
            ...(record.userIdentity.Type === undefined ? {} : { type: record.userIdentity.Type }),
            ...(record.userIdentity.PrincipalId === undefined
              ? {}
              : { principalId: record.userIdentity.PrincipalId }),
          },
        }),
  };
}
