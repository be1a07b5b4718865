import {
  type AttributeDefinition,
  DescribeTableCommand,
  type TableDescription,
} from '@aws-sdk/client-dynamodb';
import {
  AwsCallError,
  type KeyNames,
  keyNamesFromSchema,
  PreflightError,
  sdkErrorName,
} from '@ddb-migrate/core';
import { type CallPolicy, callAws } from './aws-call.js';
import type { TableSide } from './types.js';

/** What verify needs to know about both tables before it scans. */
export interface PreflightResult {
  keyNames: KeyNames;
  source: TableDescription;
  target: TableDescription;
}

/**
 * Describes both tables and checks that their primary keys agree (names, roles and types).
 *
 * @throws PreflightError `TABLE_NOT_FOUND` or `KEY_SCHEMA_MISMATCH` (bad input: exit 2).
 */
export async function preflight(
  source: TableSide,
  target: TableSide,
  policy: CallPolicy,
): Promise<PreflightResult> {
  const [sourceTable, targetTable] = await Promise.all([
    describe(source, 'source', policy),
    describe(target, 'target', policy),
  ]);
  const problems = keySchemaProblems(sourceTable, targetTable);
  if (problems.length > 0) {
    throw new PreflightError(
      'KEY_SCHEMA_MISMATCH',
      `The tables' primary keys differ: ${problems.join('; ')}`,
      {
        hint: 'Verify compares tables with the same key schema; check the table names',
      },
    );
  }
  return {
    keyNames: keyNamesFromSchema(sourceTable.KeySchema ?? []),
    source: sourceTable,
    target: targetTable,
  };
}

async function describe(side: TableSide, role: string, policy: CallPolicy): Promise<TableDescription> {
  try {
    const out = await callAws('DescribeTable', policy, () =>
      side.client.send(new DescribeTableCommand({ TableName: side.tableName })),
    );
    if (!out.Table) throw new AwsCallError('DescribeTable', new Error('the response has no Table'));
    return out.Table;
  } catch (error) {
    if (sdkErrorName((error as { cause?: unknown }).cause) === 'ResourceNotFoundException') {
      throw new PreflightError('TABLE_NOT_FOUND', `The ${role} table "${side.tableName}" does not exist`, {
        hint: `Check --${role}-table-name, --${role}-region and the ${role} account`,
        cause: error,
      });
    }
    throw error;
  }
}

/** Differences between two tables' primary keys (names, HASH/RANGE roles, S/N/B types); [] = same. */
export function keySchemaProblems(source: TableDescription, target: TableDescription): string[] {
  const describeKey = (table: TableDescription) => {
    const types = new Map(
      (table.AttributeDefinitions ?? []).map((d: AttributeDefinition) => [d.AttributeName, d.AttributeType]),
    );
    return (table.KeySchema ?? []).map(
      (k) => `${k.KeyType} ${k.AttributeName} ${types.get(k.AttributeName) ?? '?'}`,
    );
  };
  const a = describeKey(source);
  const b = describeKey(target);
  const problems: string[] = [];
  for (const role of ['HASH', 'RANGE']) {
    const left = a.find((k) => k.startsWith(role)) ?? `${role} (none)`;
    const right = b.find((k) => k.startsWith(role)) ?? `${role} (none)`;
    if (left !== right) problems.push(`source ${left} vs target ${right}`);
  }
  return problems;
}
