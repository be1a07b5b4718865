/**
 * `pnpm demo`: a whole zero-downtime migration on a local moto server, in two accounts, while a
 * writer keeps changing the source. Starts moto exactly as the tests do and stops only that server.
 */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import {
  DeleteItemCommand,
  DynamoDBClient,
  PutItemCommand,
  UpdateContinuousBackupsCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { getIntFromEnv, type Item } from '@ddb-migrate/core';
import {
  createBucket,
  createTable,
  generateItems,
  startMotoServer,
  targetSide,
  putItems,
} from '@ddb-migrate/test-kit';
import { runCli } from 'ddb-migrate';

const SOURCE_ACCOUNT = '123456789012';
const TARGET_ACCOUNT = '222222222222';
const REGION = 'us-east-1';
/** DEMO_ITEMS: size of the source table (validated once, at the entry). */
const ITEMS = getIntFromEnv(process.env, 'DEMO_ITEMS', { default: 10_000, min: 1, max: 1_000_000 });

const say = (line: string) => process.stdout.write(`${line}\n`);
const t0 = Date.now();
const at = () => `[${((Date.now() - t0) / 1000).toFixed(1).padStart(5)}s]`;
/** Prints a command's output indented under the story's time column. */
const sayIndented = (text: string) =>
  say(
    text
      .trim()
      .split('\n')
      .map((l) => `          ${l}`)
      .join('\n'),
  );

/** A stream for runCli whose written text can be read back. */
function capture(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (d) => {
    text += String(d);
  });
  return { stream, text: () => text };
}

async function main(): Promise<number> {
  say(`${at()} starting moto (the local stand-in for two AWS accounts)`);
  const moto = await startMotoServer();
  try {
    return await demo(moto.endpoint);
  } finally {
    await moto.stop();
  }
}

async function demo(endpoint: string): Promise<number> {
  const creds = { accessKeyId: 'testing', secretAccessKey: 'testing' };
  const src = new DynamoDBClient({ region: REGION, endpoint, credentials: creds });
  // The test kit's sides read the endpoint from MOTO_ENDPOINT (what the tests' global setup sets).
  process.env.MOTO_ENDPOINT = endpoint;
  const targetCreds = targetSide({ region: REGION }).credentials;
  const tgtS3 = new S3Client({ region: REGION, endpoint, credentials: targetCreds, forcePathStyle: true });

  const bucket = await createBucket(tgtS3, { name: `dynamodb-export-to-s3-${REGION}-${TARGET_ACCOUNT}` });
  say(`${at()} target account ${TARGET_ACCOUNT}: export bucket ${bucket}, role cross_account_assume_role`);
  const table = 'orders';
  await createTable(src, { name: table, gsis: [{ name: 'by-s', partitionKey: { name: 's', type: 'S' } }] });
  await src.send(
    new UpdateContinuousBackupsCommand({
      TableName: table,
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    }),
  );
  const items = generateItems(ITEMS, { seed: 42 });
  await putItems(src, table, items, { concurrency: 4 });
  say(
    `${at()} source account ${SOURCE_ACCOUNT}: table ${table} with ${ITEMS.toLocaleString('en-US')} varied items (every type, 38-digit numbers, binary, unicode), PITR on`,
  );

  const writer = startWriter(src, table, items);
  say(`${at()} a writer starts changing the source (puts, updates, deletes, new keys) and keeps going`);

  const stateDir = mkdtempSync(join(tmpdir(), 'ddb-migrate-demo-'));
  const stderr = new PassThrough();
  stderr.on('data', (d: Buffer) => {
    for (const line of String(d).split('\n'))
      if (line.trim() && !line.startsWith('info') && !line.startsWith('debug'))
        say(`${at()}   | ${line.trim()}`);
  });
  const { stream: stdout, text: out } = capture();
  const args = [
    'migrate',
    '--endpoint-url',
    endpoint,
    '--source-region',
    REGION,
    '--source-table-name',
    table,
    '--source-account-id',
    SOURCE_ACCOUNT,
    '--target-region',
    REGION,
    '--target-table-name',
    table,
    '--target-account-id',
    TARGET_ACCOUNT,
    '--load-mode',
    'write',
    '--cdc-mode',
    'local',
    '--stop-after-idle',
    '3',
    '--yes',
    '--state-dir',
    stateDir,
    '--poll-seconds',
    '1',
    // moto's exports are exact (it ignores ExportTime); on AWS keep the default 65 s settle wait.
    '--stream-settle-seconds',
    '0',
  ];
  say(
    `${at()} load mode: write (moto's ImportTable drops or mangles varied items, which migrate would stop on as IMPORT_INCOMPLETE; on AWS the default auto mode imports)`,
  );
  say(`${at()} ddb-migrate ${args.filter((a) => a !== endpoint).join(' ')}`);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
  };
  delete env.AWS_PROFILE;
  const run = runCli(args, { stdout, stderr, env });

  await waitFor(() => cdcStarted(stateDir), run);
  say(`${at()} CDC is replaying the stream; the writer keeps going for 3 more seconds`);
  await new Promise((r) => setTimeout(r, 3000));
  const stats = await writer.stop();
  say(
    `${at()} writer stopped after ${stats.puts} puts, ${stats.updates} updates, ${stats.deletes} deletes, ${stats.inserts} new keys; CDC drains`,
  );
  const code = await run;
  sayIndented(out());
  if (code !== 0) {
    say(`${at()} migrate exited ${code}`);
    return code;
  }
  const verified = await verify(endpoint, table, env, stateDir);
  return verified === 0 ? cutover(endpoint, table, env, stateDir) : verified;
}

