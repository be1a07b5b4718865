import type { LoadMode } from '../migration-options.js';

/** Rough time and cost of a migration, for the plan (labelled as estimates). */
export interface Estimate {
  itemCount: number;
  sizeBytes: number;
  /** True when DescribeTable reported no size and it was derived from the item count. */
  sizeGuessed: boolean;
  exportMinutes: number;
  loadMinutes: number;
  exportCostUsd: number;
  loadCostUsd: number;
  /** Export + load exceeds the safe part of the 24 h stream retention. */
  streamWindowRisk: boolean;
}

// Prices are us-east-1 list prices (UNVERIFIED in docs/aws-facts; shown as "about").
const EXPORT_USD_PER_GB = 0.1;
const IMPORT_USD_PER_GB = 0.15;
const ON_DEMAND_USD_PER_MILLION_WRU = 0.625;
const GB = 1024 ** 3;
/** Below this, CDC would start with less than ~4 h of stream retention left. */
const SAFE_WINDOW_MINUTES = 20 * 60;

/**
 * Estimates export/load duration and cost from DescribeTable's size and item count. Export and
 * import have a fixed start-up cost (minutes) and scale with size; write mode is bounded by the
 * write rate (`maxWcu`, else about 2,000 WCU/s).
 */
export function estimateMigration(input: {
  itemCount: number;
  sizeBytes: number;
  loadMode: LoadMode;
  maxWcu?: number;
}): Estimate {
  const sizeGuessed = input.sizeBytes <= 0 && input.itemCount > 0;
  const sizeBytes = sizeGuessed ? input.itemCount * 1024 : input.sizeBytes;
  const gb = sizeBytes / GB;
  const exportMinutes = Math.ceil(8 + gb * 0.5);
  const avgKb = input.itemCount > 0 ? Math.max(1, Math.ceil(sizeBytes / input.itemCount / 1024)) : 1;
  const wru = input.itemCount * avgKb;
  const loadMinutes =
    input.loadMode === 'import' ? Math.ceil(10 + gb * 1.5) : Math.ceil(wru / (input.maxWcu ?? 2000) / 60);
  const exportCostUsd = round2(gb * EXPORT_USD_PER_GB);
  const loadCostUsd = round2(
    input.loadMode === 'import' ? gb * IMPORT_USD_PER_GB : (wru / 1e6) * ON_DEMAND_USD_PER_MILLION_WRU,
  );
  return {
    itemCount: input.itemCount,
    sizeBytes,
    sizeGuessed,
    exportMinutes,
    loadMinutes,
    exportCostUsd,
    loadCostUsd,
    streamWindowRisk: exportMinutes + loadMinutes > SAFE_WINDOW_MINUTES,
  };
}

/** The incremental-export catch-up a plan expects, priced (labelled an estimate). */
export interface CatchUpEstimate {
  /** Incremental exports to request (15 min .. 24 h each). */
  windows: number;
  /** Hours they bridge, T - margin .. T2. */
  hours: number;
  /** About $0.10 per GB of changed data the windows hold (us-east-1 list price, UNVERIFIED). */
  usdPerGbChanged: number;
  /** The least they can cost: about 10 MB billed per export at minimum (UNVERIFIED). */
  minimumUsd: number;
  /** Provisioned sources: the most, if every write unit of the table were used all along (1 KB each). */
  maximumUsd?: number;
}

const INCREMENTAL_USD_PER_GB = 0.1;
const INCREMENTAL_MINIMUM_BYTES = 10 * 1024 ** 2;

/**
 * Prices a catch-up. Incremental exports are billed per GB of data changed in the window, which the
 * plan cannot know, so it gives the price per GB, the minimum (10 MB per export) and, for a
 * provisioned table, the ceiling its write capacity sets.
 */
export function estimateCatchUp(input: {
  windows: number;
  hours: number;
  provisionedWcu?: number;
}): CatchUpEstimate {
  const maximumGb =
    input.provisionedWcu === undefined ? undefined : (input.provisionedWcu * 3600 * input.hours * 1024) / GB;
  return {
    windows: input.windows,
    hours: Math.round(input.hours * 10) / 10,
    usdPerGbChanged: INCREMENTAL_USD_PER_GB,
    minimumUsd: Math.max(
      0.01,
      round2(((input.windows * INCREMENTAL_MINIMUM_BYTES) / GB) * INCREMENTAL_USD_PER_GB),
    ),
    ...(maximumGb === undefined ? {} : { maximumUsd: round2(maximumGb * INCREMENTAL_USD_PER_GB) }),
  };
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}
