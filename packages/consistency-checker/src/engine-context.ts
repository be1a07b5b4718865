import { diffItemAttributes, type Item, type KeyNames } from '@ddb-migrate/core';
import type { CallPolicy } from './aws-call.js';
import type { DifferenceKind, TableSide, VerifyCounts } from './types.js';

/** A difference seen once, not yet confirmed by a consistent re-read. */
export interface Suspect {
  kind: DifferenceKind;
  key: Item;
  attributes: string[];
  /** The items as read (kept only with showValues, or for repair). */
  source?: Item;
  target?: Item;
}

/** Everything a segment pair and the re-check queue share during one run. */
export interface EngineContext {
  source: TableSide;
  target: TableSide;
  keyNames: KeyNames;
  totalSegments: number;
  policy: CallPolicy;
  counts: VerifyCounts;
  consumed: { source: number; target: number };
  windowItems: number;
  windowBytes: number;
  spillDir?: string;
  showValues: boolean;
  /** Hands a suspect to the re-check queue; resolves when there is room (backpressure). */
  suspect(suspect: Suspect): Promise<void>;
  /** Called after each scanned page. */
  progress(): void;
  /** True once the run should stop at the next page boundary (a time budget); see compareSegment. */
  shouldStop(): boolean;
}

/** Zeroed counters. */
export function emptyCounts(): VerifyCounts {
  return {
    sourceScanned: 0,
    targetScanned: 0,
    matched: 0,
    missingInTarget: 0,
    extraInTarget: 0,
    different: 0,
    rechecked: 0,
    resolvedByRecheck: 0,
    pointReads: 0,
    spilled: 0,
    repaired: 0,
    repairFailed: 0,
    throttles: 0,
    retries: 0,
    unprocessedKeys: 0,
  };
}

/**
 * Classifies one key from what each side holds: undefined when they agree (both absent, or equal),
 * else the suspect (attribute names only; values only when `keepValues`).
 */
export function classify(
  key: Item,
  source: Item | undefined,
  target: Item | undefined,
  keepValues: boolean,
): Suspect | undefined {
  if (source === undefined && target === undefined) return undefined;
  let kind: DifferenceKind;
  let attributes: string[];
  if (target === undefined) {
    kind = 'missing_in_target';
    attributes = Object.keys(source as Item).sort();
  } else if (source === undefined) {
    kind = 'extra_in_target';
    attributes = Object.keys(target).sort();
  } else {
    attributes = diffItemAttributes(source, target);
    if (attributes.length === 0) return undefined;
    kind = 'different';
  }
  const suspect: Suspect = { kind, key, attributes };
  if (keepValues) {
    if (source) suspect.source = source;
    if (target) suspect.target = target;
  }
  return suspect;
}
