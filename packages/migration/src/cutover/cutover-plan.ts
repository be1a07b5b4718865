import { GetMetricStatisticsCommand } from '@aws-sdk/client-cloudwatch';
import {
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  type TableDescription,
} from '@aws-sdk/client-dynamodb';
import { GetEventSourceMappingCommand, GetFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { MIN_EXPORT_TIME_MARGIN_SECONDS, STREAM_RETENTION_MS } from '@ddb-migrate/cdc-lambda';
import { AwsCallError, describeSdkError, type ErrorCode, type Logger, sdkErrorName } from '@ddb-migrate/core';
import { MigrationRefusedError, type Refusal } from '../errors.js';
import type { MigrationKey, MigrationState } from '../state/migration-state.js';
import { StateStore } from '../state/state-store.js';
import { type CutoverClients, type CutoverInput, cdcClients } from './cutover-input.js';
import type { CutoverDirection, CutoverRecord } from './cutover-state.js';
import { checkFenceKey } from './fence.js';
import { principalPatterns } from './freeze-policy.js';
import { localBacklog } from './local-backlog.js';

/** What a cutover plan read; apply acts on it. */
export interface CutoverFacts {
  state: MigrationState;
  source: TableDescription;
  target: TableDescription;
  /** The callers' ARNs (sts:GetCallerIdentity): exempt from the freeze they put. */
  sourceCallerArn: string;
  targetCallerArn: string;
  /** Lambda mode: the function the migration's mapping invokes. */
  functionArn?: string;
  /** The DLQ checked (lambda: the function's SQS_QUEUE_URL_FOR_FAILED_EVENTS; local: --dlq-url). */
  dlqUrl?: string;
  dlqMessages?: number;
  /** How far CDC is behind (seconds), when known; `idle` when nothing is waiting. */
  lag?: { seconds: number; from: 'checkpoint' | 'mapping' } | { idle: true; from: 'checkpoint' | 'mapping' };
}

/** One step of a cutover as the plan shows it. */
export interface CutoverPlanStep {
  name: 'freeze' | 'fence' | 'prove' | 'reverse' | 'switch' | 'replicate-back' | 'unfreeze-old';
  status: 'done' | 'todo' | 'skipped';
  detail: string;
}

/** A cutover (or rollback) that preflight allowed: what will happen, and what it is based on. */
export interface CutoverPlan {
  direction: CutoverDirection;
  key: MigrationKey;
  stateFile: string;
  input: CutoverInput;
  steps: CutoverPlanStep[];
  warnings: string[];
  facts: CutoverFacts;
}

const refusal = (code: ErrorCode, message: string, fix: string): Refusal => ({ code, message, fix });

/**
 * Reads everything a cutover (`direction` forward) or rollback (back) depends on and checks its
 * preconditions, changing nothing: the migration's state (CDC running; for a rollback a switched
 * cutover with reverse replication), CDC's lag under `maxLagSeconds`, the DLQ empty unless
 * allowed, no settings drift between the tables, and a clean complete verify recorded for the
 * changed-keys proof. A run that was interrupted is planned from where it stopped.
 *
 * @throws MigrationRefusedError with every problem found (exit 2; nothing changed).
 */
export async function planCutover(
  input: CutoverInput,
  deps: {
    clients: CutoverClients;
    logger: Logger;
    direction: CutoverDirection;
    /** `abort` and `finish` only read the state and the tables: no precondition can block them. */
    purpose?: 'run' | 'abort' | 'finish';
    now?: () => number;
  },
): Promise<CutoverPlan> {
  const { clients, direction } = deps;
  const now = deps.now ?? Date.now;
  const problems: Refusal[] = [];
  const [sourceCaller, targetCaller] = await Promise.all([
    identity(clients.sourceSts, 'source'),
    identity(clients.targetSts, 'target'),
  ]);
  const key: MigrationKey = {
    sourceAccountId: sourceCaller.Account as string,
    sourceRegion: input.source.config.region,
    sourceTableName: input.source.tableName,
    targetAccountId: targetCaller.Account as string,
    targetRegion: input.target.config.region,
    targetTableName: input.target.tableName,
  };
  const store = new StateStore(input.options.stateDir);
  const state = await store.load(key);
  if (state === undefined) {
    throw new MigrationRefusedError([
      refusal(
        'MIGRATION_NOT_FOUND',
        `No migration of ${input.source.tableName} to ${key.targetAccountId}/${input.target.tableName} in ${input.options.stateDir}`,
        'Run cutover with the same table, account and --state-dir flags as migrate',
      ),
    ]);
  }
  const [source, target] = await Promise.all([
    describeTable(clients.sourceDdb, input.source.tableName, 'source'),
    describeTable(clients.targetDdb, input.target.tableName, 'target'),
  ]);
  const facts: CutoverFacts = {
    state,
    source,
    target,
    sourceCallerArn: sourceCaller.Arn as string,
    targetCallerArn: targetCaller.Arn as string,
  };
  const record = direction === 'forward' ? state.cutover : state.rollback;
  const resuming = record !== undefined && record.status !== 'aborted';
  if (direction === 'back') problems.push(...rollbackProblems(state));
  if (direction === 'forward' && state.rollback && state.rollback.status !== 'aborted' && !resuming) {
    problems.push(
      refusal(
        'CUTOVER_STATE_CONFLICT',
        'This migration was rolled back',
        'Migrate again to start over, or `ddb-migrate finish` to clean up',
      ),
    );
  }
  if (direction === 'forward') problems.push(...cdcProblems(state));
  // The freeze exempts the callers of both sides (the tool writes the fence, replicates back) and
  // --allow-principal: each must be a principal a policy can name, checked before anything is put.
  if (input.options.freeze === 'policy') {
    for (const arn of [facts.sourceCallerArn, facts.targetCallerArn, ...input.options.allowPrincipals]) {
      try {
        principalPatterns(arn);
      } catch (error) {
        problems.push(
          refusal('PRINCIPAL_INVALID', (error as Error).message, (error as { hint?: string }).hint ?? ''),
        );
      }
    }
  }
  if (input.options.fenceKey && source.KeySchema) {
    try {
      checkFenceKey(input.options.fenceKey, source.KeySchema, source.AttributeDefinitions ?? []);
    } catch (error) {
      problems.push(
        refusal('FENCE_KEY_INVALID', (error as Error).message, (error as { hint?: string }).hint ?? ''),
      );
    }
  }
  // Preconditions guard the start of a cutover; a resumed one has already frozen the table.
  if (!resuming) {
    if (direction === 'forward') {
      await checkLagAndDlq(input, clients, state, facts, problems, now(), deps.logger);
      problems.push(...driftProblems(source, target, state));
      await ttlDrift(clients, input, problems);
      if (input.options.verify === 'changed') problems.push(...verifyProblems(state, now()));
    } else {
      problems.push(...(await reverseLagProblems(state, input, clients, facts, now(), deps.logger)));
    }
  }
  if (problems.length > 0 && (deps.purpose ?? 'run') === 'run') throw new MigrationRefusedError(problems);
  return {
    direction,
    key,
    stateFile: store.pathFor(key),
    input,
    steps: planSteps(direction, input, record),
    warnings: planWarnings(input, facts),
    facts,
  };
}

async function identity(sts: CutoverClients['sourceSts'], side: 'source' | 'target') {
  try {
    const out = await sts.send(new GetCallerIdentityCommand({}));
    return out;
  } catch (error) {
    throw new MigrationRefusedError([
      refusal(
        side === 'source' ? 'SOURCE_CREDENTIALS' : 'TARGET_ROLE_NOT_ASSUMABLE',
        `The ${side} credentials do not work (${describeSdkError(error)})`,
        `Pass the same ${side} flags as migrate`,
      ),
    ]);
  }
}

async function describeTable(
  ddb: CutoverClients['sourceDdb'],
  tableName: string,
  side: 'source' | 'target',
): Promise<TableDescription> {
  try {
    const out = await ddb.send(new DescribeTableCommand({ TableName: tableName }));
    return out.Table ?? {};
  } catch (error) {
    if (sdkErrorName(error) === 'ResourceNotFoundException') {
      throw new MigrationRefusedError([
        refusal(
          side === 'source' ? 'SOURCE_TABLE_NOT_FOUND' : 'TARGET_TABLE_GONE',
          `The ${side} table ${tableName} does not exist`,
          `Check --${side}-table-name and --${side}-region`,
        ),
      ]);
    }
    throw new AwsCallError(`DescribeTable (${side})`, error);
  }
}

function cdcProblems(state: MigrationState): Refusal[] {
  if (state.cdcMode === 'none' || state.cdc === undefined) {
    return [
      refusal(
        'CDC_NOT_RUNNING',
        'The migration has no CDC: changes made since the export are not in the target',
        'Run migrate with --cdc-mode lambda or local first',
      ),
    ];
  }
  if (state.cdc.mode === 'lambda' && (state.cdc.status !== 'done' || !state.cdc.esmUuid)) {
    return [
      refusal(
        'CDC_NOT_RUNNING',
        "The migration's event source mapping is not set up yet",
        'Run migrate again to finish it',
      ),
    ];
  }
  if (state.cdc.mode === 'local' && !state.cdc.checkpointDir) {
    return [
      refusal(
        'CDC_NOT_RUNNING',
        'Local CDC has not run for this migration',
        'Run migrate (or `ddb-migrate cdc run`) first',
      ),
    ];
  }
  return [];
}

function rollbackProblems(state: MigrationState): Refusal[] {
  const cutover = state.cutover;
  if (cutover?.status !== 'switched') {
    return [
      refusal(
        'NOT_SWITCHED',
        'This migration has not been cut over',
        'Roll back only after `ddb-migrate cutover` has switched',
      ),
    ];
  }
  if (!cutover.reverse?.streamArn) {
    return [
      refusal(
        'NOT_SWITCHED',
        'The cutover ran without --reverse: the old table has not been kept current',
        'Rollback needs the way back: the old table misses every write since the switch',
      ),
    ];
  }
  return [];
}

async function checkLagAndDlq(
  input: CutoverInput,
  clients: CutoverClients,
  state: MigrationState,
  facts: CutoverFacts,
  problems: Refusal[],
  now: number,
  logger: Logger,
): Promise<void> {
  const cdc = state.cdc;
  if (!cdc) return;
  if (cdc.mode === 'local' && cdc.checkpointDir && state.stream?.streamArn) {
    // What local CDC has not delivered yet, read from the stream (its checkpoint's own times say
    // only when it last ran: a runner stopped on a quiet stream is not behind).
    const backlog = await localBacklog({
      streams: clients.sourceStreams,
      streamArn: state.stream.streamArn,
      checkpointFile: cdc.checkpointDir,
      logger,
    });
    if (backlog.oldestMs === undefined) {
      facts.lag = { idle: true, from: 'checkpoint' };
    } else {
      const seconds = Math.max(0, Math.round((now - backlog.oldestMs) / 1000));
      facts.lag = { seconds, from: 'checkpoint' };
      if (!Number.isFinite(backlog.records) || now - backlog.oldestMs > STREAM_RETENTION_MS) {
        problems.push(
          refusal(
            'STREAM_WINDOW_EXCEEDED',
            "Local CDC's checkpoint points at records the stream no longer holds (24 hours)",
            'Changes may be lost: migrate again',
          ),
        );
      } else if (seconds > input.options.maxLagSeconds) {
        problems.push(
          refusal(
            'CDC_LAG_TOO_HIGH',
            `Local CDC has ${backlog.records} record(s) to deliver, the oldest ${seconds} s old, above --max-lag ${input.options.maxLagSeconds}`,
            'Run `ddb-migrate cdc run` (or migrate) until it catches up, or raise --max-lag: cutover drains the rest while the table is frozen',
          ),
        );
      }
    }
    if (input.options.dlqUrl) facts.dlqUrl = input.options.dlqUrl;
  }
  if (cdc.mode === 'lambda' && cdc.esmUuid) {
    try {
      const mapping = await cdcClients(clients, state).lambda.send(
        new GetEventSourceMappingCommand({ UUID: cdc.esmUuid }),
      );
      facts.functionArn = mapping.FunctionArn;
      if (mapping.State !== 'Enabled') {
        problems.push(
          refusal(
            'CDC_NOT_RUNNING',
            `The migration's event source mapping ${cdc.esmUuid} is ${mapping.State}`,
            'Enable it (migrate again) and let it catch up',
          ),
        );
      }
      if (mapping.LastProcessingResult?.startsWith('PROBLEM')) {
        problems.push(
          refusal(
            'CDC_NOT_RUNNING',
            `The event source mapping reports ${mapping.LastProcessingResult}`,
            'Fix the function (its role, its logs) until the mapping reports OK',
          ),
        );
      }
      if (facts.functionArn) {
        const fn = await cdcClients(clients, state).lambda.send(
          new GetFunctionConfigurationCommand({ FunctionName: facts.functionArn }),
        );
        const url = fn.Environment?.Variables?.SQS_QUEUE_URL_FOR_FAILED_EVENTS;
        if (url) facts.dlqUrl = url;
        const lag = await iteratorAgeSeconds(
          cdcClients(clients, state).cloudWatch,
          fn.FunctionName ?? facts.functionArn,
          now,
        );
        facts.lag = lag === undefined ? { idle: true, from: 'mapping' } : { seconds: lag, from: 'mapping' };
        if (lag !== undefined && lag > input.options.maxLagSeconds) {
          problems.push(
            refusal(
              'CDC_LAG_TOO_HIGH',
              `The CDC function's IteratorAge reached ${lag} s in the last 5 minutes, above --max-lag ${input.options.maxLagSeconds}`,
              'Wait until the mapping has caught up (CloudWatch AWS/Lambda IteratorAge), or raise --max-lag',
            ),
          );
        }
      }
    } catch (error) {
      if (sdkErrorName(error) === 'ResourceNotFoundException') {
        problems.push(
          refusal(
            'ESM_GONE',
            `The migration's event source mapping ${cdc.esmUuid} is gone`,
            'Run migrate again to recreate it',
          ),
        );
      } else throw new AwsCallError('GetEventSourceMapping', error);
    }
  }
  if (facts.dlqUrl) {
    try {
      // Lambda mode's queue is in the function's account; local CDC's (--dlq-url) in the source's.
      const sqs = cdc.mode === 'lambda' ? cdcClients(clients, state).sqs : clients.sourceSqs;
      const out = await sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: facts.dlqUrl,
          AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
        }),
      );
      const count =
        Number(out.Attributes?.ApproximateNumberOfMessages ?? 0) +
        Number(out.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0);
      facts.dlqMessages = count;
      if (count > 0 && !input.options.allowDlq) {
        problems.push(
          refusal(
            'DLQ_NOT_EMPTY',
            `The DLQ holds ${count} message(s): changes of those keys may be missing in the target`,
            'Run `ddb-migrate replay-dlq` first, or pass --allow-dlq',
          ),
        );
      }
    } catch (error) {
      throw new AwsCallError('GetQueueAttributes (DLQ)', error);
    }
  }
}

