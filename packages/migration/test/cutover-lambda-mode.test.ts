import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TableDescription } from '@aws-sdk/client-dynamodb';
import { type Item, MigrationError, noopLogger } from '@ddb-migrate/core';
import { type FakeOperation, fakeSdkClient, sdkError } from '@ddb-migrate/test-kit';
import { describe, expect, it } from 'vitest';
import { abortCutover } from '../src/cutover/cutover-abort.js';
import { applyCutover } from '../src/cutover/cutover-apply.js';
import {
  type CutoverInput,
  type CutoverOptions,
  DEFAULT_CUTOVER_OPTIONS,
} from '../src/cutover/cutover-input.js';
import { planCutover } from '../src/cutover/cutover-plan.js';
import { FENCE_ATTRIBUTE, FENCE_STRING } from '../src/cutover/fence.js';
import { FREEZE_SID, hasFreeze } from '../src/cutover/freeze-policy.js';
import type { MigrationState } from '../src/state/migration-state.js';
import { StateStore } from '../src/state/state-store.js';
import { fakeMigrationState } from './support/fake-step-context.js';

const HOUR = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();
const SOURCE_ACCOUNT = '111111111111';
const TARGET_ACCOUNT = '222222222222';
const SOURCE_ARN = `arn:aws:dynamodb:us-east-1:${SOURCE_ACCOUNT}:table/src`;
const TARGET_ARN = `arn:aws:dynamodb:us-east-1:${TARGET_ACCOUNT}:table/dst`;
const STREAM_ARN = `${SOURCE_ARN}/stream/2026-11-01T00:00:00.000`;
const FUNCTION_ARN = `arn:aws:lambda:us-east-1:${SOURCE_ACCOUNT}:function:cdc-fn`;
const CALLER = (account: string) => `arn:aws:iam::${account}:role/migrator`;

/** The owner's own policy, in a layout of its own: the abort must put back these exact bytes. */
const OWNERS_POLICY = `{
  "Version": "2012-10-17",
  "Statement": [ { "Sid": "OwnerReader", "Effect": "Allow",
    "Principal": { "AWS": "arn:aws:iam::${SOURCE_ACCOUNT}:root" },
    "Action": "dynamodb:GetItem", "Resource": "${SOURCE_ARN}" } ]
}`;

const keyOf = (item: Item) => (item.pk as { S: string }).S;
const isFence = (item: Item) => keyOf(item) === FENCE_STRING;

interface Change {
  key: string;
  /** The item after the change; undefined: deleted. */
  item?: Item;
  old?: Item;
  at: number;
  seq: number;
}

/**
 * Both accounts of a lambda-mode migration, modelled just enough for a cutover: tables that store
 * items, the source's resource policy with DynamoDB's revision semantics, the source's stream, and
 * the event source mapping that carries the stream's changes to the target. The mapping delivers
 * one change per read of the target while it is Enabled (a Lambda that keeps up, slowly), none
 * while it is Disabled or `stuck` (and loses the changes of `loses`). Every call is logged in order across all clients.
 */
