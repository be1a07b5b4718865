import { DescribeTableCommand, UpdateTableCommand } from '@aws-sdk/client-dynamodb';
import type { Difference } from '@ddb-migrate/consistency-checker';
import {
  AwsCallError,
  fromDynamoJson,
  type Item,
  type Logger,
  MigrationError,
  toDynamoJson,
} from '@ddb-migrate/core';
import { retryAws } from '../aws-retry.js';
import type { MigrationState } from '../state/migration-state.js';
import type { CutoverClients } from './cutover-input.js';
import { openCutoverSession } from './cutover-session.js';
import { type CutoverSide, cutoverSides, reverseLane } from './cutover-lanes.js';
import type { CutoverPlan } from './cutover-plan.js';
import type { CutoverRecord, ProofRecord } from './cutover-state.js';
import { defaultFenceKey, newFenceToken, readFenceToken, removeFence, writeFence } from './fence.js';
import { applyFreeze, liftFreeze, probeFreeze } from './freeze.js';
import { pollUntil, replicateLocally } from './local-replication.js';
import { type ReplicationSession, startReplication } from './replication-session.js';
import { changedKeys, compareKeys } from './prove.js';
import { fullProof } from './full-proof.js';

/** A step of a running cutover, as data for the caller to render. */
export interface CutoverProgress {
  step: 'freeze' | 'probe' | 'fence' | 'prove' | 'reverse' | 'switch' | 'replicate-back' | 'unfreeze-old';
  type: 'start' | 'end' | 'update';
  message: string;
}

/** What {@link applyCutover} may be given besides the plan. */
export interface ApplyCutoverDeps {
  clients?: Partial<CutoverClients>;
  logger?: Logger;
  signal?: AbortSignal;
  onProgress?: (event: CutoverProgress) => void;
  /** Called after every state save (tests model a crash by throwing here). */
  onStateSaved?: (state: Readonly<MigrationState>) => void | Promise<void>;
  /** Each confirmed difference of the proof (the CLI writes the report). */
  onDifference?: (difference: Difference) => void | Promise<void>;
  /**
   * The switch hook (`--exec`): runs once everything before the switch holds; its exit code is
   * recorded, and anything but 0 stops the cutover before the switch (the freeze stays).
   */
  /**
   * `proved`: stop once the proof holds (a set of tables switches together: each is proved
   * first, then all are switched). Default: through the switch.
   */
  until?: 'proved';
  /** The switch moment to record (one for every table of a set); default now. */
  switchedAt?: string;
  /** After the switch, replicate back in this process (with `--reverse`). Default true. */
  replicateBack?: boolean;
  onSwitch?: (moment: {
    switchedAt: string;
    direction: CutoverPlan['direction'];
  }) => Promise<{ command: string; exitCode: number | null }>;
}

/** What a cutover (or rollback) that ran reports. */
export interface CutoverResult {
  direction: CutoverPlan['direction'];
  /**
   * `switched`: done; `differences`: the proof found some (exit 1, the freeze stays); `proved`:
   * stopped before the switch as asked (`until`).
   */
  outcome: 'switched' | 'differences' | 'proved';
  record: CutoverRecord;
  differences: Difference[];
  stateFile: string;
  /** Reverse replication run by this process after the switch. */
  replicatedBack?: { records: number; stoppedBy: string };
}

/**
 * Runs a planned cutover: freeze the table being left, fence, prove, optionally enable the way
 * back, switch, and replicate back. Every step is recorded before its side effect, so a crash at
 * any point and a re-run converge, and `abortCutover` lifts whatever freeze is in force.
 */
