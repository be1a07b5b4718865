import { execFile } from 'node:child_process';
import { gzipSync } from 'node:zlib';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  DescribeMapRunCommand,
  ListMapRunsCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { differenceToJson, type VerifySummary, verifyTables } from '@ddb-migrate/consistency-checker';
import { assumeRoleCredentials, type Item, itemsEqual, toDynamoJson } from '@ddb-migrate/core';
import {
  baseCredentials,
  createBucket,
  createTable,
  generateItems,
  type MotoServerHandle,
  putItems,
  roleArn,
  scanAll,
  startMotoServer,
  TARGET_ACCOUNT,
  TARGET_ROLE_NAME,
  uniqueName,
} from '@ddb-migrate/test-kit';
import { PassThrough } from 'node:stream';
import { runCli } from 'ddb-migrate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleSubstitutions, resolveFanoutDefinition } from './support/fanout-definition.js';
import { type LambdaStandIn, startLambdaStandIn } from './support/lambda-stand-in.js';

/**
 * verify-fanout.yaml's state machine, end to end on moto's Step Functions interpreter
 * (`execute_state_machine`), with the published worker artifact (dist/worker.zip's index.mjs) doing
 * the work. moto runs Lambda code only in Docker, which this machine lacks, so its Lambda Invoke
 * calls go to a stand-in on MOTO_PORT that runs the artifact's `handler` / `merge` in this process
 * (see support/lambda-stand-in.ts). Everything else is moto: the Distributed Map, its ItemReader
 * reading the item list from S3, ItemSelector, the Choice loop, MaxConcurrency, ResultWriter,
 * DescribeMapRun, DynamoDB in two accounts (the target through AssumeRole), the S3 checkpoints.
 *
 * One substitution, in this test only: moto's ItemReader knows InputType CSV and JSON, not JSONL
 * (CreateStateMachine refuses it), so the definition runs with "JSON" and the item list is written
 * as a JSON array of the same ranges. Not shown here: IAM (moto enforces none), Lambda's own
 * timeout and retries, real concurrency limits.
 */
const TOTAL_SEGMENTS = 6;
const RANGES = [
  { first: 0, last: 1 },
  { first: 2, last: 3 },
  { first: 4, last: 5 },
];

const exec = promisify(execFile);
let moto: MotoServerHandle;
let standIn: LambdaStandIn;
let endpoint: string;

async function loadWorkerArtifact(): Promise<{
  handler: (event: unknown, context: unknown) => Promise<unknown>;
  merge: (event: unknown) => Promise<unknown>;
  load: (event: unknown, context: unknown) => Promise<unknown>;
  loadMerge: (event: unknown) => Promise<unknown>;
}> {
  const packageRoot = dirname(
    fileURLToPath(import.meta.resolve('@ddb-migrate/consistency-checker/package.json')),
  );
  await exec(process.execPath, [join(packageRoot, 'scripts', 'build-worker.mjs')], { cwd: packageRoot });
  const dir = await mkdtemp(join(tmpdir(), 'verify-fanout-'));
  await writeFile(
    join(dir, 'index.mjs'),
    await readFile(join(packageRoot, 'dist', 'worker-bundle', 'index.mjs')),
  );
  return import(pathToFileURL(join(dir, 'index.mjs')).href);
}

beforeAll(async () => {
  // The stand-in first, so moto can be told its port; then moto, then where the stand-in forwards.
  let worker: Awaited<ReturnType<typeof loadWorkerArtifact>> | undefined;
  standIn = await startLambdaStandIn({
    // A spent time budget: every invocation stops after its first page and returns "continue".
    'verify-worker': (event) => worker!.handler(event, { getRemainingTimeInMillis: () => 0 }),
    'verify-merge': (event) => worker!.merge(event),
    'load-worker': (event) => worker!.load(event, { getRemainingTimeInMillis: () => 0 }),
    'load-merge': (event) => worker!.loadMerge(event),
  });
  const saved = process.env.MOTO_PORT;
  process.env.MOTO_PORT = String(standIn.port);
  try {
    moto = await startMotoServer();
  } finally {
    if (saved === undefined) delete process.env.MOTO_PORT;
    else process.env.MOTO_PORT = saved;
  }
  endpoint = moto.endpoint;
  standIn.setTarget(endpoint);
  await fetch(`${endpoint}/moto-api/config`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ stepfunctions: { execute_state_machine: true } }),
  });
  // The artifact reads its Region and endpoint at cold start, and signs with the default chain.
  Object.assign(process.env, {
    AWS_REGION: 'us-east-1',
    AWS_ENDPOINT_URL: endpoint,
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    POWERTOOLS_LOG_LEVEL: 'ERROR',
  });
  worker = await loadWorkerArtifact();
}, 180_000);

