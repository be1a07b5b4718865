import { UpdateEventSourceMappingCommand } from '@aws-sdk/client-lambda';
import { AwsCallError, fromDynamoJson, type Logger } from '@ddb-migrate/core';
import { retryAws } from '../aws-retry.js';
import { type CutoverClients, cdcClients } from './cutover-input.js';
import { openCutoverSession } from './cutover-session.js';
import { cutoverSides } from './cutover-lanes.js';
import type { CutoverPlan } from './cutover-plan.js';
import type { CutoverRecord } from './cutover-state.js';
import { removeFence } from './fence.js';
import { liftFreeze } from './freeze.js';

/** What `cutover --abort` (or `rollback --abort`) did. */
export interface AbortResult {
  direction: CutoverPlan['direction'];
  /** `lifted`: the freeze was in the policy and is gone; `not-frozen`: nothing to lift; `none`: --freeze none. */
  freeze: 'lifted' | 'not-frozen' | 'none';
  /** Forward CDC's mapping enabled again (the fence had disabled it). */
  mappingReenabled: boolean;
  /** The cutover had switched before the abort (the application may already use the other table). */
  wasSwitched: boolean;
  record?: CutoverRecord;
  stateFile: string;
}

/**
 * Lifts a cutover's freeze at any step: the frozen table's own policy is put back verbatim (or
 * deleted when it had none), the fence marker is removed from both tables, forward CDC's mapping
 * is enabled again if the fence disabled it, and the cutover is recorded as aborted. Safe to run
 * again, and on a state a crash left at any point.
 */
export async function abortCutover(
  plan: CutoverPlan,
  deps: { clients?: Partial<CutoverClients>; logger?: Logger; signal?: AbortSignal } = {},
): Promise<AbortResult> {
  const { input, direction } = plan;
  const { clients, destroy, store, state, host } = openCutoverSession(plan, deps);
  try {
    const record = direction === 'forward' ? state.cutover : state.rollback;
    const result: AbortResult = {
      direction,
      freeze: 'none',
      mappingReenabled: false,
      wasSwitched: record?.status === 'switched',
      stateFile: store.pathFor(state.key),
    };
    if (!record) return result;
    result.record = record;
    const sides = cutoverSides(direction, input, clients, plan.facts);
    if (record.freeze.mode === 'policy' && record.freeze.originalPolicy !== undefined) {
      result.freeze = await liftFreeze({
        host,
        ddb: sides.from.ddb,
        tableArn: record.freeze.tableArn ?? sides.from.tableArn,
        record: record.freeze,
      });
    }
    if (record.fence) {
      const key = fromDynamoJson(record.fence.key);
      await removeFence(host, sides.from.ddb, sides.from.tableName, key);
      await removeFence(host, sides.to.ddb, sides.to.tableName, key);
    }
    if (record.cdcStopped?.mappingDisabled && state.cdc?.esmUuid) {
      const uuid = state.cdc.esmUuid;
      try {
        await retryAws(host, 'UpdateEventSourceMapping', () =>
          cdcClients(clients, state).lambda.send(
            new UpdateEventSourceMappingCommand({ UUID: uuid, Enabled: true }),
          ),
        );
      } catch (error) {
        throw new AwsCallError('UpdateEventSourceMapping (enable)', error);
      }
      record.cdcStopped.mappingDisabled = false;
      result.mappingReenabled = true;
    }
    record.status = 'aborted';
    record.abortedAt = new Date().toISOString();
    await host.save();
    return result;
  } finally {
    destroy();
  }
}