export async function applyCutover(plan: CutoverPlan, deps: ApplyCutoverDeps = {}): Promise<CutoverResult> {
  const { input, direction } = plan;
  const { clients, destroy, store, state, host } = openCutoverSession(plan, deps);
  const signal = deps.signal;
  const progress = (event: CutoverProgress) => deps.onProgress?.(event);
  try {
    const sides = cutoverSides(direction, input, clients, plan.facts);
    const existing = direction === 'forward' ? state.cutover : state.rollback;
    const record: CutoverRecord =
      existing && existing.status !== 'aborted'
        ? existing
        : {
            direction,
            status: 'freezing',
            startedAt: new Date().toISOString(),
            freeze: { mode: input.options.freeze },
          };
    if (direction === 'forward') state.cutover = record;
    else state.rollback = record;
    const result: CutoverResult = {
      direction,
      outcome: 'switched',
      record,
      differences: [],
      stateFile: store.pathFor(state.key),
    };
    if (record.status !== 'switched') {
      await freezeStep(record, sides, plan, host, progress, signal);
      if (record.status !== 'proved') {
        const replication = startReplication(record, plan, state, clients, host, signal);
        try {
          await fenceStep(record, sides, plan, state, replication, host, progress, signal);
          const proof = await proveStep(
            record,
            sides,
            plan,
            state,
            replication,
            host,
            progress,
            deps,
            signal,
          );
          if (proof.differences.length > 0) {
            result.outcome = 'differences';
            result.differences = proof.differences;
            return result;
          }
        } finally {
          await replication.release();
        }
      }
      if (direction === 'forward' && input.options.reverse)
        await enableReverseStream(record, sides.to, host, progress);
      if (deps.until === 'proved') return { ...result, outcome: 'proved' };
      await switchStep(record, plan, host, progress, deps);
      if (direction === 'back') await unfreezeOld(state, clients, plan, host, progress);
    }
    if (direction === 'forward' && record.reverse?.streamArn && deps.replicateBack !== false) {
      result.replicatedBack = await replicateBack(state, plan, clients, host, progress, signal);
    }
    return result;
  } finally {
    destroy();
  }
}

type Host = { logger: Logger; sleep(ms: number): Promise<void>; save(): Promise<void> };
type Progress = (event: CutoverProgress) => void;

async function freezeStep(
  record: CutoverRecord,
  sides: { from: CutoverSide },
  plan: CutoverPlan,
  host: Host,
  progress: Progress,
  signal?: AbortSignal,
): Promise<void> {
  if (record.status !== 'freezing') return;
  const { options } = plan.input;
  if (record.freeze.mode === 'policy') {
    progress({
      step: 'freeze',
      type: 'start',
      message: `freezing writes on the ${sides.from.label} table ${sides.from.tableName}`,
    });
    const exempt = [sides.from.callerArn, ...options.allowPrincipals];
    await applyFreeze({
      host,
      ddb: sides.from.ddb,
      tableArn: sides.from.tableArn,
      exempt,
      record: record.freeze,
    });
    progress({
      step: 'probe',
      type: 'start',
      message: sides.from.probeDdb
        ? 'probing until a write is refused'
        : `giving the policy ${options.freezeSettleSeconds} s to take effect`,
    });
    record.freeze.probe = await probeFreeze({
      host,
      ...(sides.from.probeDdb ? { probeDdb: sides.from.probeDdb } : {}),
      tableArn: sides.from.tableArn,
      key: fenceKeyOf(plan, sides.from),
      pollMs: options.pollMilliseconds,
      settleSeconds: options.freezeSettleSeconds,
      timeoutSeconds: options.freezeTimeoutSeconds,
      standIn: plan.input.source.config.endpoint !== undefined,
      ...(signal ? { signal } : {}),
    });
    progress({ step: 'freeze', type: 'end', message: `freeze in force (probe: ${record.freeze.probe})` });
  }
  record.freeze.inForceAt = new Date().toISOString();
  record.status = 'frozen';
  await host.save();
}

function fenceKeyOf(plan: CutoverPlan, from: CutoverSide): Item {
  return (
    plan.input.options.fenceKey ??
    defaultFenceKey(from.table.KeySchema ?? [], from.table.AttributeDefinitions ?? [])
  );
}