/** `ddb-migrate cutover` through runCli: freeze, fence, prove, switch (the way the migration ends). */
async function cutover(
  endpoint: string,
  table: string,
  env: NodeJS.ProcessEnv,
  stateDir: string,
): Promise<number> {
  const args = [
    'cutover',
    '--endpoint-url',
    endpoint,
    '--source-region',
    REGION,
    '--source-table-name',
    table,
    '--target-table-name',
    table,
    '--target-account-id',
    TARGET_ACCOUNT,
    '--state-dir',
    stateDir,
    // moto stores the freeze policy but enforces none, so there is nothing to wait for here.
    '--freeze-settle-seconds',
    '0',
    '--yes',
  ];
  const code = await runStep(args, endpoint, env);
  say(
    code === 0
      ? `${at()} RESULT: cutover froze the source, drained CDC to its fence, proved every changed key and switched. Migration done.`
      : `${at()} RESULT: cutover exited ${code}`,
  );
  return code;
}

/** Runs one command through runCli: the command line and its output go into the story (the last error lines on failure). */
async function runStep(args: string[], endpoint: string, env: NodeJS.ProcessEnv): Promise<number> {
  say(`${at()} ddb-migrate ${args.filter((a) => a !== endpoint).join(' ')}`);
  const { stream: stdout, text: out } = capture();
  const { stream: stderr, text: err } = capture();
  const code = await runCli(args, { stdout, stderr, env });
  sayIndented(out());
  if (code !== 0) {
    for (const line of err().trim().split('\n').slice(-3)) if (line.trim()) say(`${at()}   | ${line.trim()}`);
  }
  return code;
}

/** `ddb-migrate verify` through runCli: its summary goes into the story, its exit code is the demo's. */
async function verify(
  endpoint: string,
  table: string,
  env: NodeJS.ProcessEnv,
  stateDir: string,
): Promise<number> {
  const args = [
    'verify',
    '--state-dir',
    stateDir,
    '--endpoint-url',
    endpoint,
    '--source-region',
    REGION,
    '--source-table-name',
    table,
    '--target-region',
    REGION,
    '--target-table-name',
    table,
    '--target-account-id',
    TARGET_ACCOUNT,
    // One segment per side: moto walks the whole table for every page of a segmented scan.
    '--segments',
    '1',
    '--recheck-delay',
    '1',
  ];
  const code = await runStep(args, endpoint, env);
  say(
    code === 0
      ? `${at()} RESULT: verify found the target identical to the source (recorded in the state: cutover's precondition).`
      : `${at()} RESULT: verify exited ${code}: ${code === 1 ? 'the tables differ' : 'verify failed'}`,
  );
  return code;
}

function startWriter(client: DynamoDBClient, table: string, items: Item[]) {
  let running = true;
  const stats = { puts: 0, updates: 0, deletes: 0, inserts: 0 };
  const loop = (async () => {
    for (let n = 1; running; n++) {
      const base = items[(n * 7919) % items.length] as Item;
      const key = { pk: base.pk as Item[string] };
      const op = n % 4;
      if (op === 0) {
        await client.send(new PutItemCommand({ TableName: table, Item: { ...base, rev: { N: String(n) } } }));
        stats.puts++;
      } else if (op === 1) {
        await client.send(
          new UpdateItemCommand({
            TableName: table,
            Key: key,
            UpdateExpression: 'SET rev = :r',
            ExpressionAttributeValues: { ':r': { N: `${n}.5` } },
          }),
        );
        stats.updates++;
      } else if (op === 2) {
        await client.send(new DeleteItemCommand({ TableName: table, Key: key }));
        stats.deletes++;
      } else {
        await client.send(
          new PutItemCommand({
            TableName: table,
            Item: { pk: { S: `live-${n}` }, s: { S: 'new' }, b: { B: new Uint8Array([n % 256]) } },
          }),
        );
        stats.inserts++;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return stats;
    },
  };
}

function cdcStarted(stateDir: string): boolean {
  const file = readdirSync(stateDir).find((f) => f.endsWith('.json') && !f.includes('checkpoint'));
  if (!file) return false;
  try {
    return JSON.parse(readFileSync(join(stateDir, file), 'utf8')).cdc?.status === 'started';
  } catch {
    return false;
  }
}

async function waitFor(predicate: () => boolean, run: Promise<number>): Promise<void> {
  let ended = false;
  void run.then(() => {
    ended = true;
  });
  while (!predicate()) {
    if (ended) return;
    await new Promise((r) => setTimeout(r, 200));
  }
}

main().then(
  (code) => {
    say(`${at()} done`);
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(
      `demo failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exitCode = 3;
  },
);
