import { describe, expect, it } from 'vitest';
import {
  CDC_STREAM_SID,
  cdcStreamStatement,
  cdcTableStatement,
  withoutStatement,
  withStatement,
} from '../src/steps/cdc-access-policy.js';

const ROLE = 'arn:aws:iam::222222222222:role/ddb-migrate-cdc-lambda';
const STREAM = 'arn:aws:dynamodb:us-east-1:123456789012:table/orders/stream/2026-12-01T10:00:00.000';
const TABLE = 'arn:aws:dynamodb:us-east-1:123456789012:table/orders';
const OWNER = {
  Version: '2012-10-17',
  Id: 'owner-policy',
  Statement: [
    {
      Sid: 'AnalyticsReads',
      Effect: 'Allow',
      Principal: { AWS: 'arn:aws:iam::333333333333:role/analytics' },
      Action: 'dynamodb:GetRecords',
      Resource: STREAM,
    },
  ],
};

describe('the CDC statements in the source resource policies', () => {
  it("grants the target function's role the stream reads an event source mapping needs", () => {
    expect(cdcStreamStatement(ROLE, STREAM)).toEqual({
      Sid: CDC_STREAM_SID,
      Effect: 'Allow',
      Principal: { AWS: ROLE },
      Action: ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'],
      Resource: STREAM,
    });
    expect(cdcTableStatement(ROLE, TABLE)).toMatchObject({
      Action: ['dynamodb:BatchGetItem', 'dynamodb:GetItem'],
      Resource: TABLE,
    });
  });

  it("makes a new policy, or merges into the owner's keeping every other statement and key", () => {
    const fresh = JSON.parse(withStatement(null, cdcStreamStatement(ROLE, STREAM), STREAM) ?? '');
    expect(fresh).toEqual({ Version: '2012-10-17', Statement: [cdcStreamStatement(ROLE, STREAM)] });

    const merged = JSON.parse(
      withStatement(JSON.stringify(OWNER), cdcStreamStatement(ROLE, STREAM), STREAM) ?? '',
    );
    expect(merged.Id).toBe('owner-policy');
    expect(merged.Statement).toEqual([OWNER.Statement[0], cdcStreamStatement(ROLE, STREAM)]);
  });

  it('puts nothing when the statement is there, and replaces a stale one of the same Sid', () => {
    const once = withStatement(JSON.stringify(OWNER), cdcStreamStatement(ROLE, STREAM), STREAM) ?? '';
    expect(withStatement(once, cdcStreamStatement(ROLE, STREAM), STREAM)).toBeUndefined();
    const otherRole = 'arn:aws:iam::222222222222:role/renamed';
    const replaced = JSON.parse(withStatement(once, cdcStreamStatement(otherRole, STREAM), STREAM) ?? '');
    expect(replaced.Statement).toHaveLength(2);
    expect(replaced.Statement[1].Principal).toEqual({ AWS: otherRole });
  });

  it('accepts a single-statement object and refuses text that is not a policy object', () => {
    const single = JSON.stringify({ Version: '2012-10-17', Statement: OWNER.Statement[0] });
    expect(
      JSON.parse(withStatement(single, cdcStreamStatement(ROLE, STREAM), STREAM) ?? '').Statement,
    ).toHaveLength(2);
    expect(() => withStatement('[1,2]', cdcStreamStatement(ROLE, STREAM), STREAM)).toThrow(
      expect.objectContaining({ code: 'POLICY_UNREADABLE' }),
    );
  });

  it('refuses a merge past the 20 KB policy limit', () => {
    const big = {
      Version: '2012-10-17',
      Statement: [
        { ...OWNER.Statement[0], Condition: { StringEquals: { 'aws:PrincipalTag/x': 'y'.repeat(20_300) } } },
      ],
    };
    expect(() => withStatement(JSON.stringify(big), cdcStreamStatement(ROLE, STREAM), STREAM)).toThrow(
      expect.objectContaining({ code: 'POLICY_TOO_LARGE' }),
    );
  });

  it("takes only ddb-migrate's statement out; nothing left means delete the policy", () => {
    const merged = withStatement(JSON.stringify(OWNER), cdcStreamStatement(ROLE, STREAM), STREAM) ?? '';
    expect(JSON.parse(withoutStatement(merged, CDC_STREAM_SID, STREAM) ?? '')).toEqual(OWNER);
    const alone = withStatement(null, cdcStreamStatement(ROLE, STREAM), STREAM) ?? '';
    expect(withoutStatement(alone, CDC_STREAM_SID, STREAM)).toBeNull();
  });
});