async function fenceStep(
  record: CutoverRecord,
  sides: { from: CutoverSide; to: CutoverSide },
  plan: CutoverPlan,
  state: MigrationState,
  replication: ReplicationSession,
  host: Host,
  progress: Progress,
  signal?: AbortSignal,
): Promise<void> {
  if (record.status !== 'frozen' && record.status !== 'fencing') return;
  if (record.status === 'frozen' || !record.fence) {
    const key = fenceKeyOf(plan, sides.from);
    record.fence = { key: toDynamoJson(key), token: newFenceToken(state.runId) };
    record.status = 'fencing';
    await host.save();
  }
  const fence = record.fence;
  const key = fromDynamoJson(fence.key);
  if (!fence.writtenAt) {
    await writeFence(host, sides.from.ddb, sides.from.tableName, key, fence.token);
    fence.writtenAt = new Date().toISOString();
    await host.save();
  }
  progress({
    step: 'fence',
    type: 'start',
    message: `fence written on the ${sides.from.label}; waiting for CDC to deliver it`,
  });
  const read = () => readFenceToken(host, sides.to.ddb, sides.to.tableName, key);
  if (!fence.seenAt) {
    await waitFor(() => read().then((t) => t === fence.token), plan, state, sides, replication, signal);
    fence.seenAt = new Date().toISOString();
    await host.save();
  }
  if (!fence.removedAt) {
    await removeFence(host, sides.from.ddb, sides.from.tableName, key);
    // The delete travels through CDC too; then nothing of the marker is left on either side.
    await waitFor(() => read().then((t) => t === null), plan, state, sides, replication, signal);
    fence.removedAt = new Date().toISOString();
    await host.save();
  }
  record.status = 'fenced';
  await host.save();
  progress({
    step: 'fence',
    type: 'end',
    message: "fence delivered: its shard has caught up with the freeze (the proof checks every key's)",
  });
}

/** Polls `until` while replication runs; FENCE_TIMEOUT after the fence timeout. */
async function waitFor(
  until: () => Promise<boolean>,
  plan: CutoverPlan,
  state: MigrationState,
  sides: { to: CutoverSide },
  replication: ReplicationSession,
  signal?: AbortSignal,
): Promise<void> {
  const { options } = plan.input;
  const reached = await pollUntil(
    async () => {
      replication.check();
      return until();
    },
    options.pollMilliseconds,
    options.fenceTimeoutSeconds * 1000,
    signal,
  );
  if (!reached) {
    throw new MigrationError(
      'FENCE_TIMEOUT',
      `The fence marker did not reach the ${sides.to.label} table within ${options.fenceTimeoutSeconds} s`,
      {
        hint: `CDC is not delivering (check ${state.cdc?.mode === 'lambda' && plan.direction === 'forward' ? "the mapping and the function's logs" : 'the output above'}); the freeze stays: run the same command again to go on waiting, or --abort to lift it`,
      },
    );
  }
}

async function proveStep(
  record: CutoverRecord,
  sides: { from: CutoverSide; to: CutoverSide },
  plan: CutoverPlan,
  state: MigrationState,
  replication: ReplicationSession,
  host: Host,
  progress: Progress,
  deps: ApplyCutoverDeps,
  signal?: AbortSignal,
): Promise<{ differences: Difference[] }> {
  if (record.status !== 'fenced' && record.status !== 'proving') {
    return { differences: [] };
  }
  if (record.status === 'fenced') {
    record.status = 'proving';
    await host.save();
  }
  const { options } = plan.input;
  let checked: number;
  let differences: Difference[];
  let keys: Item[] | undefined;
  // Replication still runs: the fence proves its own shard only, and a key on another shard may
  // still be on its way. A difference is re-checked until CDC has delivered it or time is up.
  if (options.verify === 'full') {
    progress({ step: 'prove', type: 'start', message: 'verifying the whole table' });
    ({ checked, differences } = await fullProof(sides, host.logger));
  } else {
    const sinceIso = plan.direction === 'forward' ? state.verify?.startedAt : state.cutover?.cdcStopped?.at;
    const streamArn =
      plan.direction === 'forward' ? state.stream?.streamArn : state.cutover?.reverse?.streamArn;
    if (!sinceIso || !streamArn)
      throw new MigrationError('INTERNAL', 'changed-keys proof without a clean verify and a stream');
    progress({
      step: 'prove',
      type: 'start',
      message: `reading the keys changed since ${sinceIso} from the stream`,
    });
    keys = await changedKeys({
      streams: sides.from.streams,
      streamArn,
      keySchema: sides.from.table.KeySchema ?? [],
      sinceMs: Date.parse(sinceIso),
      idleSeconds: 2,
      logger: host.logger,
      ...(signal ? { signal } : {}),
    });
    // The fence marker is among them: removed on both sides by now, it compares equal (absent).
    progress({ step: 'prove', type: 'update', message: `comparing ${keys.length} changed keys` });
    checked = keys.length;
    differences = await compareUntilEqual(keys, sides, plan, replication, host);
  }
  if (differences.length === 0) {
    // Stopped for good before anything is switched; then the changed keys once more, since the
    // last forward write has certainly landed.
    await replication.stop();
    if (keys !== undefined)
      ({ differences } = await compareKeys({ host, from: sides.from, to: sides.to, keys }));
  }
  for (const difference of differences) await deps.onDifference?.(difference);
  const proof: ProofRecord = {
    mode: options.verify,
    checked,
    differences: differences.length,
    at: new Date().toISOString(),
    ...(options.reportFile ? { report: options.reportFile } : {}),
  };
  record.proof = proof;
  if (differences.length === 0) record.status = 'proved';
  await host.save();
  progress({
    step: 'prove',
    type: 'end',
    message: `${checked} checked, ${differences.length} difference(s)`,
  });
  return { differences };
}

