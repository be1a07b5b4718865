import { CreateTableCommand, DynamoDBClient, PutItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { describe, expect, it } from 'vitest';
import { isolatedSides, sideEnv } from '../src/index.js';

async function makeTable(client: DynamoDBClient, name: string): Promise<void> {
  await client.send(
    new CreateTableCommand({
      TableName: name,
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
}

describe('isolatedSides', () => {
  it('gives each side its own fresh account, the target through cross_account_assume_role', async () => {
    const sides = isolatedSides();
    expect(sides.sourceAccount).toMatch(/^\d{12}$/);
    expect(sides.targetAccount).not.toBe(sides.sourceAccount);
    const src = await new STSClient(sides.source).send(new GetCallerIdentityCommand({}));
    const tgt = await new STSClient(sides.target).send(new GetCallerIdentityCommand({}));
    expect(src.Account).toBe(sides.sourceAccount);
    expect(tgt.Account).toBe(sides.targetAccount);
    expect(tgt.Arn).toContain(':assumed-role/cross_account_assume_role/');
  });

  it('keeps same-named tables of two isolated pairs apart', async () => {
    const a = isolatedSides();
    const b = isolatedSides();
    const clients = [a.source, a.target, b.source, b.target].map((s) => new DynamoDBClient(s));
    for (const c of clients) await makeTable(c, 'same');
    await clients[0]!.send(
      new PutItemCommand({ TableName: 'same', Item: { pk: { S: 'only-in-a-source' } } }),
    );
    const counts = await Promise.all(
      clients.map(async (c) => (await c.send(new ScanCommand({ TableName: 'same' }))).Count),
    );
    expect(counts).toEqual([1, 0, 0, 0]);
  });

  it('sideEnv exposes static keys that still map to the isolated account', async () => {
    const sides = isolatedSides();
    const env = await sideEnv(sides.target);
    const sts = new STSClient({
      region: env.AWS_REGION!,
      endpoint: env.AWS_ENDPOINT_URL!,
      credentials: {
        accessKeyId: env.AWS_ACCESS_KEY_ID!,
        secretAccessKey: env.AWS_SECRET_ACCESS_KEY!,
        sessionToken: env.AWS_SESSION_TOKEN,
      },
    });
    expect((await sts.send(new GetCallerIdentityCommand({}))).Account).toBe(sides.targetAccount);
  });
});
