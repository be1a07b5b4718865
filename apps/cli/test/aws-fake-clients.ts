import { noopLogger } from '@ddb-migrate/core';
import type { MigrationClients } from '../src/migration/migration-clients.js';
import type { MigrateOptions } from '../src/migration/migrate-options.js';
import type { PreflightFacts } from '../src/migration/preflight/preflight-types.js';
import type { MigrationState } from '../src/migration/state/migration-state.js';
import type { StepContext } from '../src/migration/step-context.js';

/** An error shaped like the AWS SDK v3's service exceptions (name, $fault, $metadata). */
export function awsError(name: string, status: number, message = name): Error {
  return Object.assign(new Error(message), {
    name,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status, attempts: 3 },
  });
}

/** One scripted reply: a value, an error to throw, or a function of the input. */
export type Reply = unknown | Error | ((input: Record<string, unknown>) => unknown);

/**
 * A fake SDK client: `send(command)` takes the next scripted reply for the command's name
 * (e.g. 'UpdateTableCommand'); the last reply of a script repeats. Records every call.
 */
export function fakeClient(script: Record<string, Reply[]>) {
  const calls: { command: string; input: Record<string, unknown> }[] = [];
  const queues = new Map(Object.entries(script).map(([k, v]) => [k, [...v]]));
  return {
    calls,
    names: () => calls.map((c) => c.command.replace(/Command$/, '')),
    async send(command: { constructor: { name: string }; input: Record<string, unknown> }) {
      const name = command.constructor.name;
      calls.push({ command: name, input: command.input });
      const queue = queues.get(name);
      if (!queue || queue.length === 0) throw new Error(`fake: no reply scripted for ${name}`);
      const reply = queue.length > 1 ? queue.shift() : queue[0];
      const value = typeof reply === 'function' ? (reply as (i: unknown) => unknown)(command.input) : reply;
      if (value instanceof Error) throw value;
      return value;
    },
    destroy() {},
  };
}

export type FakeClient = ReturnType<typeof fakeClient>;

/** A StepContext over fake clients; sleeps are instant and counted; saves are recorded. */
export function fakeStepContext(input: {
  clients: Partial<Record<keyof MigrationClients, FakeClient>>;
  state?: Partial<MigrationState>;
  facts?: Partial<PreflightFacts>;
  options?: Partial<MigrateOptions>;
}) {
  const sleeps: number[] = [];
  const saves: string[] = [];
  const state = {
    version: 1,
    key: {
      sourceAccountId: '111111111111',
      sourceRegion: 'us-east-1',
      sourceTableName: 'src',
      targetAccountId: '222222222222',
      targetRegion: 'us-east-1',
      targetTableName: 'dst',
    },
    runId: 'r1',
    createdAt: new Date().toISOString(),
    updatedAt: new Date().toISOString(),
    loadMode: 'import',
    cdcMode: 'lambda',
    ...input.state,
  } as MigrationState;
  const options = {
    sourceTableName: 'src',
    targetTableName: 'dst',
    targetRegion: 'us-east-1',
    s3Prefix: 'ddb-migrate',
    pollSeconds: 1,
    streamSettleSeconds: 0,
    exportTimeMarginSeconds: 120,
    cdcLambdaFunctionName: 'cdc-fn',
    lambdaEventSourceBatchSize: 100,
    parallelizationFactor: 1,
    maxRetryAttempts: -1,
    ...input.options,
  } as MigrateOptions;
  const ctx = {
    options,
    sides: {},
    clients: input.clients,
    facts: { actions: [], ...input.facts },
    state,
    logger: noopLogger,
    stderr: { write: () => true },
    async save() {
      saves.push(JSON.stringify(ctx.state));
    },
    progress: () => ({ update() {}, done() {} }),
    async sleep(ms: number) {
      sleeps.push(ms);
    },
  } as unknown as StepContext;
  return { ctx, sleeps, saves };
}

/**
 * DescribeTable's answer for a source table whose latest stream is `arn` (enabled unless
 * `enabled: false`). DynamoDB keeps LatestStreamArn after a stream is disabled and gives a stream
 * enabled again a new ARN (DynamoDB Developer Guide, "Change data capture for DynamoDB Streams",
 * Enabling a stream: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Streams.html#Streams.Enabling).
 */
export function tableWithStream(arn: string, opts: { enabled?: boolean } = {}) {
  const enabled = opts.enabled !== false;
  return {
    Table: {
      TableName: 'src',
      TableStatus: 'ACTIVE',
      LatestStreamArn: arn,
      LatestStreamLabel: arn.split('/stream/')[1],
      StreamSpecification: enabled
        ? { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' }
        : { StreamEnabled: false },
    },
  };
}

/** DescribeStream's answer: ENABLING | ENABLED | DISABLING | DISABLED (DynamoDB Streams API, StreamDescription). */
export function streamStatus(status: string) {
  return { StreamDescription: { StreamStatus: status, Shards: [] } };
}

/** Source clients whose table still has `arn` as its ENABLED stream (the recorded-stream check passes). */
export function liveStreamClients(arn: string) {
  return {
    sourceDdb: fakeClient({ DescribeTableCommand: [tableWithStream(arn)] }),
    sourceStreams: fakeClient({ DescribeStreamCommand: [streamStatus('ENABLED')] }),
  };
}
