import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { describe, expect, inject, it } from 'vitest';
import { motoEndpoint, SOURCE_ACCOUNT, sourceSide, TARGET_ACCOUNT, targetSide } from '../src/index.js';

describe('moto global setup', () => {
  it('provides a reachable loopback endpoint to workers via inject and env', async () => {
    expect(inject('motoEndpoint')).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(process.env.MOTO_ENDPOINT).toBe(inject('motoEndpoint'));
    // Not /moto-api/data.json: it serializes every backend and answers 500 once any test made a
    // Lambda function (moto then asks Docker about it, and there is no Docker here).
    const res = await fetch(`${motoEndpoint()}/moto-api/`);
    expect(res.status).toBe(200);
  });
});

describe('accounts', () => {
  it('sourceSide lands in the default account', async () => {
    const sts = new STSClient(sourceSide());
    const id = await sts.send(new GetCallerIdentityCommand({}));
    expect(id.Account).toBe(SOURCE_ACCOUNT);
  });

  it('targetSide lands in 222222222222 through AssumeRole', async () => {
    const sts = new STSClient(targetSide());
    const id = await sts.send(new GetCallerIdentityCommand({}));
    expect(id.Account).toBe(TARGET_ACCOUNT);
    expect(id.Arn).toContain(':assumed-role/cross_account_assume_role/');
  });
});