afterAll(async () => {
  await moto?.stop();
  await standIn?.close();
});

function clientConfig(
  credentials: DynamoDBClientConfig['credentials'] = baseCredentials(),
  region = 'us-east-1',
) {
  return { region, endpoint, credentials };
}

/** Two tables in two accounts with 120 items and 5 differences (2 changed, 2 missing, 1 extra). */
async function seedTables(region = 'us-east-1') {
  const source = new DynamoDBClient(clientConfig(baseCredentials(), region));
  const targetRole = roleArn(TARGET_ACCOUNT, TARGET_ROLE_NAME);
  const target = new DynamoDBClient(
    clientConfig(
      assumeRoleCredentials({ region, endpoint, credentials: baseCredentials() }, { roleArn: targetRole }),
      region,
    ),
  );
  const schema = { partitionKey: 'pk', sortKey: { name: 'sk', type: 'N' as const } };
  const [s, t] = await Promise.all([createTable(source, schema), createTable(target, schema)]);
  const items = generateItems(120, { seed: 12, sk: 'sk' });
  const targetItems: Item[] = items.slice(2).map((item) => ({ ...item }));
  targetItems[0]!.changed = { S: 'yes' };
  targetItems[1]!.n = { N: '-1' };
  targetItems.push({ pk: { S: 'only-in-target' }, sk: { N: '1' } });
  await Promise.all([putItems(source, s.name, items), putItems(target, t.name, targetItems)]);
  return { source, target, sourceTable: s.name, targetTable: t.name, targetRole };
}

