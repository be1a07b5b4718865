import {
  GetEventSourceMappingCommand,
  GetFunctionConfigurationCommand,
  UpdateEventSourceMappingCommand,
} from '@aws-sdk/client-lambda';
import { AwsCallError, type Logger, MigrationError } from '@ddb-migrate/core';
import { retryAws } from '../aws-retry.js';
import type { MigrationState } from '../state/migration-state.js';
import { type CutoverClients, cdcClients } from './cutover-input.js';
import { cutoverSides, forwardLane, reverseLane } from './cutover-lanes.js';
import type { CutoverPlan } from './cutover-plan.js';
import type { CutoverRecord } from './cutover-state.js';
import { replicateLocally } from './local-replication.js';

/** The replication that delivers the frozen table's last writes, while the fence and the proof wait. */
export interface ReplicationSession {
  /** Throws what stopped the replication, if it failed (local runner). */
  check(): void;
  /**
   * Stops it for good before the switch: the local runner ends; the event source mapping is
   * disabled, and the call returns once it is Disabled and any invocation started before has had
   * the function's timeout to end, so no forward write can land after the switch.
   */
  stop(): Promise<void>;
  /** Ends this process's part without stopping CDC for good (local: the runner; lambda: nothing). */
  release(): Promise<void>;
}

type Host = { logger: Logger; sleep(ms: number): Promise<void>; save(): Promise<void> };

/** Longest wait for a mapping to report Disabled (it passes through Disabling). */
const DISABLE_WAIT_MS = 300_000;

/**
 * Starts (local mode) or adopts (lambda mode: the mapping runs) the replication of this cutover's
 * direction. Forward local mode runs migrate's checkpoint; a rollback runs reverse replication.
 */
export function startReplication(
  record: CutoverRecord,
  plan: CutoverPlan,
  state: MigrationState,
  clients: CutoverClients,
  host: Host,
  signal?: AbortSignal,
): ReplicationSession {
  if (record.cdcStopped && !record.cdcStopped.mappingDisabled) {
    return { check() {}, stop: async () => {}, release: async () => {} };
  }
  if (plan.direction === 'forward' && state.cdc?.mode === 'lambda') {
    return { check() {}, stop: () => disableMapping(record, state, clients, host), release: async () => {} };
  }
  const sides = cutoverSides(plan.direction, plan.input, clients, plan.facts);
  const lane =
    plan.direction === 'forward'
      ? forwardLane(state, sides, plan.input, clients)
      : reverseLane(state, plan.input, clients, plan.facts);
  let stopping = false;
  let failure: unknown;
  const run = replicateLocally(lane, {
    until: async () => stopping,
    pollMs: Math.min(200, plan.input.options.pollMilliseconds),
    logger: host.logger,
    ...(signal ? { signal } : {}),
  }).catch((error: unknown) => {
    failure = error;
  });
  return {
    check() {
      if (failure !== undefined) throw failure;
    },
    async stop() {
      stopping = true;
      await run;
      if (failure !== undefined) throw failure;
      record.cdcStopped = { at: new Date().toISOString(), mappingDisabled: false };
      await host.save();
    },
    async release() {
      stopping = true;
      await run;
    },
  };
}

/** Disables forward CDC's mapping (write-ahead recorded) and waits until nothing of it can still write. */
async function disableMapping(
  record: CutoverRecord,
  state: MigrationState,
  clients: CutoverClients,
  host: Host,
): Promise<void> {
  const uuid = state.cdc?.esmUuid;
  if (!uuid) throw new MigrationError('INTERNAL', 'lambda-mode cutover without a recorded mapping');
  // `mappingDisabled: true` is also the write-ahead record: a crash before the call left the
  // mapping enabled, so a resumed run disables it again (harmless when it is disabled already).
  if (!record.cdcStopped) {
    record.cdcStopped = { at: new Date().toISOString(), mappingDisabled: true };
    await host.save();
  }
  try {
    await retryAws(
      host,
      'UpdateEventSourceMapping',
      () =>
        cdcClients(clients, state).lambda.send(
          new UpdateEventSourceMappingCommand({ UUID: uuid, Enabled: false }),
        ),
      { retryOn: ['ResourceInUseException', 'ResourceConflictException'] },
    );
  } catch (error) {
    throw new AwsCallError('UpdateEventSourceMapping (disable)', error);
  }
  const started = Date.now();
  let functionArn: string | undefined;
  for (;;) {
    const mapping = await retryAws(host, 'GetEventSourceMapping', () =>
      cdcClients(clients, state).lambda.send(new GetEventSourceMappingCommand({ UUID: uuid })),
    );
    functionArn = mapping.FunctionArn;
    if (mapping.State === 'Disabled') break;
    if (Date.now() - started > DISABLE_WAIT_MS) {
      throw new MigrationError(
        'ESM_NOT_SETTLED',
        `The mapping ${uuid} is still ${mapping.State} after ${DISABLE_WAIT_MS / 1000} s`,
        {
          hint: 'Run the same command again to go on waiting (the freeze stays), or `cutover --abort`',
        },
      );
    }
    await host.sleep(2000);
  }
  // An invocation that started before the disable may still be running: it ends within the
  // function's timeout (the handler's own requests are bounded well inside it).
  if (functionArn && !record.cdcStopped.inFlightDoneAt) {
    const fn = await retryAws(host, 'GetFunctionConfiguration', () =>
      cdcClients(clients, state).lambda.send(
        new GetFunctionConfigurationCommand({ FunctionName: functionArn }),
      ),
    );
    const waitMs = Math.max(0, (fn.Timeout ?? 3) * 1000 - (Date.now() - Date.parse(record.cdcStopped.at)));
    if (waitMs > 0) {
      host.logger.info('waiting for in-flight invocations to end (the function timeout)', { waitMs });
      await host.sleep(waitMs);
    }
  }
  record.cdcStopped.inFlightDoneAt = new Date().toISOString();
  await host.save();
}
