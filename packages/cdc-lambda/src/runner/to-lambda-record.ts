import type { _Record as StreamSdkRecord } from '@aws-sdk/client-dynamodb-streams';
import { type Item, toDynamoJson } from '@ddb-migrate/core';
import type { LambdaStreamRecord } from '../apply/stream-event.js';

/**
 * Converts a GetRecords record (SDK types: Date, Uint8Array) into exactly the JSON Lambda delivers:
 * images in wire DynamoDB JSON (base64 binary), ApproximateCreationDateTime in whole epoch seconds,
 * `eventSourceARN` set to the stream, `userIdentity` in Lambda's lower-case form.
 */
export function toLambdaRecord(record: StreamSdkRecord, streamArn: string): LambdaStreamRecord {
  const d = record.dynamodb ?? {};
  const created = d.ApproximateCreationDateTime;
  const out: LambdaStreamRecord = {
    ...(record.eventID === undefined ? {} : { eventID: record.eventID }),
    ...(record.eventName === undefined ? {} : { eventName: record.eventName }),
    eventVersion: record.eventVersion ?? '1.1',
    eventSource: record.eventSource ?? 'aws:dynamodb',
    ...(record.awsRegion === undefined ? {} : { awsRegion: record.awsRegion }),
    dynamodb: {
      ...(created === undefined ? {} : { ApproximateCreationDateTime: Math.floor(created.getTime() / 1000) }),
      ...(d.Keys === undefined ? {} : { Keys: toDynamoJson(d.Keys as Item) }),
      ...(d.NewImage === undefined ? {} : { NewImage: toDynamoJson(d.NewImage as Item) }),
      ...(d.OldImage === undefined ? {} : { OldImage: toDynamoJson(d.OldImage as Item) }),
      ...(d.SequenceNumber === undefined ? {} : { SequenceNumber: d.SequenceNumber }),
      ...(d.SizeBytes === undefined ? {} : { SizeBytes: d.SizeBytes }),
      ...(d.StreamViewType === undefined ? {} : { StreamViewType: d.StreamViewType }),
    },
    eventSourceARN: streamArn,
  };
  if (record.userIdentity !== undefined) {
    out.userIdentity = {
      ...(record.userIdentity.Type === undefined ? {} : { type: record.userIdentity.Type }),
      ...(record.userIdentity.PrincipalId === undefined
        ? {}
        : { principalId: record.userIdentity.PrincipalId }),
    };
  }
  return out;
}