function lambdaWorld(options: { policy?: string | null } = {}) {
  const log: string[] = [];
  const source = new Map<string, Item>();
  const target = new Map<string, Item>();
  const stream: Change[] = [];
  const pending: Change[] = [];
  const mapping = {
    state: 'Enabled' as 'Enabled' | 'Disabled',
    stuck: false,
    disabledTimes: 0,
    /** A key whose changes the function loses (acknowledged, never written): the proof must notice. */
    loses: undefined as string | undefined,
    /**
     * A key on another shard than the fence's: its change arrives only some reads after the fence
     * has come and gone (shards are consumed in parallel; the fence proves its own shard only).
     */
    lagging: undefined as string | undefined,
  };
  const held: Change[] = [];
  let fenceGone = false;
  let lagCountdown = 3;
  const mappingUpdates: boolean[] = [];
  let policy: { text: string; revisionId: string } | undefined;
  let revision = 0;
  if (options.policy !== null) {
    policy = { text: options.policy ?? OWNERS_POLICY, revisionId: `rev-${++revision}` };
  }
  /** Fence tokens the target held at some point (the mapping delivered the marker). */
  const fenceTokensOnTarget: string[] = [];

  const clone = <T>(value: T): T => structuredClone(value);
  /** A write of the source: a stream record unless nothing changed (DynamoDB writes none then). */
  const writeSource = (key: string, item: Item | undefined) => {
    const old = source.get(key);
    if (JSON.stringify(old) === JSON.stringify(item)) return;
    if (item === undefined) source.delete(key);
    else source.set(key, clone(item));
    const change: Change = {
      key,
      ...(item ? { item: clone(item) } : {}),
      ...(old ? { old } : {}),
      at: Date.now(),
      seq: stream.length + 1,
    };
    stream.push(change);
    pending.push(change);
  };
  const deliverOne = () => {
    if (mapping.state !== 'Enabled' || mapping.stuck) return;
    const late = fenceGone && held.length > 0 && --lagCountdown <= 0 ? held.shift() : undefined;
    const change = late ?? pending.shift();
    if (!change || change.key === mapping.loses) return;
    if (change.key === mapping.lagging && !fenceGone && late === undefined) {
      held.push(change);
      return;
    }
    if (change.key === FENCE_STRING && change.item === undefined) fenceGone = true;
    if (change.item) {
      target.set(change.key, clone(change.item));
      const token = change.item[FENCE_ATTRIBUTE]?.S;
      if (token) fenceTokensOnTarget.push(token);
    } else target.delete(change.key);
  };
  const logged = (side: string, handlers: Record<string, FakeOperation>) =>
    fakeSdkClient(
      Object.fromEntries(
        Object.entries(handlers).map(([op, handler]) => [
          op,
          (input: Record<string, unknown>) => {
            const item = (input.Key ?? input.Item) as Item | undefined;
            log.push(
              `${side}.${op}${item ? ` ${keyOf(item)}` : ''}${op === 'UpdateEventSourceMapping' ? ` ${input.Enabled}` : ''}`,
            );
            return handler(input);
          },
        ]),
      ),
    );
  const describe = (name: string, arn: string, items: Map<string, Item>): TableDescription => ({
    TableName: name,
    TableArn: arn,
    TableStatus: 'ACTIVE',
    KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
    AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
    ItemCount: items.size,
    TableSizeBytes: items.size * 100,
    ...(name === 'src'
      ? {
          StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
          LatestStreamArn: STREAM_ARN,
        }
      : {}),
  });
  const ttlOff = () => ({ TimeToLiveDescription: { TimeToLiveStatus: 'DISABLED' } });
  const scan = (items: Map<string, Item>) => (input: { Segment?: number }) => ({
    // Every key in segment 0 of both tables: the checker compares them there.
    Items: (input.Segment ?? 0) === 0 ? [...items.values()].map(clone) : [],
    Count: (input.Segment ?? 0) === 0 ? items.size : 0,
  });
  const policyNotFound = () => sdkError('PolicyNotFoundException', 400);
  const checkArn = (arn: unknown) => {
    if (arn !== SOURCE_ARN) throw sdkError('ResourceNotFoundException', 400);
  };

  const clients = {
    sourceDdb: logged('source', {
      DescribeTable: () => ({ Table: describe('src', SOURCE_ARN, source) }),
      DescribeTimeToLive: ttlOff,
      GetItem: (input: { Key: Item }) => {
        const item = source.get(keyOf(input.Key));
        return item ? { Item: clone(item) } : {};
      },
      PutItem: (input: { Item: Item }) => {
        writeSource(keyOf(input.Item), input.Item);
        return {};
      },
      DeleteItem: (input: { Key: Item }) => {
        writeSource(keyOf(input.Key), undefined);
        return {};
      },
      Scan: scan(source),
      GetResourcePolicy: (input: { ResourceArn: string }) => {
        checkArn(input.ResourceArn);
        if (!policy) throw policyNotFound();
        return { Policy: policy.text, RevisionId: policy.revisionId };
      },
      // ExpectedRevisionId: the current revision, or NO_POLICY when there is none; else PolicyNotFoundException.
      PutResourcePolicy: (input: { ResourceArn: string; Policy: string; ExpectedRevisionId?: string }) => {
        checkArn(input.ResourceArn);
        const current = policy?.revisionId ?? 'NO_POLICY';
        if (input.ExpectedRevisionId !== undefined && input.ExpectedRevisionId !== current)
          throw policyNotFound();
        policy = { text: input.Policy, revisionId: `rev-${++revision}` };
        return { RevisionId: policy.revisionId };
      },
      DeleteResourcePolicy: (input: { ResourceArn: string; ExpectedRevisionId?: string }) => {
        checkArn(input.ResourceArn);
        if (!policy) throw policyNotFound();
        if (input.ExpectedRevisionId !== undefined && input.ExpectedRevisionId !== policy.revisionId)
          throw policyNotFound();
        policy = undefined;
        return {};
      },
    }),
    targetDdb: logged('target', {
      DescribeTable: () => ({ Table: describe('dst', TARGET_ARN, target) }),
      DescribeTimeToLive: ttlOff,
      GetItem: (input: { Key: Item }) => {
        deliverOne();
        const item = target.get(keyOf(input.Key));
        return item ? { Item: clone(item) } : {};
      },
      Scan: (input: { Segment?: number }) => {
        deliverOne();
        return scan(target)(input);
      },
      // Only the abort writes the target itself (it removes the marker from both tables).
      DeleteItem: (input: { Key: Item }) => {
        target.delete(keyOf(input.Key));
        return {};
      },
    }),
    sourceSts: logged('sourceSts', {
      GetCallerIdentity: () => ({ Account: SOURCE_ACCOUNT, Arn: CALLER(SOURCE_ACCOUNT) }),
    }),
    targetSts: logged('targetSts', {
      GetCallerIdentity: () => ({ Account: TARGET_ACCOUNT, Arn: CALLER(TARGET_ACCOUNT) }),
    }),
    sourceLambda: logged('lambda', {
      GetEventSourceMapping: (input: { UUID: string }) => {
        if (input.UUID !== 'uuid-1') throw sdkError('ResourceNotFoundException', 404);
        return {
          UUID: 'uuid-1',
          State: mapping.state,
          FunctionArn: FUNCTION_ARN,
          EventSourceArn: STREAM_ARN,
          LastProcessingResult: 'OK',
        };
      },
      GetFunctionConfiguration: () => ({
        FunctionArn: FUNCTION_ARN,
        Timeout: 1,
        Environment: { Variables: {} },
      }),
      UpdateEventSourceMapping: (input: { UUID: string; Enabled?: boolean }) => {
        if (input.UUID !== 'uuid-1') throw sdkError('ResourceNotFoundException', 404);
        mappingUpdates.push(input.Enabled as boolean);
        if (input.Enabled === false && mapping.state === 'Enabled') mapping.disabledTimes += 1;
        mapping.state = input.Enabled ? 'Enabled' : 'Disabled';
        return { UUID: 'uuid-1', State: input.Enabled ? 'Enabling' : 'Disabling' };
      },
    }),
    sourceSqs: logged('sqs', {}),
    // No batch processed in the last minutes: no IteratorAge datapoints (the mapping is idle).
    sourceCloudWatch: logged('cloudwatch', { GetMetricStatistics: () => ({ Datapoints: [] }) }),
    // One open shard holding every change of the source, read as the stream runner reads it.
    sourceStreams: logged('sourceStreams', {
      DescribeStream: () => ({
        StreamDescription: {
          StreamArn: STREAM_ARN,
          StreamStatus: 'ENABLED',
          StreamViewType: 'NEW_AND_OLD_IMAGES',
          Shards: [{ ShardId: 'shardId-0', SequenceNumberRange: { StartingSequenceNumber: seqNo(1) } }],
        },
      }),
      GetShardIterator: (input: { ShardIteratorType: string; SequenceNumber?: string }) => ({
        ShardIterator: `it-${input.ShardIteratorType === 'TRIM_HORIZON' ? 0 : Number(input.SequenceNumber)}`,
      }),
      GetRecords: (input: { ShardIterator: string; Limit?: number }) => {
        const from = Number(input.ShardIterator.slice(3));
        const page = stream.slice(from, from + (input.Limit ?? 1000));
        return {
          Records: page.map((c) => ({
            eventID: `e${c.seq}`,
            eventName: c.item === undefined ? 'REMOVE' : c.old === undefined ? 'INSERT' : 'MODIFY',
            eventSource: 'aws:dynamodb',
            awsRegion: 'us-east-1',
            dynamodb: {
              ApproximateCreationDateTime: new Date(c.at),
              Keys: { pk: { S: c.key } },
              ...(c.item ? { NewImage: c.item } : {}),
              ...(c.old ? { OldImage: c.old } : {}),
              SequenceNumber: seqNo(c.seq),
              SizeBytes: 100,
              StreamViewType: 'NEW_AND_OLD_IMAGES',
            },
          })),
          NextShardIterator: `it-${from + page.length}`,
        };
      },
    }),
    targetStreams: logged('targetStreams', {}),
  };

  // The migration's copy: the same items on both sides, loaded before the verify (not on the stream).
  for (const [pk, v] of [
    ['a', '1'],
    ['b', '2'],
    ['c', '3'],
  ] as const) {
    const item: Item = { pk: { S: pk }, v: { N: v } };
    source.set(pk, clone(item));
    target.set(pk, clone(item));
  }

  return {
    clients,
    log,
    source,
    target,
    pending,
    mapping,
    mappingUpdates,
    fenceTokensOnTarget,
    policy: () => policy?.text,
    /** Lets the mapping deliver everything it holds (while it is Enabled). */
    drain: () => {
      while (pending.length > 0 && mapping.state === 'Enabled' && !mapping.stuck) deliverOne();
    },
    /** A write by the application (before the freeze): on the stream, delivered by the mapping. */
    appWrite: (key: string, item: Item | undefined) => writeSource(key, item),
  };
}

