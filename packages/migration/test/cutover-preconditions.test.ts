import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TableDescription } from '@aws-sdk/client-dynamodb';
import { noopLogger } from '@ddb-migrate/core';
import { type FakeSdkClient, fakeSdkClient, sdkError } from '@ddb-migrate/test-kit';
import { describe, expect, it } from 'vitest';
import {
  type CutoverInput,
  type CutoverOptions,
  DEFAULT_CUTOVER_OPTIONS,
} from '../src/cutover/cutover-input.js';
import { planCutover } from '../src/cutover/cutover-plan.js';
import type { CutoverRecord, VerifyRecord } from '../src/cutover/cutover-state.js';
import { MigrationRefusedError } from '../src/errors.js';
import type { MigrationState } from '../src/state/migration-state.js';
import { StateStore } from '../src/state/state-store.js';
import { fakeMigrationState } from './support/fake-step-context.js';

// planCutover reads only: every call it makes must be one of these (no Put/Update/Delete/Create).
const READ_ONLY = /^(Describe|Get|List)/;

const HOUR = 3_600_000;
/** "Now" of every test: planCutover takes it, so the time edges are exact. */
const NOW = Date.parse('2026-11-01T12:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();

const SOURCE_ACCOUNT = '111111111111';
const TARGET_ACCOUNT = '222222222222';
const STREAM_ARN = `arn:aws:dynamodb:us-east-1:${SOURCE_ACCOUNT}:table/src/stream/2026-11-01T00:00:00.000`;
const FUNCTION_NAME = 'cdc-fn';
const FUNCTION_ARN = `arn:aws:lambda:us-east-1:${SOURCE_ACCOUNT}:function:${FUNCTION_NAME}`;
const DLQ_URL = `https://sqs.us-east-1.amazonaws.com/${SOURCE_ACCOUNT}/cdc-dlq`;

/** A table as DescribeTable shows it: key pk (S), optionally a GSI on g. */
function table(name: string, account: string, options: { gsi?: boolean } = {}): TableDescription {
  return {
    TableName: name,
    TableArn: `arn:aws:dynamodb:us-east-1:${account}:table/${name}`,
    TableStatus: 'ACTIVE',
    KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
    AttributeDefinitions: [
      { AttributeName: 'pk', AttributeType: 'S' },
      ...(options.gsi ? [{ AttributeName: 'g', AttributeType: 'S' as const }] : []),
    ],
    ...(options.gsi
      ? {
          GlobalSecondaryIndexes: [
            {
              IndexName: 'by-g',
              KeySchema: [{ AttributeName: 'g', KeyType: 'HASH' as const }],
              Projection: { ProjectionType: 'ALL' as const },
            },
          ],
        }
      : {}),
  };
}

interface WorldOptions {
  sourceGsi?: boolean;
  targetGsi?: boolean;
  /** TTL attribute per side (undefined: off). */
  sourceTtl?: string;
  targetTtl?: string;
  /** The lambda-mode mapping's State (default Enabled). */
  mappingState?: string;
  /** Messages in the DLQ (lambda: the function's SQS_QUEUE_URL_FOR_FAILED_EVENTS; local: --dlq-url). */
  dlqMessages?: number;
  /** The function's IteratorAge maxima (ms) over the last minutes; none: no batch processed. */
  iteratorAgeMs?: number[];
  /** Local CDC: ages (ms before NOW) of the records on shardId-0001 after its checkpoint. */
  pendingAgesMs?: number[];
  /** What the source's GetCallerIdentity says (default a role). */
  sourceCallerArn?: string;
}

/** Fake clients of both accounts: just the reads planCutover makes. */
function world(options: WorldOptions = {}) {
  const ddb = (t: TableDescription, ttl: string | undefined) =>
    fakeSdkClient({
      DescribeTable: () => ({ Table: t }),
      DescribeTimeToLive: () => ({
        TimeToLiveDescription: ttl
          ? { TimeToLiveStatus: 'ENABLED', AttributeName: ttl }
          : { TimeToLiveStatus: 'DISABLED' },
      }),
    });
  const sts = (account: string) =>
    fakeSdkClient({
      GetCallerIdentity: () => ({
        Account: account,
        Arn:
          account === SOURCE_ACCOUNT && options.sourceCallerArn
            ? options.sourceCallerArn
            : `arn:aws:iam::${account}:role/migrator`,
        UserId: 'AROAEXAMPLE',
      }),
    });
  const clients = {
    sourceDdb: ddb(table('src', SOURCE_ACCOUNT, { gsi: options.sourceGsi ?? false }), options.sourceTtl),
    targetDdb: ddb(table('dst', TARGET_ACCOUNT, { gsi: options.targetGsi ?? false }), options.targetTtl),
    sourceSts: sts(SOURCE_ACCOUNT),
    targetSts: sts(TARGET_ACCOUNT),
    sourceLambda: fakeSdkClient({
      GetEventSourceMapping: (input: { UUID: string }) => {
        if (input.UUID !== 'uuid-1') throw sdkError('ResourceNotFoundException', 404);
        return {
          UUID: 'uuid-1',
          State: options.mappingState ?? 'Enabled',
          FunctionArn: FUNCTION_ARN,
          EventSourceArn: STREAM_ARN,
          LastProcessingResult: 'OK',
        };
      },
      GetFunctionConfiguration: () => ({
        FunctionArn: FUNCTION_ARN,
        Environment: { Variables: { SQS_QUEUE_URL_FOR_FAILED_EVENTS: DLQ_URL } },
      }),
    }),
    sourceSqs: fakeSdkClient({
      GetQueueAttributes: (input: { QueueUrl: string }) => {
        if (input.QueueUrl !== DLQ_URL) throw sdkError('AWS.SimpleQueueService.NonExistentQueue', 400);
        return {
          Attributes: {
            ApproximateNumberOfMessages: String(options.dlqMessages ?? 0),
            ApproximateNumberOfMessagesNotVisible: '0',
          },
        };
      },
    }),
    sourceCloudWatch: fakeSdkClient({
      GetMetricStatistics: (input: { MetricName: string; Dimensions: { Name: string; Value: string }[] }) => {
        if (input.MetricName !== 'IteratorAge' || input.Dimensions[0]?.Value !== FUNCTION_NAME)
          return { Datapoints: [] };
        return { Datapoints: (options.iteratorAgeMs ?? []).map((Maximum) => ({ Maximum })) };
      },
    }),
    // No handlers: planCutover reads no stream; any call would fail the test.
    // Local CDC's backlog: the stream read from the checkpoint (shardId-0001 after seq 100).
    sourceStreams: fakeSdkClient({
      DescribeStream: () => ({
        StreamDescription: {
          StreamArn: STREAM_ARN,
          StreamStatus: 'ENABLED',
          Shards: [
            {
              ShardId: 'shardId-0000',
              SequenceNumberRange: { StartingSequenceNumber: '1', EndingSequenceNumber: '50' },
            },
            { ShardId: 'shardId-0001', SequenceNumberRange: { StartingSequenceNumber: '60' } },
            {
              ShardId: 'shardId-0002',
              ParentShardId: 'shardId-0000',
              SequenceNumberRange: { StartingSequenceNumber: '150' },
            },
          ],
        },
      }),
      GetShardIterator: (input: { ShardId: string }) => ({ ShardIterator: `${input.ShardId}:0` }),
      GetRecords: (input: { ShardIterator: string }) => {
        const [shard, from] = input.ShardIterator.split(':') as [string, string];
        const pending = shard === 'shardId-0001' ? (options.pendingAgesMs ?? []) : [];
        const records = pending.slice(Number(from)).map((age, i) => ({
          eventID: `${shard}-${i}`,
          eventName: 'MODIFY',
          dynamodb: {
            ApproximateCreationDateTime: new Date(NOW - age),
            Keys: { pk: { S: `k${i}` } },
            NewImage: { pk: { S: `k${i}` } },
            SequenceNumber: String(101 + i),
            StreamViewType: 'NEW_AND_OLD_IMAGES',
          },
        }));
        return { Records: records, NextShardIterator: `${shard}:${pending.length}` };
      },
    }),
    targetStreams: fakeSdkClient({}),
  };
  const all = Object.values(clients) as FakeSdkClient[];
  return {
    clients,
    /** Every operation any fake received. */
    operations: () => all.flatMap((c) => c.operations()),
  };
}

/** A clean verify 2 h before NOW, after CDC started (3 h before NOW). */
function cleanVerify(overrides: Partial<VerifyRecord> = {}): VerifyRecord {
  return {
    startedAt: iso(NOW - 2 * HOUR),
    finishedAt: iso(NOW - 2 * HOUR + 60_000),
    differences: 0,
    sourceScanned: 100,
    complete: true,
    ...overrides,
  };
}

/** A migration whose lambda-mode CDC runs and whose clean verify is recorded: cutover may start. */
function lambdaState(overrides: Partial<MigrationState> = {}): MigrationState {
  return fakeMigrationState({
    cdcMode: 'lambda',
    stream: {
      status: 'done',
      streamArn: STREAM_ARN,
      viewType: 'NEW_AND_OLD_IMAGES',
      enabledAt: iso(NOW - 4 * HOUR),
      enabledByUs: true,
    },
    cdc: { status: 'done', mode: 'lambda', startedAt: iso(NOW - 3 * HOUR), esmUuid: 'uuid-1' },
    verify: cleanVerify(),
    ...overrides,
  });
}

/** A temp state dir; `state` is saved into it unless undefined. */
function stateDir(state: MigrationState | undefined): { dir: string; file?: string } {
  const dir = mkdtempSync(join(tmpdir(), 'cutover-pre-'));
  if (state === undefined) return { dir };
  return { dir, file: new StateStore(dir).pathFor(state.key) };
}

async function saved(state: MigrationState | undefined) {
  const where = stateDir(state);
  if (state) await new StateStore(where.dir).save(state);
  return where;
}

/** A local-mode state whose runner checkpoint file says the oldest pending record is `behindMs` old. */
function localState(dir: string, behindMs: number, overrides: Partial<MigrationState> = {}): MigrationState {
  const checkpoint = join(dir, 'local.cdc-checkpoint.json');
  writeFileSync(
    checkpoint,
    JSON.stringify({
      version: 2,
      streamArn: STREAM_ARN,
      updatedAt: iso(NOW - behindMs),
      shards: {
        'shardId-0001': {
          sequenceNumber: '100',
          fromTrimHorizon: true,
          firstSeenAt: iso(NOW - 3 * HOUR),
          pendingSince: iso(NOW - behindMs),
        },
        // A closed parent with a recorded child is behind the frontier: it does not count.
        'shardId-0000': { closed: true, fromTrimHorizon: true, pendingSince: iso(NOW - 3 * HOUR) },
        'shardId-0002': {
          parentShardId: 'shardId-0000',
          sequenceNumber: '200',
          fromTrimHorizon: true,
          pendingSince: iso(NOW - 5_000),
        },
      },
    }),
  );
  return lambdaState({
    cdcMode: 'local',
    cdc: { status: 'done', mode: 'local', startedAt: iso(NOW - 3 * HOUR), checkpointDir: checkpoint },
    ...overrides,
  });
}

function cutoverInput(dir: string, options: Partial<CutoverOptions> = {}): CutoverInput {
  return {
    source: { config: { region: 'us-east-1' }, tableName: 'src' },
    target: { config: { region: 'us-east-1' }, tableName: 'dst', access: { kind: 'same-credentials' } },
    options: { ...DEFAULT_CUTOVER_OPTIONS, stateDir: dir, ...options },
  };
}

type Plan = Parameters<typeof planCutover>[1];

/** Plans with `w`'s fakes at NOW. */
function plan(w: ReturnType<typeof world>, input: CutoverInput, deps: Partial<Plan> = {}) {
  return planCutover(input, {
    clients: w.clients as never,
    logger: noopLogger,
    direction: 'forward',
    now: () => NOW,
    ...deps,
  });
}

/**
 * Plans, expects a refusal, and checks that nothing changed: every call a read, the state file
 * byte for byte as it was, no other file in the state dir. Returns the problems' codes.
 */
async function refused(
  w: ReturnType<typeof world>,
  where: { dir: string; file?: string },
  input: CutoverInput,
  deps: Partial<Plan> = {},
): Promise<{ codes: string[]; error: MigrationRefusedError }> {
  const before = where.file ? readFileSync(where.file, 'utf8') : undefined;
  const filesBefore = readdirSync(where.dir).sort();
  const error = await plan(w, input, deps).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(MigrationRefusedError);
  expect(w.operations().filter((op) => !READ_ONLY.test(op))).toEqual([]);
  if (where.file) expect(readFileSync(where.file, 'utf8')).toBe(before);
  expect(readdirSync(where.dir).sort()).toEqual(filesBefore);
  const refusal = error as MigrationRefusedError;
  return { codes: refusal.problems.map((p) => p.code), error: refusal };
}

describe('planCutover refuses, changing nothing', () => {
  it('finds no migration in an empty state dir (MIGRATION_NOT_FOUND)', async () => {
    const w = world();
    const where = await saved(undefined);
    const { codes } = await refused(w, where, cutoverInput(where.dir));
    expect(codes).toEqual(['MIGRATION_NOT_FOUND']);
  });

  it('finds no migration when the state belongs to other accounts (MIGRATION_NOT_FOUND)', async () => {
    const w = world();
    const where = await saved(
      lambdaState({ key: { ...lambdaState().key, targetAccountId: '333333333333' } }),
    );
    const { codes } = await refused(w, where, cutoverInput(where.dir));
    expect(codes).toEqual(['MIGRATION_NOT_FOUND']);
  });

  it('refuses a migration without CDC (CDC_NOT_RUNNING)', async () => {
    const w = world();
    const state = lambdaState({ cdcMode: 'none' });
    delete state.cdc;
    const where = await saved(state);
    const { codes } = await refused(w, where, cutoverInput(where.dir));
    expect(codes).toEqual(['CDC_NOT_RUNNING']);
  });

  it('refuses local CDC whose oldest undelivered record is 120 s old with --max-lag 60 (CDC_LAG_TOO_HIGH)', async () => {
    const w = world({ pendingAgesMs: [120_000, 90_000] });
    const where = stateDir(undefined);
    const state = localState(where.dir, 120_000);
    await new StateStore(where.dir).save(state);
    const { codes, error } = await refused(
      w,
      { ...where, file: new StateStore(where.dir).pathFor(state.key) },
      cutoverInput(where.dir, { maxLagSeconds: 60 }),
    );
    expect(codes).toEqual(['CDC_LAG_TOO_HIGH']);
    expect(error.problems[0]?.message).toContain('2 record(s) to deliver, the oldest 120 s old');
  });

  it('lets local CDC whose oldest undelivered record is 30 s old pass --max-lag 60, reporting the lag', async () => {
    const w = world({ pendingAgesMs: [30_000] });
    const where = stateDir(undefined);
    await new StateStore(where.dir).save(localState(where.dir, 30_000));
    const result = await plan(w, cutoverInput(where.dir, { maxLagSeconds: 60 }));
    expect(result.facts.lag).toEqual({ seconds: 30, from: 'checkpoint' });
    expect(w.operations().filter((op) => !READ_ONLY.test(op))).toEqual([]);
  });

  it('lets local CDC that stopped long ago on a quiet stream pass: nothing is pending (idle)', async () => {
    const w = world({ pendingAgesMs: [] });
    const where = stateDir(undefined);
    const state = localState(where.dir, 6 * HOUR);
    await new StateStore(where.dir).save(state);
    const checkpoint = readFileSync(state.cdc?.checkpointDir as string, 'utf8');
    const result = await plan(w, cutoverInput(where.dir, { maxLagSeconds: 60 }));
    expect(result.facts.lag).toEqual({ idle: true, from: 'checkpoint' });
    // Read only: local CDC's own checkpoint is not moved.
    expect(readFileSync(state.cdc?.checkpointDir as string, 'utf8')).toBe(checkpoint);
  });

  it('refuses a caller the freeze could not exempt (PRINCIPAL_INVALID), before anything is put', async () => {
    const w = world({ sourceCallerArn: `arn:aws:iam::${SOURCE_ACCOUNT}:group/admins` });
    const where = await saved(lambdaState());
    const { codes } = await refused(w, where, cutoverInput(where.dir));
    expect(codes).toEqual(['PRINCIPAL_INVALID']);
    expect(w.operations().filter((op) => !READ_ONLY.test(op))).toEqual([]);
    // --freeze none names no principal: nothing to refuse.
    await plan(w, cutoverInput(where.dir, { freeze: 'none' }));
  });

  it('refuses while the DLQ holds 3 messages (DLQ_NOT_EMPTY), read from the function of the mapping', async () => {
    const w = world({ dlqMessages: 3 });
    const where = await saved(lambdaState());
    const { codes, error } = await refused(w, where, cutoverInput(where.dir));
    expect(codes).toEqual(['DLQ_NOT_EMPTY']);
    expect(error.problems[0]?.message).toContain('3 message(s)');
    expect(w.clients.sourceSqs.calls[0]?.input.QueueUrl).toBe(DLQ_URL);
  });

  it("refuses while the function's IteratorAge reached 120 s in the last 5 minutes with --max-lag 60 (CDC_LAG_TOO_HIGH)", async () => {
    const w = world({ iteratorAgeMs: [4_000, 120_000, 9_000] });
    const where = await saved(lambdaState());
    const { codes, error } = await refused(w, where, cutoverInput(where.dir));
    expect(codes).toEqual(['CDC_LAG_TOO_HIGH']);
    expect(error.problems[0]?.message).toContain('IteratorAge reached 120 s');
    const query = w.clients.sourceCloudWatch.calls[0]?.input as {
      Namespace: string;
      StartTime: Date;
      EndTime: Date;
    };
    expect(query.Namespace).toBe('AWS/Lambda');
    expect(query.EndTime.getTime() - query.StartTime.getTime()).toBe(300_000);
  });

  it('lets an IteratorAge of 30 s pass --max-lag 60, and a mapping without datapoints counts as idle', async () => {
    const busy = world({ iteratorAgeMs: [30_000] });
    const where = await saved(lambdaState());
    expect((await plan(busy, cutoverInput(where.dir))).facts.lag).toEqual({ seconds: 30, from: 'mapping' });
    const idle = world({});
    expect((await plan(idle, cutoverInput(where.dir))).facts.lag).toEqual({ idle: true, from: 'mapping' });
  });

  it('goes on with 3 messages in the DLQ under --allow-dlq, with a warning', async () => {
    const w = world({ dlqMessages: 3 });
    const where = await saved(lambdaState());
    const result = await plan(w, cutoverInput(where.dir, { allowDlq: true }));
    expect(result.facts.dlqMessages).toBe(3);
    expect(result.warnings.join('\n')).toMatch(/DLQ holds 3/);
  });

  it("refuses when the target lacks the source's GSI (SETTINGS_DRIFT)", async () => {
    const w = world({ sourceGsi: true, targetGsi: false });
    const where = await saved(lambdaState());
    const { codes, error } = await refused(w, where, cutoverInput(where.dir));
    expect(codes).toEqual(['SETTINGS_DRIFT']);
    expect(error.problems[0]?.message).toMatch(/indexes differ/);
  });

  it('refuses when TTL is on the source only (SETTINGS_DRIFT)', async () => {
    const w = world({ sourceTtl: 'expiresAt' });
    const where = await saved(lambdaState());
    const { codes, error } = await refused(w, where, cutoverInput(where.dir));
    expect(codes).toEqual(['SETTINGS_DRIFT']);
    expect(error.problems[0]?.message).toBe('Time to live differs: source on expiresAt, target off');
  });

  describe('the recorded verify the changed-keys proof starts from', () => {
    const cases: [string, Partial<MigrationState>, string][] = [
      ['no verify recorded', { verify: undefined }, 'VERIFY_NOT_RECORDED'],
      ['a verify that found differences', { verify: cleanVerify({ differences: 2 }) }, 'VERIFY_NOT_CLEAN'],
      ['a sampled verify', { verify: cleanVerify({ complete: false }) }, 'VERIFY_NOT_RECORDED'],
      [
        'a verify that started before CDC did',
        {
          cdc: { status: 'done', mode: 'lambda', startedAt: iso(NOW - HOUR), esmUuid: 'uuid-1' },
          verify: cleanVerify({ startedAt: iso(NOW - 2 * HOUR) }),
        },
        'VERIFY_NOT_RECORDED',
      ],
      [
        "a verify 1 ms older than the stream's 24 h minus an hour",
        { verify: cleanVerify({ startedAt: iso(NOW - 23 * HOUR - 1) }) },
        'VERIFY_NOT_RECORDED',
      ],
    ];
    it.each(cases)('refuses %s', async (_name, overrides, code) => {
      const w = world();
      const state = lambdaState({
        cdc: { status: 'done', mode: 'lambda', startedAt: iso(NOW - 30 * HOUR), esmUuid: 'uuid-1' },
        ...overrides,
      });
      if ('verify' in overrides && overrides.verify === undefined) delete state.verify;
      const where = await saved(state);
      const { codes } = await refused(w, where, cutoverInput(where.dir));
      expect(codes).toEqual([code]);
    });

    it("accepts a clean verify exactly 23 h old (the stream's 24 h minus an hour)", async () => {
      const w = world();
      const where = await saved(
        lambdaState({
          cdc: { status: 'done', mode: 'lambda', startedAt: iso(NOW - 30 * HOUR), esmUuid: 'uuid-1' },
          verify: cleanVerify({ startedAt: iso(NOW - 23 * HOUR) }),
        }),
      );
      const result = await plan(w, cutoverInput(where.dir));
      expect(result.steps.find((s) => s.name === 'prove')?.detail).toMatch(
        /changed since the last clean verify/,
      );
    });

    it('needs no recorded verify with --verify full', async () => {
      const w = world();
      const state = lambdaState();
      delete state.verify;
      const where = await saved(state);
      const result = await plan(w, cutoverInput(where.dir, { verify: 'full' }));
      expect(result.steps.find((s) => s.name === 'prove')?.detail).toBe('verify the whole table');
    });
  });

  it('reports every problem at once (PREFLIGHT_REFUSED with all of them)', async () => {
    const w = world({ sourceGsi: true, targetTtl: 'ttl', dlqMessages: 3, mappingState: 'Disabled' });
    const state = lambdaState({ verify: cleanVerify({ differences: 1 }) });
    const where = await saved(state);
    const { codes, error } = await refused(w, where, cutoverInput(where.dir));
    expect(error.code).toBe('PREFLIGHT_REFUSED');
    expect([...codes].sort()).toEqual([
      'CDC_NOT_RUNNING',
      'DLQ_NOT_EMPTY',
      'SETTINGS_DRIFT',
      'SETTINGS_DRIFT',
      'VERIFY_NOT_CLEAN',
    ]);
  });

  describe('rollback', () => {
    const switched = (reverse: boolean): CutoverRecord => ({
      direction: 'forward',
      status: 'switched',
      startedAt: iso(NOW - HOUR),
      freeze: { mode: 'policy', originalPolicy: null, appliedAt: iso(NOW - HOUR) },
      switchedAt: iso(NOW - HOUR / 2),
      ...(reverse
        ? {
            reverse: {
              streamArn: `arn:aws:dynamodb:us-east-1:${TARGET_ACCOUNT}:table/dst/stream/x`,
              enabledAt: iso(NOW - HOUR),
            },
          }
        : {}),
    });

    it('refuses without a switched cutover (NOT_SWITCHED)', async () => {
      const w = world();
      const where = await saved(lambdaState({ cutover: { ...switched(true), status: 'proved' } }));
      const { codes } = await refused(w, where, cutoverInput(where.dir), { direction: 'back' });
      expect(codes).toEqual(['NOT_SWITCHED']);
    });

    it('refuses a cutover that switched without --reverse (NOT_SWITCHED)', async () => {
      const w = world();
      const where = await saved(lambdaState({ cutover: switched(false) }));
      const { codes, error } = await refused(w, where, cutoverInput(where.dir), { direction: 'back' });
      expect(codes).toEqual(['NOT_SWITCHED']);
      expect(error.problems[0]?.message).toMatch(/without --reverse/);
    });

    it('is planned after a switched cutover with the way back', async () => {
      const w = world();
      const where = await saved(lambdaState({ cutover: switched(true) }));
      const result = await plan(w, cutoverInput(where.dir), { direction: 'back' });
      expect(result.direction).toBe('back');
      expect(result.steps.map((s) => s.name)).toContain('unfreeze-old');
    });
  });
});

describe('planCutover never blocks an abort or a resumed cutover', () => {
  it('plans `purpose: abort` despite every precondition failing', async () => {
    const w = world({ sourceGsi: true, sourceTtl: 'ttl', dlqMessages: 3, mappingState: 'Disabled' });
    const state = lambdaState({ verify: cleanVerify({ complete: false }) });
    const where = await saved(state);
    const before = readFileSync(where.file as string, 'utf8');
    const result = await plan(w, cutoverInput(where.dir), { purpose: 'abort' });
    expect(result.facts.state.key).toEqual(state.key);
    expect(w.operations().filter((op) => !READ_ONLY.test(op))).toEqual([]);
    expect(readFileSync(where.file as string, 'utf8')).toBe(before);
  });

  it('plans `purpose: abort` of a rollback that has nothing switched', async () => {
    const w = world();
    const where = await saved(lambdaState());
    const result = await plan(w, cutoverInput(where.dir), { purpose: 'abort', direction: 'back' });
    expect(result.direction).toBe('back');
  });

  it('skips the lag, DLQ and verify checks for a cutover that already froze the table', async () => {
    const w = world({ dlqMessages: 3 });
    const where = stateDir(undefined);
    const frozen: CutoverRecord = {
      direction: 'forward',
      status: 'frozen',
      startedAt: iso(NOW - 60_000),
      freeze: { mode: 'policy', originalPolicy: null, appliedAt: iso(NOW - 50_000) },
    };
    // 120 s behind (above --max-lag 60), the DLQ not empty, no verify recorded: all fine when resuming.
    const state = localState(where.dir, 120_000, { cutover: frozen });
    delete state.verify;
    await new StateStore(where.dir).save(state);
    const result = await plan(w, cutoverInput(where.dir, { maxLagSeconds: 60, dlqUrl: DLQ_URL }));
    expect(result.steps.find((s) => s.name === 'freeze')?.status).toBe('done');
    expect(result.steps.find((s) => s.name === 'fence')?.status).toBe('todo');
    expect(w.clients.sourceSqs.operations()).toEqual([]);
    expect(w.operations().filter((op) => !READ_ONLY.test(op))).toEqual([]);
  });

  it('skips the mapping and verify checks of a lambda-mode cutover resumed after the fence disabled the mapping', async () => {
    const w = world({ mappingState: 'Disabled', dlqMessages: 3 });
    const state = lambdaState({
      verify: cleanVerify({ startedAt: iso(NOW - 25 * HOUR) }),
      cutover: {
        direction: 'forward',
        status: 'fenced',
        startedAt: iso(NOW - 60_000),
        freeze: { mode: 'policy', originalPolicy: null, appliedAt: iso(NOW - 50_000) },
        cdcStopped: { at: iso(NOW - 10_000), mappingDisabled: true },
      },
    });
    const where = await saved(state);
    const result = await plan(w, cutoverInput(where.dir));
    expect(result.steps.find((s) => s.name === 'fence')?.status).toBe('done');
    expect(w.clients.sourceLambda.operations()).toEqual([]);
    expect(w.clients.sourceSqs.operations()).toEqual([]);
  });
});