/** The structure the application relies on: keys and indexes must match; recorded settings failures count. */
function driftProblems(source: TableDescription, target: TableDescription, state: MigrationState): Refusal[] {
  const problems: Refusal[] = [];
  const keys = (t: TableDescription) =>
    JSON.stringify((t.KeySchema ?? []).map((k) => [k.AttributeName, k.KeyType]));
  const indexes = (t: TableDescription) =>
    JSON.stringify(
      [...(t.GlobalSecondaryIndexes ?? []), ...(t.LocalSecondaryIndexes ?? [])]
        .map((i) => [
          i.IndexName,
          (i.KeySchema ?? []).map((k) => [k.AttributeName, k.KeyType]),
          i.Projection?.ProjectionType,
        ])
        .sort(),
    );
  if (keys(source) !== keys(target)) {
    problems.push(
      refusal(
        'SETTINGS_DRIFT',
        "The target table's key schema differs from the source's",
        "The target is not this migration's table: check --target-table-name",
      ),
    );
  }
  if (indexes(source) !== indexes(target)) {
    problems.push(
      refusal(
        'SETTINGS_DRIFT',
        "The target table's indexes differ from the source's",
        'Create the missing indexes on the target (or drop the extra ones), then run cutover again',
      ),
    );
  }
  for (const failed of state.settings?.failed ?? []) {
    problems.push(
      refusal(
        'SETTINGS_DRIFT',
        `Setting ${failed.kind} was not carried over (${failed.error})`,
        'Apply it to the target table by hand, or run migrate again to retry it',
      ),
    );
  }
  return problems;
}