/** Sequence numbers compare as numbers; these are fixed-width so they also sort as strings. */
function seqNo(n: number): string {
  return String(n).padStart(21, '0');
}

/** A lambda-mode migration whose mapping runs and whose clean verify ran an hour ago. */
function lambdaState(): MigrationState {
  const now = Date.now();
  return fakeMigrationState({
    cdcMode: 'lambda',
    stream: {
      status: 'done',
      streamArn: STREAM_ARN,
      viewType: 'NEW_AND_OLD_IMAGES',
      enabledAt: iso(now - 3 * HOUR),
      enabledByUs: true,
    },
    cdc: { status: 'done', mode: 'lambda', startedAt: iso(now - 2 * HOUR), esmUuid: 'uuid-1' },
    verify: {
      startedAt: iso(now - HOUR),
      finishedAt: iso(now - HOUR + 60_000),
      differences: 0,
      sourceScanned: 3,
      complete: true,
    },
  });
}

async function setUp(
  options: { policy?: string | null; cutover?: Partial<CutoverOptions>; cdcAccount?: 'target' } = {},
) {
  const world = lambdaWorld(options);
  const dir = mkdtempSync(join(tmpdir(), 'cutover-lambda-'));
  const state = lambdaState();
  if (options.cdcAccount === 'target' && state.cdc) {
    // migrate --cdc-account target: the function, its queue and the mapping are the target account's.
    state.cdc.account = 'target';
    const wrongAccount = (service: string) =>
      new Proxy(
        {},
        {
          get: () => () => {
            throw new Error(`${service} called in the source account: the CDC lives in the target account`);
          },
        },
      );
    const c = world.clients as Record<string, unknown>;
    Object.assign(c, {
      targetLambda: c.sourceLambda,
      targetSqs: c.sourceSqs,
      targetCloudWatch: c.sourceCloudWatch,
      sourceLambda: wrongAccount('lambda'),
      sourceSqs: wrongAccount('sqs'),
      sourceCloudWatch: wrongAccount('cloudwatch'),
    });
  }
  const store = new StateStore(dir);
  await store.save(state);
  // The application's last writes before the cutover: still on their way through the mapping.
  world.appWrite('d', { pk: { S: 'd' }, v: { N: '4' } });
  world.appWrite('a', { pk: { S: 'a' }, v: { N: '10' } });
  world.appWrite('b', undefined);
  const input: CutoverInput = {
    source: { config: { region: 'us-east-1' }, tableName: 'src' },
    target: { config: { region: 'us-east-1' }, tableName: 'dst', access: { kind: 'same-credentials' } },
    options: {
      ...DEFAULT_CUTOVER_OPTIONS,
      stateDir: dir,
      freezeSettleSeconds: 0,
      pollMilliseconds: 1,
      fenceTimeoutSeconds: 10,
      ...options.cutover,
    },
  };
  const plan = (purpose: 'run' | 'abort' = 'run') =>
    planCutover(input, {
      clients: world.clients as never,
      logger: noopLogger,
      direction: 'forward',
      purpose,
    });
  const saved = async () => (await store.load(state.key)) as MigrationState;
  return { world, dir, input, plan, saved, clients: world.clients as never };
}

