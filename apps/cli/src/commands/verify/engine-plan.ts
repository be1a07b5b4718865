import { DescribeTableCommand, type DynamoDBClient, type TableDescription } from '@aws-sdk/client-dynamodb';
import { AwsCallError, PreflightError, sdkErrorName } from '@ddb-migrate/core';

/** Segments each item (range) of a fanned-out verify holds by default; a worker scans them at once. */
export const SEGMENTS_PER_RANGE = 4;

/** Bytes per segment a fan-out aims for (the checker's own default: one per GiB). */
const BYTES_PER_SEGMENT = 1024 ** 3;
/** Items per segment when a table reports no size (moto). */
const ITEMS_PER_SEGMENT = 250_000;
/** Scan's TotalSegments limit. */
const MAX_TOTAL_SEGMENTS = 1_000_000;

/** What a fan-out needs to know of both tables. */
export interface TableSizes {
  source: { items: number; bytes: number };
  target: { items: number; bytes: number };
}

/** DescribeTable on both sides (ItemCount and TableSizeBytes are refreshed about every 6 hours). */
export async function describeTableSizes(
  source: { client: DynamoDBClient; tableName: string },
  target: { client: DynamoDBClient; tableName: string },
): Promise<TableSizes> {
  const describe = async (side: { client: DynamoDBClient; tableName: string }, role: string) => {
    let table: TableDescription | undefined;
    try {
      table = (await side.client.send(new DescribeTableCommand({ TableName: side.tableName }))).Table;
    } catch (error) {
      if (sdkErrorName(error) === 'ResourceNotFoundException') {
        throw new PreflightError('TABLE_NOT_FOUND', `The ${role} table "${side.tableName}" does not exist`, {
          hint: `Check --${role}-table-name, --${role}-region and the ${role} account`,
          cause: error,
        });
      }
      throw new AwsCallError('DescribeTable', error);
    }
    return { items: table?.ItemCount ?? 0, bytes: table?.TableSizeBytes ?? 0 };
  };
  const [s, t] = await Promise.all([describe(source, 'source'), describe(target, 'target')]);
  return { source: s, target: t };
}

/**
 * TotalSegments of a fanned-out verify: one per GiB of the larger table (per 250k items when no size
 * is reported), and at least {@link SEGMENTS_PER_RANGE} per worker so every worker has a range.
 * Unlike a single-process verify this is not capped at 256: a billion-item table wants thousands.
 */
export function fanoutSegmentCount(sizes: TableSizes, workers: number): number {
  let wanted = 1;
  for (const side of [sizes.source, sizes.target]) {
    wanted = Math.max(
      wanted,
      Math.ceil(side.bytes / BYTES_PER_SEGMENT),
      Math.ceil(side.items / ITEMS_PER_SEGMENT),
    );
  }
  return Math.min(MAX_TOTAL_SEGMENTS, Math.max(wanted, workers * SEGMENTS_PER_RANGE));
}
