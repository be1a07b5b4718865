import { describe, expect, it } from 'vitest';
import { readCdcLambdaConfig } from '../src/config/cdc-config.js';
import { cutoffEpochSeconds, parseExportTime } from '../src/config/export-time.js';

describe('parseExportTime', () => {
  it("reads the seed's '%Y-%m-%d %H:%M:%S%z' form", () => {
    expect(parseExportTime('2024-05-01 12:34:56+0000')).toBe(1714566896);
    expect(parseExportTime('2024-05-01 14:34:56+0200')).toBe(1714566896);
    expect(parseExportTime('2024-05-01 07:34:56-0500')).toBe(1714566896);
  });

  it('reads ISO-8601 with Z, offsets and fractions', () => {
    expect(parseExportTime('2024-05-01T12:34:56Z')).toBe(1714566896);
    expect(parseExportTime('2024-05-01T12:34:56.750Z')).toBe(1714566896.75);
    expect(parseExportTime('2024-05-01T13:34:56+01:00')).toBe(1714566896);
  });

  it('reads epoch seconds and tolerates epoch milliseconds', () => {
    expect(parseExportTime('1714566896')).toBe(1714566896);
    expect(parseExportTime('1714566896.5')).toBe(1714566896.5);
    expect(parseExportTime('1714566896000')).toBe(1714566896);
  });

  it('rejects garbage and impossible dates naming the variable', () => {
    expect(() => parseExportTime('yesterday')).toThrow(/EXPORT_TIME "yesterday"/);
    expect(() => parseExportTime('2024-02-31 00:00:00+0000')).toThrow(/EXPORT_TIME/);
  });

  it('floors the export time before subtracting the margin', () => {
    expect(cutoffEpochSeconds(1000.9, 300)).toBe(700);
  });
});

describe('readCdcLambdaConfig', () => {
  const base = {
    TARGET_DYNAMODB_TABLE_NAME: 'orders',
    TARGET_REGION: 'eu-west-1',
    TARGET_AWS_ACCOUNT_NUMBER: '222222222222',
    SQS_QUEUE_URL_FOR_FAILED_EVENTS: 'https://sqs.eu-west-1.amazonaws.com/111111111111/dlq',
    EXPORT_TIME: '2024-05-01 12:34:56+0000',
  };

  it('writes by table ARN without a role and by name with one', () => {
    const byArn = readCdcLambdaConfig(base);
    expect(byArn.targetTableId).toBe('arn:aws:dynamodb:eu-west-1:222222222222:table/orders');
    expect(byArn.cutoffEpochSeconds).toBe(1714566896 - 300);
    expect(byArn.ttlDeletes).toBe('replicate');
    const byRole = readCdcLambdaConfig({ ...base, TARGET_ROLE_ARN: 'arn:aws:iam::222222222222:role/r' });
    expect(byRole.targetTableId).toBe('orders');
    expect(Object.isFrozen(byRole)).toBe(true);
  });

  it.each([
    ['TARGET_DYNAMODB_TABLE_NAME', undefined],
    ['TARGET_AWS_ACCOUNT_NUMBER', '12345'],
    ['EXPORT_TIME', 'soon'],
    ['EXPORT_TIME_MARGIN_SECONDS', '60'],
    ['TTL_DELETES', 'drop'],
    ['SOURCE_TABLE_ARN', 'orders'],
    ['TARGET_ROLE_ARN', 'role/x'],
    ['SQS_QUEUE_URL_FOR_FAILED_EVENTS', undefined],
  ])('fails the cold start naming %s when it is missing or malformed', (name, value) => {
    expect(() => readCdcLambdaConfig({ ...base, [name]: value })).toThrow(new RegExp(name));
  });
});
