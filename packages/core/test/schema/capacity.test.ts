import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { resolveCapacity } from '../../src/schema/capacity.js';
import { toCreateTableInput } from '../../src/schema/to-create-table-input.js';
import { toImportTableCreationParameters } from '../../src/schema/to-import-table-creation-parameters.js';
import { onDemandTable, richProvisionedTable } from './fixtures.js';

const provisioned = () => richProvisionedTable().table;
const onDemand = () => onDemandTable().table;

describe('capacity overrides (the seed rules)', () => {
  it('copies source capacity per table and per GSI without overrides', () => {
    const c = resolveCapacity(provisioned());
    expect(c.billingMode).toBe('PROVISIONED');
    expect(c.provisionedThroughput).toEqual({ ReadCapacityUnits: 10, WriteCapacityUnits: 5 });
    expect(c.gsiProvisionedThroughput.get('byGsi1')).toEqual({ ReadCapacityUnits: 7, WriteCapacityUnits: 3 });
    expect(c.gsiProvisionedThroughput.get('byStatus')).toEqual({
      ReadCapacityUnits: 2,
      WriteCapacityUnits: 1,
    });
  });

  it('applies table overrides to the table and, without GSI overrides, to every GSI', () => {
    const c = resolveCapacity(provisioned(), { tableReadCapacity: 100, tableWriteCapacity: 200 });
    expect(c.provisionedThroughput).toEqual({ ReadCapacityUnits: 100, WriteCapacityUnits: 200 });
    for (const name of ['byGsi1', 'byStatus']) {
      expect(c.gsiProvisionedThroughput.get(name)).toEqual({
        ReadCapacityUnits: 100,
        WriteCapacityUnits: 200,
      });
    }
  });

  it('lets GSI overrides win over table overrides', () => {
    const c = resolveCapacity(provisioned(), {
      tableReadCapacity: 100,
      tableWriteCapacity: 200,
      gsiReadCapacity: 30,
      gsiWriteCapacity: 40,
    });
    expect(c.provisionedThroughput).toEqual({ ReadCapacityUnits: 100, WriteCapacityUnits: 200 });
    expect(c.gsiProvisionedThroughput.get('byStatus')).toEqual({
      ReadCapacityUnits: 30,
      WriteCapacityUnits: 40,
    });
  });

  it('fills a missing half from the provisioned source and says so', () => {
    const c = resolveCapacity(provisioned(), { tableReadCapacity: 100 });
    expect(c.provisionedThroughput).toEqual({ ReadCapacityUnits: 100, WriteCapacityUnits: 5 });
    // GSI write: no GSI or table write override -> the GSI's own source value.
    expect(c.gsiProvisionedThroughput.get('byGsi1')).toEqual({
      ReadCapacityUnits: 100,
      WriteCapacityUnits: 3,
    });
    expect(c.warnings.some((w) => w.includes('--target-table-write-capacity not given'))).toBe(true);
  });

  it('applies GSI-only overrides on a provisioned source and keeps the table capacity', () => {
    const c = resolveCapacity(provisioned(), { gsiWriteCapacity: 9 });
    expect(c.provisionedThroughput).toEqual({ ReadCapacityUnits: 10, WriteCapacityUnits: 5 });
    expect(c.gsiProvisionedThroughput.get('byGsi1')).toEqual({ ReadCapacityUnits: 7, WriteCapacityUnits: 9 });
  });

  it('creates an on-demand source provisioned when both table capacities are given (pre-warm, switch later)', () => {
    const { input, warnings, notCarried } = toImportTableCreationParameters(onDemandTable(), {
      targetTableName: 'e',
      capacity: { tableReadCapacity: 400, tableWriteCapacity: 300 },
    });
    expect(input.BillingMode).toBe('PROVISIONED');
    expect(input.ProvisionedThroughput).toEqual({ ReadCapacityUnits: 400, WriteCapacityUnits: 300 });
    expect(input.GlobalSecondaryIndexes?.[0]?.ProvisionedThroughput).toEqual({
      ReadCapacityUnits: 400,
      WriteCapacityUnits: 300,
    });
    // A provisioned table takes no on-demand maximums.
    expect(input).not.toHaveProperty('OnDemandThroughput');
    expect(input.GlobalSecondaryIndexes?.[0]).not.toHaveProperty('OnDemandThroughput');
    expect(warnings.some((w) => /Switch the target to on-demand after the migration/.test(w))).toBe(true);
    expect(notCarried.map((n) => n.setting)).toEqual(
      expect.arrayContaining(['on-demand-throughput', 'on-demand-throughput (index byDay)']),
    );
  });

  it('refuses half a table capacity for an on-demand source: there is nothing to copy', () => {
    expect(() => resolveCapacity(onDemand(), { tableReadCapacity: 400 })).toThrow(ConfigError);
    try {
      resolveCapacity(onDemand(), { tableReadCapacity: 400 });
    } catch (error) {
      expect((error as ConfigError).code).toBe('CAPACITY_INCOMPLETE');
      expect((error as ConfigError).hint).toMatch(/--target-table-write-capacity/);
    }
  });

  it('refuses GSI capacity alone for an on-demand source', () => {
    expect(() =>
      toCreateTableInput(onDemandTable(), { targetTableName: 'e', capacity: { gsiReadCapacity: 5 } }),
    ).toThrow(/on-demand/);
  });

  it('rejects capacities that are not positive integers', () => {
    for (const bad of [0, -1, 1.5, Number.NaN]) {
      expect(() => resolveCapacity(provisioned(), { tableReadCapacity: bad })).toThrow(/whole number >= 1/);
    }
  });

  it('uses the table capacity for a GSI whose provisioned source reports none', () => {
    const table = provisioned();
    const gsi = table.GlobalSecondaryIndexes?.[1];
    if (gsi) gsi.ProvisionedThroughput = { ReadCapacityUnits: 0, WriteCapacityUnits: 0 };
    const c = resolveCapacity(table);
    expect(c.gsiProvisionedThroughput.get('byStatus')).toEqual({
      ReadCapacityUnits: 10,
      WriteCapacityUnits: 5,
    });
  });
});
