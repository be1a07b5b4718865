import { UpdateTableCommand } from '@aws-sdk/client-dynamodb';
import { DeleteEventSourceMappingCommand } from '@aws-sdk/client-lambda';
import { AwsCallError, fromDynamoJson, type Logger, sdkErrorName } from '@ddb-migrate/core';
import { retryAws } from '../aws-retry.js';
import { revokeStatement } from '../steps/cdc-access-policy.js';
import { type CutoverClients, cdcClients } from './cutover-input.js';
import { openCutoverSession } from './cutover-session.js';
import { cutoverSides } from './cutover-lanes.js';
import type { CutoverPlan } from './cutover-plan.js';
import { removeFence } from './fence.js';
import { liftFreeze } from './freeze.js';

/** What `finish` removed, in order. */
export interface FinishResult {
  removed: string[];
  /** What was left in place, and why. */
  kept: string[];
  stateFile: string;
}

/**
 * Cleans up after a migration: deletes its event source mapping (in the account that holds it),
 * removes the fence markers, lifts every freeze (each table's own policy back, verbatim), takes
 * ddb-migrate's CDC statements out of the source's stream and table policies and, with `disableStreams`, disables the
 * streams this migration enabled. Recorded in the state; safe to run again.
 */
export async function finishMigration(
  plan: CutoverPlan,
  deps: {
    clients?: Partial<CutoverClients>;
    logger?: Logger;
    disableStreams?: boolean;
    signal?: AbortSignal;
  } = {},
): Promise<FinishResult> {
  const { input } = plan;
  const { clients, destroy, store, state, host } = openCutoverSession(plan, deps);
  const removed: string[] = [];
  const kept: string[] = [];
  try {
    const uuid = state.cdc?.esmUuid;
    if (state.cdc?.mode === 'lambda' && uuid) {
      try {
        await retryAws(
          host,
          'DeleteEventSourceMapping',
          () => cdcClients(clients, state).lambda.send(new DeleteEventSourceMappingCommand({ UUID: uuid })),
          {
            retryOn: ['ResourceInUseException'],
          },
        );
        removed.push(`event source mapping ${uuid}`);
      } catch (error) {
        if (sdkErrorName(error) !== 'ResourceNotFoundException')
          throw new AwsCallError('DeleteEventSourceMapping', error);
      }
    }
    for (const direction of ['forward', 'back'] as const) {
      const record = direction === 'forward' ? state.cutover : state.rollback;
      if (!record) continue;
      const sides = cutoverSides(direction, input, clients, plan.facts);
      if (record.fence) {
        const key = fromDynamoJson(record.fence.key);
        await removeFence(host, sides.from.ddb, sides.from.tableName, key);
        await removeFence(host, sides.to.ddb, sides.to.tableName, key);
        removed.push(`fence markers of the ${direction === 'forward' ? 'cutover' : 'rollback'}`);
      }
      if (record.freeze.mode === 'policy' && record.freeze.originalPolicy !== undefined) {
        const outcome = await liftFreeze({
          host,
          ddb: sides.from.ddb,
          tableArn: record.freeze.tableArn ?? sides.from.tableArn,
          record: record.freeze,
        });
        if (outcome === 'lifted')
          removed.push(
            `freeze on the ${sides.from.label} table ${sides.from.tableName} (its own policy restored)`,
          );
      }
    }
    // After the freezes are lifted (a frozen table's original policy holds these statements too).
    for (const grant of state.cdc?.accessGrants ?? []) {
      await revokeStatement(host, clients.sourceDdb, grant.resourceArn, grant.sid);
      removed.push(`statement ${grant.sid} in the resource policy of ${grant.resourceArn}`);
    }
    const streams: { enabledByUs: boolean; label: string; send: () => Promise<unknown> }[] = [
      {
        enabledByUs: state.stream?.enabledByUs === true,
        label: `stream of the source table ${input.source.tableName}`,
        send: () =>
          clients.sourceDdb.send(
            new UpdateTableCommand({
              TableName: input.source.tableName,
              StreamSpecification: { StreamEnabled: false },
            }),
          ),
      },
      {
        enabledByUs: state.cutover?.reverse?.enabledByUs === true,
        label: `stream of the target table ${input.target.tableName}`,
        send: () =>
          clients.targetDdb.send(
            new UpdateTableCommand({
              TableName: input.target.tableName,
              StreamSpecification: { StreamEnabled: false },
            }),
          ),
      },
    ];
    for (const stream of streams) {
      if (!stream.enabledByUs) continue;
      if (!deps.disableStreams) {
        kept.push(`${stream.label} (enabled by this migration; --disable-stream disables it)`);
        continue;
      }
      try {
        await retryAws(host, 'UpdateTable (disable stream)', stream.send, {
          retryOn: ['ResourceInUseException'],
        });
        removed.push(stream.label);
      } catch (error) {
        // Already disabled: nothing to do.
        if (sdkErrorName(error) !== 'ValidationException')
          throw new AwsCallError('UpdateTable (disable the stream)', error);
      }
    }
    state.finish = { at: new Date().toISOString(), removed };
    await host.save();
    return { removed, kept, stateFile: store.pathFor(state.key) };
  } finally {
    destroy();
  }
}