async function ttlDrift(clients: CutoverClients, input: CutoverInput, problems: Refusal[]): Promise<void> {
  const ttl = async (ddb: CutoverClients['sourceDdb'], tableName: string) => {
    try {
      const out = await ddb.send(new DescribeTimeToLiveCommand({ TableName: tableName }));
      const d = out.TimeToLiveDescription;
      const on = d?.TimeToLiveStatus === 'ENABLED' || d?.TimeToLiveStatus === 'ENABLING';
      return on ? (d?.AttributeName ?? '') : '';
    } catch (error) {
      throw new AwsCallError('DescribeTimeToLive', error);
    }
  };
  const [a, b] = await Promise.all([
    ttl(clients.sourceDdb, input.source.tableName),
    ttl(clients.targetDdb, input.target.tableName),
  ]);
  if (a !== b) {
    problems.push(
      refusal(
        'SETTINGS_DRIFT',
        `Time to live differs: source ${a ? `on ${a}` : 'off'}, target ${b ? `on ${b}` : 'off'}`,
        'Set the same TTL attribute on the target (UpdateTimeToLive), then run cutover again',
      ),
    );
  }
}

function verifyProblems(state: MigrationState, now: number): Refusal[] {
  const verify = state.verify;
  const rerun =
    'Run `ddb-migrate verify` with the same flags and --state-dir (it records its result), or cutover with --verify full';
  if (!verify)
    return [refusal('VERIFY_NOT_RECORDED', 'No verify of these tables is recorded in the state', rerun)];
  if (!verify.complete)
    return [
      refusal(
        'VERIFY_NOT_RECORDED',
        'The last verify covered only part of the table (--sample or --segment-range)',
        rerun,
      ),
    ];
  if (verify.differences > 0) {
    return [
      refusal(
        'VERIFY_NOT_CLEAN',
        `The last verify (${verify.finishedAt}) found ${verify.differences} difference(s)`,
        'Repair them (`verify --repair`) and verify again',
      ),
    ];
  }
  const cdcStarted = state.cdc?.startedAt ? Date.parse(state.cdc.startedAt) : 0;
  if (Date.parse(verify.startedAt) < cdcStarted) {
    return [refusal('VERIFY_NOT_RECORDED', 'The last clean verify ran before CDC started', rerun)];
  }
  // The changed keys are read from the stream, which keeps 24 hours (an hour of margin).
  if (now - Date.parse(verify.startedAt) > STREAM_RETENTION_MS - 3_600_000) {
    return [
      refusal(
        'VERIFY_NOT_RECORDED',
        `The last clean verify (${verify.startedAt}) is older than the stream's 24 hours`,
        rerun,
      ),
    ];
  }
  return [];
}

