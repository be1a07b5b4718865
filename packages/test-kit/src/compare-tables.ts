import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  canonicalKey,
  diffItemAttributes,
  extractKey,
  type Item,
  itemsEqual,
  type KeyNames,
  keyNamesFromSchema,
  toDynamoJson,
} from '@ddb-migrate/core';
import { scanAll } from './tables.js';

/** Differences between two tables, by key (keys in DynamoDB JSON; never attribute values). */
export interface TableDiff {
  sourceCount: number;
  targetCount: number;
  missingInTarget: Record<string, unknown>[];
  extraInTarget: Record<string, unknown>[];
  different: { key: Record<string, unknown>; attributes: string[] }[];
}

function index(items: Item[], names: KeyNames): Map<string, Item> {
  const map = new Map<string, Item>();
  for (const item of items) map.set(canonicalKey(extractKey(item, names), names), item);
  return map;
}

/** Scans both tables (keys from the source's schema) and compares items with DynamoDB equality. */
export async function compareTables(
  sourceClient: DynamoDBClient,
  sourceTable: string,
  targetClient: DynamoDBClient,
  targetTable: string,
): Promise<TableDiff> {
  const desc = await sourceClient.send(new DescribeTableCommand({ TableName: sourceTable }));
  const names = keyNamesFromSchema(desc.Table?.KeySchema ?? []);
  const [sourceItems, targetItems] = await Promise.all([
    scanAll(sourceClient, sourceTable, { consistentRead: true }),
    scanAll(targetClient, targetTable, { consistentRead: true }),
  ]);
  const source = index(sourceItems, names);
  const target = index(targetItems, names);
  const diff: TableDiff = {
    sourceCount: sourceItems.length,
    targetCount: targetItems.length,
    missingInTarget: [],
    extraInTarget: [],
    different: [],
  };
  for (const [k, item] of source) {
    const other = target.get(k);
    const key = toDynamoJson(extractKey(item, names));
    if (!other) diff.missingInTarget.push(key);
    else if (!itemsEqual(item, other))
      diff.different.push({ key, attributes: diffItemAttributes(item, other) });
  }
  for (const [k, item] of target) {
    if (!source.has(k)) diff.extraInTarget.push(toDynamoJson(extractKey(item, names)));
  }
  return diff;
}

/** A readable summary of a {@link TableDiff} (keys and attribute names only), at most `limit` keys per kind. */
export function formatTableDiff(diff: TableDiff, limit = 20): string {
  const lines = [
    `source ${diff.sourceCount} items, target ${diff.targetCount} items: ` +
      `${diff.missingInTarget.length} missing in target, ${diff.extraInTarget.length} extra in target, ` +
      `${diff.different.length} different`,
  ];
  const list = (label: string, rows: string[]) => {
    if (!rows.length) return;
    lines.push(`${label}:`);
    for (const r of rows.slice(0, limit)) lines.push(`  ${r}`);
    if (rows.length > limit) lines.push(`  ... ${rows.length - limit} more`);
  };
  list(
    'missing in target',
    diff.missingInTarget.map((k) => JSON.stringify(k)),
  );
  list(
    'extra in target',
    diff.extraInTarget.map((k) => JSON.stringify(k)),
  );
  list(
    'different',
    diff.different.map((d) => `${JSON.stringify(d.key)} attributes ${d.attributes.join(',')}`),
  );
  return lines.join('\n');
}

/**
 * Asserts that two tables hold DynamoDB-equal items (numbers as decimals, sets unordered, ...).
 *
 * @throws Error listing the keys missing, extra or different (never attribute values).
 */
export async function expectTablesEqual(
  sourceClient: DynamoDBClient,
  sourceTable: string,
  targetClient: DynamoDBClient,
  targetTable: string,
): Promise<void> {
  const diff = await compareTables(sourceClient, sourceTable, targetClient, targetTable);
  if (diff.missingInTarget.length || diff.extraInTarget.length || diff.different.length) {
    throw new Error(`Tables ${sourceTable} and ${targetTable} differ.\n${formatTableDiff(diff)}`);
  }
}