/** The source's items but the fence marker, as comparable JSON. */
const contents = (items: Map<string, Item>) =>
  JSON.stringify([...items.entries()].filter(([, i]) => !isFence(i)).sort(([a], [b]) => a.localeCompare(b)));

describe('applyCutover with lambda-mode CDC', () => {
  it('fences through the mapping (polled on the target), proves the changed keys while it still delivers, disables it, confirms, and switches', async () => {
    const { world, dir, plan, saved, clients } = await setUp();

    const result = await applyCutover(await plan(), { clients, logger: noopLogger });

    expect(result.outcome).toBe('switched');
    const record = (await saved()).cutover;
    expect(record?.status).toBe('switched');
    expect(record?.freeze).toMatchObject({
      mode: 'policy',
      originalPolicy: OWNERS_POLICY,
      probe: 'unverified',
    });
    expect(record?.cdcStopped?.mappingDisabled).toBe(true);
    expect(record?.proof).toMatchObject({ mode: 'changed', differences: 0 });
    // d, a, b (the application's) and the marker: everything on the stream since the verify.
    expect(record?.proof?.checked).toBe(4);

    const { log } = world;
    const at = (entry: string) => log.indexOf(entry);
    const lastAt = (entry: string) => log.lastIndexOf(entry);
    const fenceWritten = at(`source.PutItem ${FENCE_STRING}`);
    const fenceRemoved = at(`source.DeleteItem ${FENCE_STRING}`);
    const disabled = at('lambda.UpdateEventSourceMapping false');
    const fenceReads = log.filter((e) => e === `target.GetItem ${FENCE_STRING}`);
    // Written on the source, seen on the target once the mapping delivered it (and what came before it).
    expect(fenceWritten).toBeGreaterThan(-1);
    expect(world.fenceTokensOnTarget).toEqual([record?.fence?.token]);
    expect(fenceReads.length).toBeGreaterThan(4);
    expect(at(`target.GetItem ${FENCE_STRING}`)).toBeGreaterThan(fenceWritten);
    expect(fenceRemoved).toBeGreaterThan(at(`target.GetItem ${FENCE_STRING}`));
    // Removed from both: the delete travelled through the mapping too.
    expect(world.source.has(FENCE_STRING)).toBe(false);
    expect(world.target.has(FENCE_STRING)).toBe(false);
    // The fence shows only its own shard caught up: the mapping keeps delivering while the proof
    // compares, is disabled once every changed key is equal, and the keys are compared once more.
    expect(world.mappingUpdates).toEqual([false]);
    const proofStarts = log.findIndex((e) => e.startsWith('sourceStreams.'));
    expect(proofStarts).toBeGreaterThan(fenceRemoved);
    expect(disabled).toBeGreaterThan(proofStarts);
    expect(log.slice(disabled).some((e) => e.startsWith('source.GetItem'))).toBe(true);
    expect(lastAt(`target.GetItem ${FENCE_STRING}`)).toBeGreaterThan(disabled); // the confirmation's read
    expect(log.slice(disabled).some((e) => e === 'lambda.GetEventSourceMapping')).toBe(true);
    // Not through a local runner: nothing read the stream before the proof, no checkpoint was written.
    expect(log.slice(0, fenceRemoved).some((e) => e.startsWith('sourceStreams.'))).toBe(false);
    expect(readdirSync(dir)).toEqual([StateStore.fileName((await saved()).key)]);
    // Frozen with the owner's statement kept, and the target holds what the source holds.
    const frozen = JSON.parse(world.policy() as string);
    expect(frozen.Statement.map((s: { Sid: string }) => s.Sid)).toEqual(['OwnerReader', FREEZE_SID]);
    expect(contents(world.target)).toBe(contents(world.source));
    expect(world.target.get('a')?.v).toEqual({ N: '10' });
    expect(world.target.has('b')).toBe(false);
  });

  it('with the CDC in the target account (--cdc-account target): lag, mapping and function are read, disabled and re-enabled there', async () => {
    const { world, plan, saved, clients } = await setUp({ cdcAccount: 'target' });

    const result = await applyCutover(await plan(), { clients, logger: noopLogger });

    expect(result.outcome).toBe('switched');
    expect((await saved()).cutover?.cdcStopped?.mappingDisabled).toBe(true);
    expect(world.mappingUpdates).toEqual([false]);
    expect(world.log).toContain('cloudwatch.GetMetricStatistics');
    expect(contents(world.target)).toBe(contents(world.source));
    const aborted = await abortCutover(await plan('abort'), { clients, logger: noopLogger });
    expect(aborted).toMatchObject({ mappingReenabled: true, wasSwitched: true });
    expect(world.mappingUpdates).toEqual([false, true]);
  });

  it.each([
    ['its own policy', OWNERS_POLICY],
    ['no policy', null],
  ] as const)(
    'abortCutover after CDC was stopped re-enables the mapping and restores %s exactly',
    async (_name, original) => {
      const { world, plan, saved, clients } = await setUp({ policy: original });
      const crash = new Error('crash after the mapping was disabled');
      await expect(
        applyCutover(await plan(), {
          clients,
          logger: noopLogger,
          onStateSaved: (state) => {
            if (state.cutover?.cdcStopped?.inFlightDoneAt) throw crash;
          },
        }),
      ).rejects.toBe(crash);
      expect(world.mapping.state).toBe('Disabled');
      expect(hasFreeze(world.policy())).toBe(true);

      const aborted = await abortCutover(await plan('abort'), { clients, logger: noopLogger });

      expect(aborted).toMatchObject({ freeze: 'lifted', mappingReenabled: true, wasSwitched: false });
      expect(world.mappingUpdates).toEqual([false, true]);
      expect(world.mapping.state).toBe('Enabled');
      expect(world.policy()).toBe(original ?? undefined);
      const record = (await saved()).cutover;
      expect(record?.status).toBe('aborted');
      expect(record?.freeze.liftedAt).toBeTruthy();
      expect(record?.cdcStopped?.mappingDisabled).toBe(false);
      expect(world.source.has(FENCE_STRING)).toBe(false);
      expect(world.target.has(FENCE_STRING)).toBe(false);
    },
  );

  it('reports a change the mapping lost as a difference once re-checks run out: no switch, the freeze stays, the mapping still runs', async () => {
    const { world, plan, saved, clients } = await setUp({ cutover: { fenceTimeoutSeconds: 1 } });
    world.mapping.loses = 'd';

    const result = await applyCutover(await plan(), { clients, logger: noopLogger });

    expect(result.outcome).toBe('differences');
    expect(result.differences).toEqual([
      { kind: 'missing_in_target', key: { pk: { S: 'd' } }, attributes: ['pk', 'v'] },
    ]);
    const record = (await saved()).cutover;
    expect(record?.status).toBe('proving');
    expect(record?.proof).toMatchObject({ mode: 'changed', checked: 4, differences: 1 });
    expect(record?.switchedAt).toBeUndefined();
    expect(hasFreeze(world.policy())).toBe(true);
    expect(world.mapping.state).toBe('Enabled');
    expect(world.mappingUpdates).toEqual([]);
  });

  it('waits for a change of another shard that arrives after the fence: the proof re-checks it while the mapping runs, then disables it and switches', async () => {
    const { world, plan, saved, clients } = await setUp({ cutover: { fenceTimeoutSeconds: 30 } });
    world.mapping.lagging = 'd';

    const result = await applyCutover(await plan(), { clients, logger: noopLogger });

    expect(result.outcome).toBe('switched');
    expect((await saved()).cutover?.proof).toMatchObject({ differences: 0 });
    expect(world.target.get('d')).toEqual(world.source.get('d'));
    expect(world.target.has('d')).toBe(true);
    // Delivered before the mapping was disabled (the disable comes after the last target write).
    expect(world.mappingUpdates).toEqual([false]);
    expect(contents(world.target)).toBe(contents(world.source));
  });

  it('stops with FENCE_TIMEOUT when the mapping never delivers, leaving the freeze in force and recorded; a re-run goes on waiting', async () => {
    const { world, plan, saved, clients } = await setUp({ cutover: { fenceTimeoutSeconds: 0.05 } });
    world.mapping.stuck = true;

    const error = await applyCutover(await plan(), { clients, logger: noopLogger }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(MigrationError);
    expect((error as MigrationError).code).toBe('FENCE_TIMEOUT');
    const record = (await saved()).cutover;
    expect(record?.status).toBe('fencing');
    expect(record?.freeze.appliedAt).toBeTruthy();
    expect(record?.freeze.liftedAt).toBeUndefined();
    expect(record?.fence?.writtenAt).toBeTruthy();
    expect(record?.fence?.seenAt).toBeUndefined();
    expect(record?.cdcStopped).toBeUndefined();
    expect(hasFreeze(world.policy())).toBe(true);
    expect(world.mappingUpdates).toEqual([]);

    world.mapping.stuck = false;
    const resumed = await applyCutover(await plan(), { clients, logger: noopLogger });
    expect(resumed.outcome).toBe('switched');
    expect(resumed.record.fence?.token).toBe(record?.fence?.token);
  });
});

describe('a lambda-mode cutover that crashes after any save', () => {
  it('converges on a re-run: switched, the mapping disabled once, the original policy recorded once', async () => {
    const crash = new Error('crash');
    let completedAfter: number | undefined;
    for (let n = 1; completedAfter === undefined && n <= 60; n += 1) {
      const { world, plan, saved, clients } = await setUp({ cutover: { verify: 'full' } });
      const originals = new Set<string | null | undefined>();
      const watch = (state: Readonly<MigrationState>) => {
        const original = state.cutover?.freeze.originalPolicy;
        if (original !== undefined) originals.add(original);
      };
      let saves = 0;
      const first = await applyCutover(await plan(), {
        clients,
        logger: noopLogger,
        onStateSaved: (state) => {
          watch(state);
          saves += 1;
          if (saves === n) throw crash;
        },
      }).catch((e: unknown) => e);
      if (first !== crash) {
        expect((first as { outcome?: string }).outcome, `run without a crash (${n})`).toBe('switched');
        completedAfter = saves;
        break;
      }

      const second = await applyCutover(await plan(), { clients, logger: noopLogger, onStateSaved: watch });

      const context = `crash at save ${n}`;
      expect(second.outcome, context).toBe('switched');
      const record = (await saved()).cutover;
      expect(record?.status, context).toBe('switched');
      expect(record?.proof?.differences, context).toBe(0);
      expect(world.mapping.state, context).toBe('Disabled');
      expect(world.mapping.disabledTimes, context).toBe(1);
      expect(world.mappingUpdates.includes(true), context).toBe(false);
      expect(record?.cdcStopped?.mappingDisabled, context).toBe(true);
      expect([...originals], context).toEqual([OWNERS_POLICY]);
      expect(record?.freeze.originalPolicy, context).toBe(OWNERS_POLICY);
      const frozen = JSON.parse(world.policy() as string);
      expect(
        frozen.Statement.map((s: { Sid: string }) => s.Sid),
        context,
      ).toEqual(['OwnerReader', FREEZE_SID]);
      expect(world.source.has(FENCE_STRING), context).toBe(false);
      expect(world.target.has(FENCE_STRING), context).toBe(false);
      expect(contents(world.target), context).toBe(contents(world.source));
    }
    // Every save of a whole run was a crash point once.
    expect(completedAfter).toBeGreaterThan(10);
  });
});

describe('abortCutover after a lambda-mode cutover crashed after any save', () => {
  it("restores the owner's policy byte for byte and an enabled mapping, after which a new cutover records the same original", async () => {
    const crash = new Error('crash');
    let completed = false;
    for (let n = 1; !completed && n <= 60; n += 1) {
      const { world, plan, saved, clients } = await setUp({ cutover: { verify: 'full' } });
      let saves = 0;
      const first = await applyCutover(await plan(), {
        clients,
        logger: noopLogger,
        onStateSaved: () => {
          saves += 1;
          if (saves === n) throw crash;
        },
      }).catch((e: unknown) => e);
      if (first !== crash) {
        completed = true;
        break;
      }
      const context = `crash at save ${n}`;

      const aborted = await abortCutover(await plan('abort'), { clients, logger: noopLogger });

      expect(world.policy(), context).toBe(OWNERS_POLICY);
      expect(world.mapping.state, context).toBe('Enabled');
      // Enabled again when the fence disabled it (or had recorded that it would: enabling is harmless).
      if (world.mappingUpdates.includes(false)) expect(aborted.mappingReenabled, context).toBe(true);
      const record = (await saved()).cutover;
      expect(record?.status, context).toBe('aborted');
      expect(record?.freeze.liftedAt, context).toBeTruthy();
      world.drain();
      expect(world.source.has(FENCE_STRING), context).toBe(false);
      expect(world.target.has(FENCE_STRING), context).toBe(false);
      expect(contents(world.target), context).toBe(contents(world.source));

      const again = await applyCutover(await plan(), { clients, logger: noopLogger });
      expect(again.outcome, context).toBe('switched');
      expect(again.record.freeze.originalPolicy, context).toBe(OWNERS_POLICY);
      expect(world.mapping.state, context).toBe('Disabled');
    }
    expect(completed).toBe(true);
  });
});
