import type { TableDescription } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { checkKeyCompatibility } from '../../src/schema/check-key-compatibility.js';
import { richProvisionedTable } from './fixtures.js';

const source = (): TableDescription => richProvisionedTable().table;

describe('checkKeyCompatibility', () => {
  it('accepts an identical table, whatever its capacity and index order', () => {
    const target = source();
    target.GlobalSecondaryIndexes?.reverse();
    target.ProvisionedThroughput = { ReadCapacityUnits: 1, WriteCapacityUnits: 1 };
    expect(checkKeyCompatibility(source(), target)).toEqual([]);
  });

  it('reports a different table key name or type', () => {
    const target = source();
    target.KeySchema = [{ AttributeName: 'pk', KeyType: 'HASH' }];
    expect(checkKeyCompatibility(source(), target)).toEqual([
      'Table key differs: source pk:HASH:S, sk:RANGE:S, target pk:HASH:S',
    ]);

    const typed = source();
    typed.AttributeDefinitions = typed.AttributeDefinitions?.map((d) =>
      d.AttributeName === 'sk' ? { AttributeName: 'sk', AttributeType: 'N' } : d,
    );
    const problems = checkKeyCompatibility(source(), typed);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/Table key differs.*sk:RANGE:N/);
  });

  it('reports missing GSIs and LSIs, and indexes whose keys differ', () => {
    const target = source();
    target.LocalSecondaryIndexes = [];
    target.GlobalSecondaryIndexes = target.GlobalSecondaryIndexes?.filter(
      (g) => g.IndexName !== 'byStatus',
    ).map((g) => ({ ...g, KeySchema: [{ AttributeName: 'gsi1pk', KeyType: 'HASH' }] }));
    const problems = checkKeyCompatibility(source(), target);
    expect(problems).toEqual([
      'GSI byGsi1 key differs: source gsi1pk:HASH:S, gsi1sk:RANGE:N, target gsi1pk:HASH:S',
      'GSI byStatus (status:HASH:S) is missing in the target',
      'LSI byCreatedAt (pk:HASH:S, createdAt:RANGE:N) is missing in the target',
    ]);
  });

  it('reports an index whose key attribute has another type in the target', () => {
    const target = source();
    target.AttributeDefinitions = target.AttributeDefinitions?.map((d) =>
      d.AttributeName === 'status' ? { AttributeName: 'status', AttributeType: 'N' } : d,
    );
    expect(checkKeyCompatibility(source(), target)).toEqual([
      'GSI byStatus key differs: source status:HASH:S, target status:HASH:N',
    ]);
  });
});