/** Rollback: what reverse replication has not delivered yet, as for forward local CDC. */
async function reverseLagProblems(
  state: MigrationState,
  input: CutoverInput,
  clients: CutoverClients,
  facts: CutoverFacts,
  now: number,
  logger: Logger,
): Promise<Refusal[]> {
  const reverse = state.cutover?.reverse;
  const stoppedAt = state.cutover?.cdcStopped?.at;
  if (!reverse?.streamArn || !reverse.checkpointFile) return [];
  const backlog = await localBacklog({
    streams: clients.targetStreams,
    streamArn: reverse.streamArn,
    checkpointFile: reverse.checkpointFile,
    logger,
    ...(stoppedAt ? { sinceMs: Date.parse(stoppedAt) - MIN_EXPORT_TIME_MARGIN_SECONDS * 1000 } : {}),
  });
  if (backlog.oldestMs === undefined) {
    facts.lag = { idle: true, from: 'checkpoint' };
    return [];
  }
  const seconds = Math.max(0, Math.round((now - backlog.oldestMs) / 1000));
  facts.lag = { seconds, from: 'checkpoint' };
  if (!Number.isFinite(backlog.records) || now - backlog.oldestMs > STREAM_RETENTION_MS) {
    return [
      refusal(
        'STREAM_WINDOW_EXCEEDED',
        "Reverse replication's checkpoint points at records the target's stream no longer holds (24 hours)",
        'Changes of the new table may be lost: verify both tables before rolling back',
      ),
    ];
  }
  if (seconds > input.options.maxLagSeconds) {
    return [
      refusal(
        'CDC_LAG_TOO_HIGH',
        `Reverse replication has ${backlog.records} record(s) to deliver, the oldest ${seconds} s old, above --max-lag ${input.options.maxLagSeconds}`,
        'Run `ddb-migrate cutover` again (it replicates back) until it catches up, or raise --max-lag',
      ),
    ];
  }
  return [];
}

