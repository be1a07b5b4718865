import type {
  BillingMode,
  OnDemandThroughput,
  ProvisionedThroughput,
  TableDescription,
} from '@aws-sdk/client-dynamodb';
import { ConfigError } from '../errors.js';
import type { CapacityOverrides, NotCarriedSetting } from './types.js';

/** Billing mode and throughput the target gets, decided once for the table and every GSI. */
export interface ResolvedCapacity {
  billingMode: BillingMode;
  /** Table throughput (PROVISIONED only). */
  provisionedThroughput?: ProvisionedThroughput;
  /** Per GSI name (PROVISIONED only). */
  gsiProvisionedThroughput: Map<string, ProvisionedThroughput>;
  /** Table max on-demand throughput (PAY_PER_REQUEST only, when the source caps it). */
  onDemandThroughput?: OnDemandThroughput;
  /** Per GSI name (PAY_PER_REQUEST only, when the source caps it). */
  gsiOnDemandThroughput: Map<string, OnDemandThroughput>;
  warnings: string[];
  notCarried: NotCarriedSetting[];
}

const FLAG = {
  tableReadCapacity: '--target-table-read-capacity',
  tableWriteCapacity: '--target-table-write-capacity',
  gsiReadCapacity: '--target-gsi-read-capacity',
  gsiWriteCapacity: '--target-gsi-write-capacity',
} as const;

/** The source's billing mode; DescribeTable omits BillingModeSummary on tables that were always provisioned. */
export function sourceBillingMode(table: TableDescription): BillingMode {
  return table.BillingModeSummary?.BillingMode ?? 'PROVISIONED';
}

/**
 * Applies the seed's capacity rules:
 * - no flags: copy the source's billing mode, capacities and on-demand maximums;
 * - a table flag forces PROVISIONED; a missing half comes from the source (provisioned source)
 *   or is refused (on-demand source: nothing to copy);
 * - each GSI gets the GSI flag, else the table flag, else its source capacity;
 * - GSI flags alone on an on-demand source are refused (an on-demand table has no GSI capacity).
 *
 * @throws ConfigError (code CAPACITY_INVALID / CAPACITY_INCOMPLETE) on flags that cannot give a valid table.
 */