/** Compares `keys`, re-checking the differing ones with growing pauses while replication delivers. */
async function compareUntilEqual(
  keys: readonly Item[],
  sides: { from: CutoverSide; to: CutoverSide },
  plan: CutoverPlan,
  replication: ReplicationSession,
  host: Host,
): Promise<Difference[]> {
  const deadline = Date.now() + plan.input.options.fenceTimeoutSeconds * 1000;
  let pending = keys;
  for (let attempt = 0; ; attempt += 1) {
    replication.check();
    const { differences } = await compareKeys({ host, from: sides.from, to: sides.to, keys: pending });
    if (differences.length === 0 || Date.now() >= deadline) return differences;
    pending = differences.map((d) => d.key);
    await host.sleep(Math.min(10_000, 250 * 2 ** attempt, Math.max(0, deadline - Date.now())));
  }
}

async function enableReverseStream(
  record: CutoverRecord,
  to: CutoverSide,
  host: Host,
  progress: Progress,
): Promise<void> {
  if (record.reverse?.streamArn) return;
  progress({
    step: 'reverse',
    type: 'start',
    message: `enabling the stream of ${to.tableName} for the way back`,
  });
  const describe = async () =>
    (await to.ddb.send(new DescribeTableCommand({ TableName: to.tableName }))).Table;
  let table = await describe();
  const spec = table?.StreamSpecification;
  let enabledByUs = false;
  if (!spec?.StreamEnabled) {
    record.reverse = { enabledByUs: true };
    await host.save();
    try {
      await retryAws(
        host,
        'UpdateTable (stream)',
        () =>
          to.ddb.send(
            new UpdateTableCommand({
              TableName: to.tableName,
              StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
            }),
          ),
        { retryOn: ['ResourceInUseException'] },
      );
    } catch (error) {
      throw new AwsCallError('UpdateTable (enable the stream)', error);
    }
    enabledByUs = true;
    for (
      let i = 0;
      i < 120 &&
      !(table?.StreamSpecification?.StreamEnabled && table.LatestStreamArn && table.TableStatus === 'ACTIVE');
      i += 1
    ) {
      await host.sleep(1000);
      table = await describe();
    }
  } else if (spec.StreamViewType !== 'NEW_AND_OLD_IMAGES' && spec.StreamViewType !== 'NEW_IMAGE') {
    throw new MigrationError(
      'STREAM_NOT_ENABLED',
      `The stream of ${to.tableName} is ${spec.StreamViewType}: the way back needs new images`,
      {
        hint: 'Disable it (or switch it to NEW_AND_OLD_IMAGES) and run cutover --reverse again',
      },
    );
  }
  if (!table?.LatestStreamArn)
    throw new MigrationError('STREAM_NOT_ENABLED', `The stream of ${to.tableName} did not become active`, {
      hint: 'Run cutover again',
    });
  record.reverse = {
    ...(record.reverse ?? {}),
    streamArn: table.LatestStreamArn,
    enabledByUs: record.reverse?.enabledByUs ?? enabledByUs,
    enabledAt: new Date().toISOString(),
  };
  await host.save();
  progress({ step: 'reverse', type: 'end', message: `way back ready: ${table.LatestStreamArn}` });
}

