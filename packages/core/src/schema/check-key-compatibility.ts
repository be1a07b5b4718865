import type { KeySchemaElement, TableDescription } from '@aws-sdk/client-dynamodb';

/**
 * Checks that an existing target table can take the source's items in write mode: same table
 * key (names, HASH/RANGE, types), and every source GSI/LSI present under the same name with the
 * same key (attribute types included, so a mismatch that would reject writes shows up).
 * Projections, throughput and target-only indexes are not compared.
 *
 * @returns human-readable problems; `[]` means compatible.
 */
export function checkKeyCompatibility(source: TableDescription, target: TableDescription): string[] {
  const problems: string[] = [];
  const sourceKey = describeKey(source, source.KeySchema);
  const targetKey = describeKey(target, target.KeySchema);
  if (sourceKey !== targetKey) problems.push(`Table key differs: source ${sourceKey}, target ${targetKey}`);

  for (const kind of ['GlobalSecondaryIndexes', 'LocalSecondaryIndexes'] as const) {
    const label = kind === 'GlobalSecondaryIndexes' ? 'GSI' : 'LSI';
    const targetIndexes = new Map((target[kind] ?? []).map((i) => [i.IndexName, i]));
    for (const index of source[kind] ?? []) {
      const match = targetIndexes.get(index.IndexName);
      const wanted = describeKey(source, index.KeySchema);
      if (!match) {
        problems.push(`${label} ${index.IndexName} (${wanted}) is missing in the target`);
        continue;
      }
      const actual = describeKey(target, match.KeySchema);
      if (actual !== wanted)
        problems.push(`${label} ${index.IndexName} key differs: source ${wanted}, target ${actual}`);
    }
  }

  return problems;
}

function describeKey(table: TableDescription, keySchema: KeySchemaElement[] | undefined): string {
  const types = new Map((table.AttributeDefinitions ?? []).map((d) => [d.AttributeName, d.AttributeType]));
  const order = (k: KeySchemaElement) => (k.KeyType === 'HASH' ? 0 : 1);
  // Multi-attribute GSI keys keep their order within HASH and within RANGE.
  return [...(keySchema ?? [])]
    .map((k, i) => ({ k, i }))
    .sort((a, b) => order(a.k) - order(b.k) || a.i - b.i)
    .map(({ k }) => `${k.AttributeName}:${k.KeyType}:${types.get(k.AttributeName ?? '') ?? '?'}`)
    .join(', ');
}
