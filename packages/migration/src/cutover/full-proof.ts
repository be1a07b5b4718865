import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type Difference, verifyTables } from '@ddb-migrate/consistency-checker';
import type { Logger } from '@ddb-migrate/core';
import type { CutoverSide } from './cutover-lanes.js';

/**
 * `--verify full`: the consistency checker over both whole tables, while replication still
 * delivers the frozen table's last writes (from shards other than the fence's): a suspect gets the
 * checker's usual consistent re-checks (about a minute) before it counts.
 */
export async function fullProof(
  sides: { from: CutoverSide; to: CutoverSide },
  logger: Logger,
  onDifference?: (difference: Difference) => void | Promise<void>,
): Promise<{ checked: number; differences: Difference[] }> {
  const differences: Difference[] = [];
  const summary = await verifyTables({
    // The checker calls only `send`; it declares whole clients.
    source: { client: sides.from.ddb as DynamoDBClient, tableName: sides.from.tableName },
    target: { client: sides.to.ddb as DynamoDBClient, tableName: sides.to.tableName },
    logger,
    onDifference: async (difference) => {
      differences.push(difference);
      await onDifference?.(difference);
    },
  });
  return { checked: summary.sourceScanned, differences };
}