async function switchStep(
  record: CutoverRecord,
  plan: CutoverPlan,
  host: Host,
  progress: Progress,
  deps: ApplyCutoverDeps,
): Promise<void> {
  if (record.status !== 'proved') return;
  const switchedAt = deps.switchedAt ?? new Date().toISOString();
  if (deps.onSwitch) {
    progress({ step: 'switch', type: 'start', message: 'running the switch hook' });
    const hook = await deps.onSwitch({ switchedAt, direction: plan.direction });
    record.hook = { ...hook, at: new Date().toISOString() };
    await host.save();
    if (hook.exitCode !== 0) {
      throw new MigrationError(
        'SWITCH_HOOK_FAILED',
        `The switch hook exited with ${hook.exitCode ?? 'a signal'}: the switch has not happened`,
        {
          hint: 'Fix the hook and run the same command again (the freeze stays), or `cutover --abort`',
        },
      );
    }
  }
  record.switchedAt = switchedAt;
  record.status = 'switched';
  await host.save();
  progress({
    step: 'switch',
    type: 'end',
    message: `${plan.direction === 'forward' ? 'target' : 'source'} is the source of truth since ${switchedAt}`,
  });
}

/** Rollback: the old table is live again, so the cutover's freeze on it is lifted. */
async function unfreezeOld(
  state: MigrationState,
  clients: CutoverClients,
  plan: CutoverPlan,
  host: Host,
  progress: Progress,
): Promise<void> {
  const freeze = state.cutover?.freeze;
  if (freeze?.mode !== 'policy' || freeze.liftedAt) return;
  const sides = cutoverSides('forward', plan.input, clients, plan.facts);
  await liftFreeze({
    host,
    ddb: clients.sourceDdb,
    tableArn: freeze.tableArn ?? sides.from.tableArn,
    record: freeze,
  });
  progress({
    step: 'unfreeze-old',
    type: 'end',
    message: `writes on ${plan.input.source.tableName} allowed again (its own policy restored)`,
  });
}

async function replicateBack(
  state: MigrationState,
  plan: CutoverPlan,
  clients: CutoverClients,
  host: Host,
  progress: Progress,
  signal?: AbortSignal,
): Promise<{ records: number; stoppedBy: string }> {
  const lane = reverseLane(state, plan.input, clients, plan.facts);
  await host.save();
  progress({
    step: 'replicate-back',
    type: 'start',
    message: `replicating ${plan.input.target.tableName} -> ${plan.input.source.tableName} (Ctrl-C stops; cutover again resumes)`,
  });
  const run = await replicateLocally(lane, {
    pollMs: plan.input.options.pollMilliseconds,
    ...(plan.input.options.stopAfterIdleSeconds === undefined
      ? {}
      : { stopAfterIdleSeconds: plan.input.options.stopAfterIdleSeconds }),
    logger: host.logger,
    ...(signal ? { signal } : {}),
    onProgress: (records) =>
      progress({ step: 'replicate-back', type: 'update', message: `${records} records` }),
  });
  const reverse = state.cutover?.reverse;
  if (reverse) {
    reverse.lastRunAt = new Date().toISOString();
    reverse.applied = (reverse.applied ?? 0) + (run.summary?.records ?? 0);
    await host.save();
  }
  progress({
    step: 'replicate-back',
    type: 'end',
    message: `${run.summary?.records ?? 0} records, stopped (${run.summary?.stoppedBy ?? 'elsewhere'})`,
  });
  return { records: run.summary?.records ?? 0, stoppedBy: run.summary?.stoppedBy ?? 'replicated-elsewhere' };
}
