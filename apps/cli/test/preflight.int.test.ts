import {
  CreateTableCommand,
  DescribeContinuousBackupsCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  ListTablesCommand,
} from '@aws-sdk/client-dynamodb';
import {
  CreateBucketCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  type S3Client,
} from '@aws-sdk/client-s3';
import { startFaultProxy, uniqueName, putItems } from '@ddb-migrate/test-kit';
import { beforeAll, describe, expect, it } from 'vitest';
import { cli, createFixture, type MigrationFixture } from './migrate-fixtures.js';

/** Tables (with stream/PITR/item count), buckets and their objects in both accounts. */
async function snapshot(fx: MigrationFixture): Promise<string> {
  const tables = async (c: DynamoDBClient) => {
    const names = (await c.send(new ListTablesCommand({}))).TableNames ?? [];
    return Promise.all(
      names.map(async (n) => {
        const t = (await c.send(new DescribeTableCommand({ TableName: n }))).Table;
        const pitr = (await c.send(new DescribeContinuousBackupsCommand({ TableName: n })))
          .ContinuousBackupsDescription;
        return [
          n,
          t?.ItemCount,
          t?.StreamSpecification?.StreamEnabled ?? false,
          t?.LatestStreamArn ?? '',
          pitr?.PointInTimeRecoveryDescription?.PointInTimeRecoveryStatus,
        ];
      }),
    );
  };
  const buckets = async (s3: S3Client) => {
    const names = ((await s3.send(new ListBucketsCommand({}))).Buckets ?? []).map((b) => b.Name ?? '');
    return Promise.all(
      names.map(async (b) => [b, (await s3.send(new ListObjectsV2Command({ Bucket: b }))).KeyCount ?? 0]),
    );
  };
  return JSON.stringify({
    source: await tables(fx.src),
    target: await tables(fx.tgt),
    sourceBuckets: await buckets(fx.srcS3),
    targetBuckets: await buckets(fx.tgtS3),
  });
}

/** Replaces the value of `flag` in args (or appends it). */
function withFlag(args: string[], flag: string, value?: string): string[] {
  const i = args.indexOf(flag);
  if (i >= 0) {
    const copy = [...args];
    if (value === undefined) copy.splice(i, 2);
    else copy[i + 1] = value;
    return copy;
  }
  return value === undefined ? args : [...args, flag, value];
}