function planSteps(
  direction: CutoverDirection,
  input: CutoverInput,
  record: CutoverRecord | undefined,
): CutoverPlanStep[] {
  const active = record && record.status !== 'aborted' ? record : undefined;
  const reached = (status: CutoverRecord['status']) => {
    const order: CutoverRecord['status'][] = [
      'freezing',
      'frozen',
      'fencing',
      'fenced',
      'proving',
      'proved',
      'switched',
    ];
    return active !== undefined && order.indexOf(active.status) >= order.indexOf(status);
  };
  const from = direction === 'forward' ? 'source' : 'target';
  const to = direction === 'forward' ? 'target' : 'source';
  const steps: CutoverPlanStep[] = [
    {
      name: 'freeze',
      status: input.options.freeze === 'none' ? 'skipped' : reached('frozen') ? 'done' : 'todo',
      detail:
        input.options.freeze === 'none'
          ? 'writers stopped by the owner (--freeze none)'
          : `deny writes on the ${from} table with a resource policy (merged with its own), exempt: the tool${input.options.allowPrincipals.length ? `, ${input.options.allowPrincipals.join(', ')}` : ''}`,
    },
    {
      name: 'fence',
      status: reached('fenced') ? 'done' : 'todo',
      detail: `write a marker on the ${from} table and wait for CDC to deliver it to the ${to}`,
    },
    {
      name: 'prove',
      status: reached('proved') ? 'done' : 'todo',
      detail:
        input.options.verify === 'full'
          ? 'verify the whole table'
          : 'compare every key changed since the last clean verify',
    },
  ];
  if (direction === 'forward' && input.options.reverse) {
    steps.push({
      name: 'reverse',
      status: active?.reverse?.streamArn ? 'done' : 'todo',
      detail: "enable the target's stream for the way back",
    });
  }
  steps.push({
    name: 'switch',
    status: reached('switched') ? 'done' : 'todo',
    detail: `from now on the ${to} table is the source of truth`,
  });
  if (direction === 'forward' && input.options.reverse) {
    steps.push({
      name: 'replicate-back',
      status: 'todo',
      detail: 'replicate target -> source so the old table stays current',
    });
  }
  if (direction === 'back') {
    steps.push({
      name: 'unfreeze-old',
      status: 'todo',
      detail: "lift the cutover's freeze on the source table (restore its own policy)",
    });
  }
  return steps;
}

