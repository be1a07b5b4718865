import { type DynamoDBClient, ListTablesCommand, ListTagsOfResourceCommand } from '@aws-sdk/client-dynamodb';
import { AwsCallError, InternalError } from '@ddb-migrate/core';
import type { AppPlan, AppTable } from './app-plan-schema.js';

/** A table of the application with its target name and the options that apply to it. */
export interface ResolvedAppTable extends AppTable {
  targetName: string;
  /** Listed in `tables`, or found by `select`. */
  from: 'tables' | 'select';
}

/**
 * The plan file's tables: those listed (each with `defaults` under its own overrides), then the
 * source tables `select` finds by name prefix or tag that are not listed. Reads only.
 */
export async function resolveAppTables(
  plan: AppPlan,
  /** Only `select` reads the source account. */
  deps?: { sourceDdb: Pick<DynamoDBClient, 'send'>; sourceRegion: string; sourceAccountId: string },
): Promise<ResolvedAppTable[]> {
  const withDefaults = (t: AppTable, from: ResolvedAppTable['from']): ResolvedAppTable => ({
    ...(plan.defaults ?? {}),
    ...t,
    targetName: t.targetName ?? t.name,
    from,
  });
  const listed = (plan.tables ?? []).map((t) => withDefaults(t, 'tables'));
  if (!plan.select) return listed;
  if (!deps) throw new InternalError('resolveAppTables: a selection needs the source account');
  const names: string[] = [];
  let start: string | undefined;
  try {
    do {
      const out = await deps.sourceDdb.send(new ListTablesCommand({ ExclusiveStartTableName: start }));
      names.push(...(out.TableNames ?? []));
      start = out.LastEvaluatedTableName;
    } while (start);
  } catch (error) {
    throw new AwsCallError('ListTables (select)', error);
  }
  const selected: ResolvedAppTable[] = [];
  for (const name of names.sort()) {
    if (listed.some((t) => t.name === name)) continue;
    if (plan.select.prefix && !name.startsWith(plan.select.prefix)) continue;
    if (plan.select.tag) {
      const arn = `arn:aws:dynamodb:${deps.sourceRegion}:${deps.sourceAccountId}:table/${name}`;
      let tags: { Key?: string; Value?: string }[];
      try {
        tags = (await deps.sourceDdb.send(new ListTagsOfResourceCommand({ ResourceArn: arn }))).Tags ?? [];
      } catch (error) {
        throw new AwsCallError('ListTagsOfResource (select)', error);
      }
      const { key, value } = plan.select.tag;
      if (!tags.some((t) => t.Key === key && (value === undefined || t.Value === value))) continue;
    }
    selected.push(withDefaults({ name }, 'select'));
  }
  return [...listed, ...selected];
}

/** The outcome of one table's part of a multi-table command. */
export type TableOutcome<T> =
  | { table: string; ok: true; value: T }
  | { table: string; ok: false; error: unknown };

/**
 * Runs `work` for every table with at most `concurrency` at once. A table that fails does not
 * stop the others: its error is its outcome. Results keep the tables' order.
 */
export async function forEachTable<T>(
  tables: readonly string[],
  concurrency: number,
  work: (table: string, index: number) => Promise<T>,
): Promise<TableOutcome<T>[]> {
  const results: TableOutcome<T>[] = new Array(tables.length);
  let next = 0;
  const lane = async () => {
    while (next < tables.length) {
      const index = next++;
      const table = tables[index] as string;
      try {
        results[index] = { table, ok: true, value: await work(table, index) };
      } catch (error) {
        results[index] = { table, ok: false, error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, tables.length)) }, lane));
  return results;
}