async function waitForExecution(sfn: SFNClient, executionArn: string) {
  for (let i = 0; i < 600; i++) {
    const out = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    if (out.status !== 'RUNNING') return out;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error('execution still running after 150 s');
}

/** The template's definition on moto, JSON instead of JSONL in its ItemReader (moto has no JSONL reader). */
async function createFanoutStateMachine(sfn: SFNClient, bucket: string): Promise<string> {
  const definition = resolveFanoutDefinition(
    exampleSubstitutions({
      WorkBucket: bucket,
      'WorkerFunction.Arn': 'arn:aws:lambda:us-east-1:123456789012:function:verify-worker',
      'MergeFunction.Arn': 'arn:aws:lambda:us-east-1:123456789012:function:verify-merge',
      MaxConcurrency: 2,
    }),
  ) as { States: { VerifyRanges: { ItemReader: { ReaderConfig: { InputType: string } } } } };
  expect(definition.States.VerifyRanges.ItemReader.ReaderConfig.InputType).toBe('JSONL');
  definition.States.VerifyRanges.ItemReader.ReaderConfig.InputType = 'JSON';
  const { stateMachineArn } = await sfn.send(
    new CreateStateMachineCommand({
      name: uniqueName('verify'),
      definition: JSON.stringify(definition),
      roleArn: 'arn:aws:iam::123456789012:role/verify-fanout',
    }),
  );
  return stateMachineArn!;
}

/** Runs the CLI in this process, capturing its output. */
async function ddbMigrate(args: string[], env: NodeJS.ProcessEnv) {
  let stdout = '';
  let stderr = '';
  const out = new PassThrough().on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  const err = new PassThrough().on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const code = await runCli(args, { stdout: out, stderr: err, env });
  return { code, stdout, stderr };
}

describe('verify-fanout.yaml on moto (Step Functions interpreter, worker artifact via a Lambda stand-in)', () => {
  it('runs the Distributed Map with its continue loop and merges a report equal to a local verify', async () => {
    const tables = await seedTables();
    const s3 = new S3Client({ ...clientConfig(), forcePathStyle: true });
    const sfn = new SFNClient(clientConfig());
    const bucket = await createBucket(s3);
    const prefix = `verify/${uniqueName('run')}/`;

    const stateMachineArn = await createFanoutStateMachine(sfn, bucket);
    await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: `${prefix}items.json`, Body: JSON.stringify(RANGES) }),
    );
    const job = {
      workUrl: `s3://${bucket}/${prefix}`,
      source: { tableName: tables.sourceTable, region: 'us-east-1' },
      target: { tableName: tables.targetTable, region: 'us-east-1', roleArn: tables.targetRole },
      totalSegments: TOTAL_SEGMENTS,
      options: { recheckDelaySeconds: 0, recheckAttempts: 1, concurrency: 1, reserveMs: 0 },
    };

    const { executionArn } = await sfn.send(
      new StartExecutionCommand({
        stateMachineArn,
        input: JSON.stringify({ itemList: { Key: `${prefix}items.json` }, job }),
      }),
    );
    const execution = await waitForExecution(sfn, executionArn!);

    expect(execution.status, execution.cause).toBe('SUCCEEDED');
    expect(JSON.parse(execution.output!)).toEqual({
      summaryUrl: `s3://${bucket}/${prefix}summary.json`,
      ranges: 3,
      identical: false,
      complete: true,
      differences: 5,
      remaining: 5,
      sourceScanned: 120,
      targetScanned: 119,
    });
    // The map run's counts (what verify --engine stepfunctions shows as progress).
    const [mapRun] = (await sfn.send(new ListMapRunsCommand({ executionArn }))).mapRuns ?? [];
    const described = await sfn.send(new DescribeMapRunCommand({ mapRunArn: mapRun!.mapRunArn }));
    expect(described).toMatchObject({
      status: 'SUCCEEDED',
      maxConcurrency: 2,
      itemCounts: { total: 3, succeeded: 3, failed: 0 },
    });
    // The Choice loop ran: one segment per invocation (concurrency 1, no time), two per range.
    const workerCalls = standIn.invocations.filter((i) => i.functionName === 'verify-worker');
    expect(workerCalls).toHaveLength(6);
    for (const range of RANGES) {
      const calls = workerCalls.filter(
        (c) => JSON.stringify((c.event as { range: unknown }).range) === JSON.stringify(range),
      );
      expect(calls.map((c) => (c.event as { invocation?: number }).invocation)).toEqual([undefined, 1]);
    }
    expect(standIn.invocations.filter((i) => i.functionName === 'verify-merge')).toHaveLength(1);
    // ResultWriter wrote its manifest under the prefix the definition names.
    const results = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'map-results/' }));
    expect((results.Contents ?? []).some((o) => o.Key?.endsWith('manifest.json'))).toBe(true);

    // The merged report equals one local verify of the same tables.
    const read = async (key: string) =>
      (
        await s3.send(new GetObjectCommand({ Bucket: bucket, Key: `${prefix}${key}` }))
      ).Body!.transformToString();
    const merged = JSON.parse(await read('summary.json')) as VerifySummary & { reportParts: string[] };
    const lines = (await Promise.all(merged.reportParts.map(read)))
      .join('')
      .split('\n')
      .filter(Boolean)
      .sort();
    const localLines: string[] = [];
    const local = await verifyTables({
      source: { client: tables.source, tableName: tables.sourceTable },
      target: { client: tables.target, tableName: tables.targetTable },
      totalSegments: TOTAL_SEGMENTS,
      recheckDelaySeconds: 0,
      recheckAttempts: 1,
      onDifference: (d) => {
        localLines.push(JSON.stringify(differenceToJson(d)));
      },
    });
    expect(lines).toEqual(localLines.sort());
    const counts = ({ durationMs: _d, startedAt: _s, consumedRcu: _c, ...rest }: VerifySummary) => rest;
    const { reportParts: _parts, ...mergedSummary } = merged;
    expect(counts(mergedSummary)).toEqual(counts(local));
  });

  it('verify --engine stepfunctions writes the item list, follows the map run and exits 1 with the report of a local verify', async () => {
    // Another Region: moto 5.2.1 fails a second StartExecution in one account and Region
    // ("cannot pickle '_thread.RLock'" while it copies the state machine).
    const region = 'us-west-2';
    const tables = await seedTables(region);
    const s3 = new S3Client({ ...clientConfig(), forcePathStyle: true });
    const sfn = new SFNClient(clientConfig(baseCredentials(), region));
    const bucket = await createBucket(s3);
    const stateMachineArn = await createFanoutStateMachine(sfn, bucket);
    const dir = await mkdtemp(join(tmpdir(), 'verify-sfn-cli-'));
    const env = {
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      AWS_REGION: region,
      AWS_ENDPOINT_URL: endpoint,
      DDB_MIGRATE_SFN_POLL_MS: '200',
    };
    const base = [
      'verify',
      '--source-table-name',
      tables.sourceTable,
      '--target-table-name',
      tables.targetTable,
      '--target-role-arn',
      tables.targetRole,
      '--recheck-delay',
      '0',
      '--recheck-attempts',
      '1',
      '--segments',
      String(TOTAL_SEGMENTS),
      '--state-dir',
      join(dir, 'state'),
      '--output',
      'json',
    ];

    const fanned = await ddbMigrate(
      [
        ...base,
        '--engine',
        'stepfunctions',
        '--state-machine-arn',
        stateMachineArn,
        '--concurrency',
        '2',
        '--report',
        join(dir, 'sfn.ndjson'),
      ],
      env,
    );
    const local = await ddbMigrate([...base, '--report', join(dir, 'local.ndjson')], env);

    expect(fanned.code, fanned.stderr).toBe(1);
    expect(local.code, local.stderr).toBe(1);
    const counts = (text: string) => {
      const {
        durationMs: _d,
        startedAt: _s,
        consumedRcu: _c,
        coverage: _v,
        report: _r,
        summaryFile: _f,
        differingKeys,
        ...rest
      } = JSON.parse(text) as Record<string, unknown> & { differingKeys: unknown[] };
      return { ...rest, differingKeys: differingKeys.map((d) => JSON.stringify(d)).sort() };
    };
    expect(counts(fanned.stdout)).toEqual(counts(local.stdout));
    expect(JSON.parse(fanned.stdout)).toMatchObject({
      differences: 5,
      complete: true,
      totalSegments: TOTAL_SEGMENTS,
    });
    const lines = async (name: string) =>
      (await readFile(join(dir, name), 'utf8')).split('\n').filter(Boolean).sort();
    expect(await lines('sfn.ndjson')).toEqual(await lines('local.ndjson'));
    // The item list the CLI wrote, in the format the deployed definition reads (JSON here), and the
    // progress it printed from the map run's counts.
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'verify/' }));
    const itemKey = (listed.Contents ?? []).map((o) => o.Key!).find((key) => key.endsWith('/items.json'))!;
    const items = JSON.parse(
      await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: itemKey }))).Body!.transformToString(),
    );
    // Ranges of at least 4 segments; --concurrency 2 = two segment pairs at a time in each worker.
    expect(items).toEqual([
      { first: 0, last: 3 },
      { first: 4, last: 5 },
    ]);
    expect(fanned.stderr).toMatch(/verify: \d\/2 ranges/);
    expect(fanned.stderr).toMatch(/execution SUCCEEDED/);
  });
});