describe('plan/migrate refuse bad input with exit 2, one clear line, and change nothing', () => {
  let fx: MigrationFixture;
  beforeAll(async () => {
    fx = await createFixture({ items: 40, pitr: false });
  });

  const cases: {
    name: string;
    args: (fx: MigrationFixture) => Promise<string[]> | string[];
    line: RegExp;
    command?: string;
  }[] = [
    {
      name: 'missing --source-table-name',
      args: (f) => withFlag(f.args, '--source-table-name'),
      // yargs stops a missing required flag before any handler runs: one line from yargs.
      line: /source-table-name/,
    },
    {
      name: 'invalid --source-region',
      args: (f) => withFlag(f.args, '--source-region', 'moon-1'),
      line: /not an AWS region/,
    },
    {
      name: 'invalid --target-account-id',
      args: (f) => withFlag(f.args, '--target-account-id', '12ab'),
      line: /12-digit/,
    },
    { name: 'invalid --load-mode', args: (f) => withFlag(f.args, '--load-mode', 'copy'), line: /load-mode/ },
    { name: 'invalid --cdc-mode', args: (f) => withFlag(f.args, '--cdc-mode', 'kinesis'), line: /cdc-mode/ },
    {
      name: 'non-integer --max-wcu',
      args: (f) => withFlag(f.args, '--max-wcu', '-5'),
      line: /--max-wcu must be an integer/,
    },
    {
      name: '--stop-after-idle without local CDC',
      args: (f) => withFlag(f.args, '--stop-after-idle', '3'),
      line: /only applies to --cdc-mode local/,
    },
    {
      name: 'invalid bucket name',
      args: (f) => withFlag(f.args, '--target-s3-bucket-name', 'Bad_Bucket'),
      line: /not a valid S3 bucket name/,
    },
    {
      name: 'malformed --target-role-arn',
      args: (f) => withFlag(f.args, '--target-role-arn', 'role/x'),
      line: /not an IAM role ARN/,
    },
    {
      name: 'wrong --source-account-id',
      args: (f) => withFlag(f.args, '--source-account-id', '999999999999'),
      line: /SOURCE_ACCOUNT_MISMATCH|not --source-account-id/,
    },
    {
      name: 'unknown source table',
      args: (f) => withFlag(f.args, '--source-table-name', 'no-such-table'),
      line: /does not exist/,
    },
    {
      name: 'PITR off without --enable-pitr',
      args: (f) => [...f.args, '--cdc-mode', 'local'],
      line: /Point-in-time recovery is off.*--enable-pitr/,
    },
    {
      name: 'bucket missing',
      args: (f) => [
        ...withFlag(f.args, '--target-s3-bucket-name', uniqueName('nobucket')),
        '--enable-pitr',
        '--cdc-mode',
        'local',
      ],
      line: /does not exist/,
    },
    {
      name: 'bucket owned by the source account',
      args: async (f) => {
        const name = uniqueName('srcbucket');
        await f.srcS3.send(new CreateBucketCommand({ Bucket: name }));
        return [...withFlag(f.args, '--target-s3-bucket-name', name), '--enable-pitr', '--cdc-mode', 'local'];
      },
      line: /not owned by the target account/,
    },
    {
      name: 'target exists in import mode',
      args: async (f) => {
        const name = uniqueName('existing');
        await f.tgt.send(
          new CreateTableCommand({
            TableName: name,
            KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
            AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
            BillingMode: 'PAY_PER_REQUEST',
          }),
        );
        return [
          ...withFlag(f.args, '--target-table-name', name),
          '--enable-pitr',
          '--cdc-mode',
          'local',
          '--load-mode',
          'import',
        ];
      },
      line: /already exists; ImportTable/,
    },
    {
      name: 'target key schema mismatch in write mode',
      args: async (f) => {
        const name = uniqueName('mismatch');
        await f.tgt.send(
          new CreateTableCommand({
            TableName: name,
            KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
            AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'N' }],
            BillingMode: 'PAY_PER_REQUEST',
          }),
        );
        return [
          ...withFlag(f.args, '--target-table-name', name),
          '--enable-pitr',
          '--cdc-mode',
          'local',
          '--load-mode',
          'write',
        ];
      },
      line: /not key-compatible/,
    },
    {
      name: 'target not empty in write mode',
      args: async (f) => {
        const name = uniqueName('notempty');
        await f.tgt.send(
          new CreateTableCommand({
            TableName: name,
            KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
            AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
            BillingMode: 'PAY_PER_REQUEST',
          }),
        );
        await putItems(f.tgt, name, [{ pk: { S: 'x' } }]);
        return [
          ...withFlag(f.args, '--target-table-name', name),
          '--enable-pitr',
          '--cdc-mode',
          'local',
          '--load-mode',
          'write',
        ];
      },
      line: /already holds items/,
    },
    {
      name: 'lambda mode without the function',
      args: (f) => [...f.args, '--enable-pitr'],
      line: /CDC Lambda function .* does not exist/,
    },
    {
      name: 'migrate without --yes and without a terminal',
      args: (f) => [...f.args, '--enable-pitr', '--cdc-mode', 'local'],
      line: /no terminal to confirm on.*--yes/,
      command: 'migrate',
    },
  ];

  for (const c of cases) {
    it(`refuses: ${c.name}`, async () => {
      const args = await c.args(fx);
      const before = await snapshot(fx);
      const result = await cli([c.command ?? 'migrate', ...args, ...(c.command ? [] : ['--yes'])], fx.env);
      expect(result.code, result.stderr).toBe(2);
      const errorLines = result.stderr.split('\n').filter((l) => l.startsWith('Error'));
      expect(errorLines, result.stderr).toHaveLength(1);
      expect(errorLines[0]).toMatch(c.line);
      expect(await snapshot(fx)).toBe(before);
    });
  }

  it('refuses a role that cannot be assumed (fault proxy fails AssumeRole) and changes nothing', async () => {
    const proxy = await startFaultProxy({
      target: fx.env.AWS_ENDPOINT_URL ?? '',
      rules: [{ operation: 'AssumeRole', errorRate: 1 }],
    });
    try {
      const before = await snapshot(fx);
      const result = await cli(
        ['plan', ...fx.args, '--endpoint-url', proxy.endpoint, '--enable-pitr', '--cdc-mode', 'local'],
        fx.env,
      );
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr).toMatch(
        /^Error: Cannot assume the target role arn:aws:iam::\d{12}:role\/cross_account_assume_role/m,
      );
      expect(await snapshot(fx)).toBe(before);
    } finally {
      await proxy.close();
    }
  });

  it('refuses a KEYS_ONLY stream when the source cannot be read (fault proxy denies GetItem)', async () => {
    const keysOnly = await createFixture({ items: 10, table: { stream: 'KEYS_ONLY' } });
    const proxy = await startFaultProxy({
      target: keysOnly.env.AWS_ENDPOINT_URL ?? '',
      rules: [{ operation: 'GetItem', errorRate: 1 }],
    });
    try {
      const result = await cli(
        ['plan', ...keysOnly.args, '--endpoint-url', proxy.endpoint, '--cdc-mode', 'local'],
        keysOnly.env,
      );
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr).toMatch(/^Error: The stream is KEYS_ONLY and the source cannot be read/m);
    } finally {
      await proxy.close();
    }
  });

  it('plan prints the table, JSON plan is one document, and nothing changes', async () => {
    const before = await snapshot(fx);
    const text = await cli(['plan', ...fx.args, '--enable-pitr', '--cdc-mode', 'local'], fx.env);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/Migration plan/);
    expect(text.stdout).toMatch(/Load mode\s+import/);
    const json = await cli(
      ['plan', ...fx.args, '--enable-pitr', '--cdc-mode', 'local', '--output', 'json'],
      fx.env,
    );
    const doc = JSON.parse(json.stdout) as { loadMode: string; steps: { step: string; status: string }[] };
    expect(doc.loadMode).toBe('import');
    expect(doc.steps).toContainEqual(expect.objectContaining({ step: 'pitr', status: 'todo' }));
    expect(await snapshot(fx)).toBe(before);
  });
});
