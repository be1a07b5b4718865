import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Item, Logger, TokenBucket } from '@ddb-migrate/core';

/** The three ways two tables can disagree about one key. */
export type DifferenceKind = 'missing_in_target' | 'extra_in_target' | 'different';

/** One confirmed difference (a line of the NDJSON report). Differences are data, not exceptions. */
export interface Difference {
  kind: DifferenceKind;
  /** The item's primary key (raw AttributeValues). */
  key: Item;
  /** Top-level attribute names that differ (every attribute of the present side for missing/extra). */
  attributes: string[];
  /** The items as last read (only kept when `showValues` is set). */
  source?: Item;
  target?: Item;
  /** Set with `repair`: the target now holds the source's current item (or the extra is gone). */
  repaired?: boolean;
}

/** One side of the comparison: a client and a table name. */
export interface TableSide {
  client: DynamoDBClient;
  tableName: string;
  /** Read-capacity cap for this side (RCU/s); undefined = no cap. */
  rcuBucket?: TokenBucket;
}

/**
 * Where a segment pair stopped ({@link ResumableVerifyOptions.shouldStop}): per side, the
 * LastEvaluatedKey of the last page compared (absent = from the start) or done. Everything scanned
 * before it has been compared, re-checked and reported.
 */
export interface SegmentCursor {
  sourceKey?: Item;
  targetKey?: Item;
  sourceDone: boolean;
  targetDone: boolean;
}

/** Scanned/read progress, reported while the verify runs. */
export interface VerifyProgress {
  sourceScanned: number;
  targetScanned: number;
  segmentsDone: number;
  segmentsTotal: number;
  /** Items expected per side: DescribeTable ItemCount (refreshed about every 6 h on AWS) x share of segments. */
  sourceExpected: number;
  targetExpected: number;
}

/** Options of {@link verifyTables}. */
export interface VerifyOptions {
  source: TableSide;
  target: TableSide;
  /**
   * TotalSegments for both scans. Default: one per GiB of the larger table (one per 250k items when
   * the size is not reported), at least 4, at most 256.
   */
  totalSegments?: number;
  /** Inclusive range of segments this run scans (several machines split one verify). Default all. */
  segmentRange?: { first: number; last: number };
  /** Scan only this fraction (0, 1] of the segments (evenly spread). Default 1. */
  sample?: number;
  /** Segment pairs scanned at the same time. Default min(segments, 16). */
  concurrency?: number;
  /**
   * Seconds to wait before the first consistent re-read of a suspected difference; each later wait
   * doubles, capped at max(this, 30 s). Default 2.
   */
  recheckDelaySeconds?: number;
  /**
   * How many consistent re-checks a suspect gets before it is reported. 0 = report suspects as is.
   * Default 5: with the default delay a suspect is reported after about 60 s (2+4+8+16+30 s) of
   * disagreeing, which covers ordinary event source mapping lag.
   */
  recheckAttempts?: number;
  /** Attempts per AWS call on throttles and transient faults (full-jitter backoff). Default 8. */
  maxAttempts?: number;
  /** Bytes (DynamoDB item size) of suspects the re-check queue holds before scans wait. Default 32 MiB. */
  recheckBytes?: number;
  /** Write the source's current item to the target (or delete the extra) for confirmed differences. */
  repair?: boolean;
  /** Keep item values in the differences (never logged). */
  showValues?: boolean;
  /** Called once per confirmed difference, in no particular order. */
  onDifference?: (difference: Difference) => void | Promise<void>;
  onProgress?: (progress: VerifyProgress) => void;
  /** Unmatched items a segment pair keeps in memory before spilling to disk. Default 20,000. */
  windowItems?: number;
  /** Bytes (DynamoDB item size) of unmatched items a segment pair keeps in memory before spilling. Default 16 MiB. */
  windowBytes?: number;
  /** Directory for spill files. Default os.tmpdir(). */
  spillDir?: string;
  logger?: Logger;
  signal?: AbortSignal;
  /** Clock/sleep, injectable for tests. */
  sleep?: (ms: number) => Promise<void>;
}

/**
 * Options of {@link verifyTablesResumable}: a verify that can stop at a time budget and go on later
 * from per-segment cursors (the Distributed Map worker's seam).
 */
export interface ResumableVerifyOptions extends Omit<VerifyOptions, 'segmentRange' | 'sample'> {
  totalSegments: number;
  /** The segments to work on (each compared from its `resume` cursor, or from the start). */
  segments: number[];
  /** Cursors of segments a previous run stopped in. */
  resume?: Record<number, SegmentCursor>;
  /**
   * Polled before each segment and after each page: once true, no new segment starts, each segment
   * pair stops after its current page, leftovers are resolved and suspects re-checked as usual, and
   * the run returns what is left. Leave time for the re-checks (their delays) after it turns true.
   */
  shouldStop?: () => boolean;
}

/** What {@link verifyTablesResumable} did and what is left. */
export interface ResumableVerifyResult {
  /** Counts of this run; `segments` are the segments it finished. */
  summary: VerifySummary;
  /** Segments not finished: their cursor, or undefined when not started. */
  pending: { segment: number; cursor?: SegmentCursor }[];
}

/** Counters of one verify run; summed by `mergeSummaries`. */
export interface VerifyCounts {
  sourceScanned: number;
  targetScanned: number;
  /** Keys compared and found equal (in a scan window, by point read or after a re-check). */
  matched: number;
  missingInTarget: number;
  extraInTarget: number;
  different: number;
  /** Suspected differences that were re-read with consistent reads. */
  rechecked: number;
  /** Suspects that a re-check cleared (replication lag). */
  resolvedByRecheck: number;
  /** Items left unmatched by their segment pair and confirmed with point reads. */
  pointReads: number;
  /** Unmatched items written to a spill file. */
  spilled: number;
  repaired: number;
  repairFailed: number;
  /** AWS calls answered with a throttling error (ProvisionedThroughputExceeded, Throttling...), then retried. */
  throttles: number;
  /** AWS calls re-sent after a throttle or a transient fault (5xx, timeout, reset connection). */
  retries: number;
  /** Keys BatchGetItem returned as UnprocessedKeys and asked for again. */
  unprocessedKeys: number;
}

/** The result of a verify run (or of merged runs). */
export interface VerifySummary extends VerifyCounts {
  sourceTable: string;
  targetTable: string;
  totalSegments: number;
  /** The segments this run scanned (sorted). */
  segments: number[];
  /** True when the segments cover 0..totalSegments-1. */
  complete: boolean;
  /**
   * When the scans started (ISO 8601; the earliest of merged runs). A scan is not a snapshot: a key
   * written after this is covered by CDC and a later verify, and an item created in the source while
   * the scan ran may not be compared at all. Absent in summaries of older versions.
   */
  startedAt?: string;
  /** Read capacity consumed, as reported by the service (ReturnConsumedCapacity TOTAL). */
  consumedRcu: { source: number; target: number };
  durationMs: number;
  /** missingInTarget + extraInTarget + different (confirmed, whether repaired or not). */
  differences: number;
  /** Differences not repaired (all of them without `repair`). */
  remaining: number;
  /** True when no difference was found. */
  identical: boolean;
}