export function resolveCapacity(
  table: TableDescription,
  overrides: CapacityOverrides = {},
): ResolvedCapacity {
  validateOverrides(overrides);
  const sourceMode = sourceBillingMode(table);
  const gsis = table.GlobalSecondaryIndexes ?? [];
  const hasTableOverride =
    overrides.tableReadCapacity !== undefined || overrides.tableWriteCapacity !== undefined;
  const hasGsiOverride = overrides.gsiReadCapacity !== undefined || overrides.gsiWriteCapacity !== undefined;
  const result: ResolvedCapacity = {
    billingMode: sourceMode,
    gsiProvisionedThroughput: new Map(),
    gsiOnDemandThroughput: new Map(),
    warnings: [],
    notCarried: [],
  };

  if (sourceMode === 'PAY_PER_REQUEST' && !hasTableOverride) {
    if (hasGsiOverride) {
      throw new ConfigError(
        'GSI capacity was given, but the source table is on-demand and no table capacity was given',
        {
          code: 'CAPACITY_INCOMPLETE',
          hint: `Also pass ${FLAG.tableReadCapacity} and ${FLAG.tableWriteCapacity} to create the target provisioned (pre-warmed), or drop the GSI capacity flags to keep it on-demand.`,
        },
      );
    }
    const tableMax = positiveOnDemand(table.OnDemandThroughput);
    if (tableMax) result.onDemandThroughput = tableMax;
    for (const gsi of gsis) {
      const max = positiveOnDemand(gsi.OnDemandThroughput);
      if (gsi.IndexName && max) result.gsiOnDemandThroughput.set(gsi.IndexName, max);
    }
    return result;
  }

  result.billingMode = 'PROVISIONED';
  const sourceTable = sourceMode === 'PROVISIONED' ? table.ProvisionedThroughput : undefined;
  const read = pick(overrides.tableReadCapacity, sourceTable?.ReadCapacityUnits, 'tableReadCapacity', result);
  const write = pick(
    overrides.tableWriteCapacity,
    sourceTable?.WriteCapacityUnits,
    'tableWriteCapacity',
    result,
  );
  result.provisionedThroughput = { ReadCapacityUnits: read, WriteCapacityUnits: write };

  for (const gsi of gsis) {
    if (!gsi.IndexName) continue;
    const source = sourceMode === 'PROVISIONED' ? gsi.ProvisionedThroughput : undefined;
    const gsiRead =
      overrides.gsiReadCapacity ?? overrides.tableReadCapacity ?? positive(source?.ReadCapacityUnits) ?? read;
    const gsiWrite =
      overrides.gsiWriteCapacity ??
      overrides.tableWriteCapacity ??
      positive(source?.WriteCapacityUnits) ??
      write;
    result.gsiProvisionedThroughput.set(gsi.IndexName, {
      ReadCapacityUnits: gsiRead,
      WriteCapacityUnits: gsiWrite,
    });
    if (sourceMode === 'PAY_PER_REQUEST' && positiveOnDemand(gsi.OnDemandThroughput)) {
      result.notCarried.push({
        setting: `on-demand-throughput (index ${gsi.IndexName})`,
        reason:
          'The target is created provisioned, which has no on-demand maximum; set it on the index again when you switch the target to on-demand.',
      });
    }
  }

  if (sourceMode === 'PAY_PER_REQUEST') {
    result.warnings.push(
      `The source table is on-demand; the target is created PROVISIONED (${read} RCU / ${write} WCU, GSIs likewise) to pre-warm it, as the seed recommends (about 2x the source's peak consumption). Switch the target to on-demand after the migration (UpdateTable BillingMode=PAY_PER_REQUEST).`,
    );
    const tableMax = positiveOnDemand(table.OnDemandThroughput);
    if (tableMax) {
      result.notCarried.push({
        setting: 'on-demand-throughput',
        reason: `The target is created provisioned, which has no on-demand maximum; pass OnDemandThroughput ${JSON.stringify(tableMax)} when you switch the target to on-demand.`,
      });
    }
  } else {
    result.warnings.push(
      'Auto scaling (Application Auto Scaling) is neither read nor carried; register scalable targets on the target table if the source uses them.',
    );
  }
  return result;
}

function pick(
  override: number | undefined,
  source: number | undefined,
  name: 'tableReadCapacity' | 'tableWriteCapacity',
  result: ResolvedCapacity,
): number {
  if (override !== undefined) return override;
  const fromSource = positive(source);
  if (fromSource === undefined) {
    const other = name === 'tableReadCapacity' ? FLAG.tableWriteCapacity : FLAG.tableReadCapacity;
    throw new ConfigError(
      `${other} was given without ${FLAG[name]}, and the on-demand source has no capacity to copy`,
      {
        code: 'CAPACITY_INCOMPLETE',
        hint: `Pass both ${FLAG.tableReadCapacity} and ${FLAG.tableWriteCapacity} (the seed recommends 2x the source's peak consumption), or neither to keep the target on-demand.`,
      },
    );
  }
  result.warnings.push(`${FLAG[name]} not given; the source's ${fromSource} is used.`);
  return fromSource;
}

function validateOverrides(overrides: CapacityOverrides): void {
  for (const name of Object.keys(FLAG) as (keyof typeof FLAG)[]) {
    const value = overrides[name];
    if (value !== undefined && !(Number.isSafeInteger(value) && value >= 1)) {
      throw new ConfigError(`${FLAG[name]} must be a whole number >= 1, got ${String(value)}`, {
        code: 'CAPACITY_INVALID',
        hint: `Pass ${FLAG[name]} as a positive integer, e.g. ${FLAG[name]} 100.`,
      });
    }
  }
}

function positive(n: number | undefined): number | undefined {
  return n !== undefined && n > 0 ? n : undefined;
}

/** The source's on-demand maximums, without the -1/0 ("no maximum") placeholders DescribeTable may return. */
export function positiveOnDemand(t: OnDemandThroughput | undefined): OnDemandThroughput | undefined {
  if (!t) return undefined;
  const out: OnDemandThroughput = {};
  const r = positive(t.MaxReadRequestUnits);
  const w = positive(t.MaxWriteRequestUnits);
  if (r !== undefined) out.MaxReadRequestUnits = r;
  if (w !== undefined) out.MaxWriteRequestUnits = w;
  return r === undefined && w === undefined ? undefined : out;
}