function planWarnings(input: CutoverInput, facts: CutoverFacts): string[] {
  const warnings: string[] = [];
  if (input.options.freeze === 'policy' && input.probe === undefined) {
    warnings.push(
      `No probe principal (--probe-role-arn): the freeze is given ${input.options.freezeSettleSeconds} s to take effect and reported as unverified`,
    );
  }
  if (input.options.allowPrincipals.length > 0) {
    warnings.push(
      'Writes by the exempt principals after the fence are not replicated: keep them off the table',
    );
  }
  if (facts.dlqMessages && facts.dlqMessages > 0)
    warnings.push(`The DLQ holds ${facts.dlqMessages} message(s) (--allow-dlq)`);
  return warnings;
}

/**
 * The highest IteratorAge (seconds) the function reported over the last 5 minutes: the age of the
 * last record of each batch when it was processed (Lambda developer guide, stream metrics).
 * Undefined without datapoints: no batch was processed, so nothing was waiting.
 */
async function iteratorAgeSeconds(
  cloudWatch: CutoverClients['sourceCloudWatch'],
  functionName: string,
  now: number,
): Promise<number | undefined> {
  const name = functionName.includes(':function:')
    ? (functionName.split(':function:')[1]?.split(':')[0] ?? functionName)
    : functionName;
  try {
    const out = await cloudWatch.send(
      new GetMetricStatisticsCommand({
        Namespace: 'AWS/Lambda',
        MetricName: 'IteratorAge',
        Dimensions: [{ Name: 'FunctionName', Value: name }],
        StartTime: new Date(now - 300_000),
        EndTime: new Date(now),
        Period: 60,
        Statistics: ['Maximum'],
      }),
    );
    const points = (out.Datapoints ?? []).map((d) => d.Maximum ?? 0);
    return points.length === 0 ? undefined : Math.round(Math.max(...points) / 1000);
  } catch (error) {
    throw new AwsCallError('GetMetricStatistics (IteratorAge)', error);
  }
}