/**
 * The load state machine (<name>-load) on the same interpreter, with the artifact's index.load and
 * index.loadMerge behind the stand-in: an export's data files (in the target account, read through
 * the target role) written into the target table by the Distributed Map, every worker invocation on
 * a spent budget so the Choice loop turns once per file. The same JSON-for-JSONL substitution.
 */
describe('verify-fanout.yaml load state machine on moto (interpreter, load worker via the stand-in)', () => {
  it('loads every data file through the continue loop, marks each done and sums the batches', async () => {
    // A Region of its own: moto fails a second StartExecution in one account and Region.
    const region = 'eu-west-1';
    const targetRole = roleArn(TARGET_ACCOUNT, TARGET_ROLE_NAME);
    const targetConfig = clientConfig(
      assumeRoleCredentials({ region, endpoint, credentials: baseCredentials() }, { roleArn: targetRole }),
      region,
    );
    const target = new DynamoDBClient(targetConfig);
    const targetS3 = new S3Client({ ...targetConfig, forcePathStyle: true });
    const s3 = new S3Client({ ...clientConfig(), forcePathStyle: true });
    const sfn = new SFNClient(clientConfig(baseCredentials(), region));
    const table = await createTable(target, { partitionKey: 'pk' });
    const exportBucket = await createBucket(targetS3);
    const items = generateItems(90, { seed: 33 });
    const files: { key: string; itemCount: number }[] = [];
    for (let f = 0; f < 3; f++) {
      const slice = items.slice(f * 30, (f + 1) * 30);
      const key = `exp/AWSDynamoDB/01700000000000-0000abcd/data/part${f}.json.gz`;
      const body = gzipSync(
        `${slice.map((item) => JSON.stringify({ Item: toDynamoJson(item) })).join('\n')}\n`,
      );
      await targetS3.send(new PutObjectCommand({ Bucket: exportBucket, Key: key, Body: body }));
      files.push({ key, itemCount: slice.length });
    }
    const bucket = await createBucket(s3);
    const definition = resolveFanoutDefinition(
      exampleSubstitutions({
        WorkBucket: bucket,
        'LoadWorkerFunction.Arn': `arn:aws:lambda:${region}:123456789012:function:load-worker`,
        'LoadMergeFunction.Arn': `arn:aws:lambda:${region}:123456789012:function:load-merge`,
        LoadMaxConcurrency: 2,
      }),
      'LoadStateMachine',
    ) as { States: { LoadFiles: { ItemReader: { ReaderConfig: { InputType: string } } } } };
    definition.States.LoadFiles.ItemReader.ReaderConfig.InputType = 'JSON';
    const { stateMachineArn } = await sfn.send(
      new CreateStateMachineCommand({
        name: uniqueName('load'),
        definition: JSON.stringify(definition),
        roleArn: 'arn:aws:iam::123456789012:role/load-fanout',
      }),
    );
    const prefix = `load/${uniqueName('run')}/`;
    // Two batches: files 0-1 and file 2 (what the CLI writes with --load-files-per-item 2).
    const batches = [
      { id: 'f0000000', files: files.slice(0, 2) },
      { id: 'f0000002', files: files.slice(2) },
    ];
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: `${prefix}load/items/run.json`,
        Body: JSON.stringify(batches),
      }),
    );
    const job = {
      workUrl: `s3://${bucket}/${prefix}`,
      exportBucket,
      target: { tableName: table.name, region, roleArn: targetRole },
      keyNames: { partitionKey: 'pk' },
      itemsKey: 'load/items/run.json',
      options: { reserveMs: 0, fileConcurrency: 1 },
    };
    const before = standIn.invocations.length;

    const { executionArn } = await sfn.send(
      new StartExecutionCommand({
        stateMachineArn,
        input: JSON.stringify({ itemList: { Key: `${prefix}load/items/run.json` }, job }),
      }),
    );
    const execution = await waitForExecution(sfn, executionArn!);

    expect(execution.status, execution.cause).toBe('SUCCEEDED');
    expect(JSON.parse(execution.output!)).toMatchObject({
      summaryUrl: `s3://${bucket}/${prefix}load/summary.json`,
      batches: 2,
      files: 3,
      items: 90,
      failedItems: 0,
      failedFiles: 0,
      invocations: 3,
    });
    // The Choice loop: batch f0000000 took two turns (one file each on a spent budget), f0000002 one.
    const calls = standIn.invocations.slice(before).filter((i) => i.functionName === 'load-worker');
    const turns = (id: string) =>
      calls
        .filter((c) => (c.event as { batch: { id: string } }).batch.id === id)
        .map((c) => (c.event as { invocation?: number }).invocation);
    expect(turns('f0000000')).toEqual([undefined, 1]);
    expect(turns('f0000002')).toEqual([undefined]);
    const [mapRun] = (await sfn.send(new ListMapRunsCommand({ executionArn }))).mapRuns ?? [];
    expect(await sfn.send(new DescribeMapRunCommand({ mapRunArn: mapRun!.mapRunArn }))).toMatchObject({
      maxConcurrency: 2,
      itemCounts: { total: 2, succeeded: 2, failed: 0 },
    });
    // Every data file has its done-marker; the target holds exactly the export's items.
    const markers = await s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: `${prefix}load/done/` }),
    );
    expect((markers.Contents ?? []).map((o) => o.Key!.slice(prefix.length)).sort()).toEqual([
      'load/done/part0.json.gz.json',
      'load/done/part1.json.gz.json',
      'load/done/part2.json.gz.json',
    ]);
    const loaded = await scanAll(target, table.name, { consistentRead: true });
    expect(loaded).toHaveLength(90);
    const byKey = new Map(
      items.map((item) => [JSON.stringify(toDynamoJson(item.pk ? { pk: item.pk } : {})), item]),
    );
    for (const item of loaded) {
      const want = byKey.get(JSON.stringify(toDynamoJson({ pk: item.pk! })));
      expect(want && itemsEqual(item, want)).toBe(true);
    }
  });
});
