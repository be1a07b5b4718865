import { fromDynamoJson, toDynamoJson } from '@ddb-migrate/core';
import type { SegmentCursor, VerifySummary } from '../types.js';

/** Bump when the checkpoint's shape changes; an older or newer one is refused, never misread. */
export const CHECKPOINT_VERSION = 1;

/**
 * What a worker keeps between the invocations of one range (`checkpoints/<range>.json`): the
 * segments left with their cursors, the counts so far, and the report parts written so far. Written
 * only at the end of an invocation, when everything scanned up to the cursors has been compared
 * and reported, so a retried invocation starts again from a consistent point.
 */
export interface RangeCheckpoint {
  version: number;
  totalSegments: number;
  invocations: number;
  done: boolean;
  pending: { segment: number; cursor?: SegmentCursor }[];
  /** Counts of the invocations so far (absent before the first one ends). */
  summary?: VerifySummary;
  /** Report parts (NDJSON keys) of the invocations so far, in order. */
  parts: string[];
}

/** A range summary as written to `reports/<range>.summary.json`: the summary and its NDJSON parts. */
export interface RangeSummary extends VerifySummary {
  reportParts: string[];
}

interface StoredCursor {
  sourceKey?: Record<string, unknown>;
  targetKey?: Record<string, unknown>;
  sourceDone: boolean;
  targetDone: boolean;
}

/** The checkpoint as JSON text; cursor keys as DynamoDB JSON (binary as base64). */
export function encodeCheckpoint(checkpoint: RangeCheckpoint): string {
  return `${JSON.stringify({
    ...checkpoint,
    pending: checkpoint.pending.map(({ segment, cursor }) => ({
      segment,
      ...(cursor
        ? {
            cursor: {
              ...(cursor.sourceKey ? { sourceKey: toDynamoJson(cursor.sourceKey) } : {}),
              ...(cursor.targetKey ? { targetKey: toDynamoJson(cursor.targetKey) } : {}),
              sourceDone: cursor.sourceDone,
              targetDone: cursor.targetDone,
            },
          }
        : {}),
    })),
  })}\n`;
}

/** Parses {@link encodeCheckpoint}'s text; throws on another version or a malformed file. */
export function decodeCheckpoint(text: string, where: string): RangeCheckpoint {
  const raw = JSON.parse(text) as Omit<RangeCheckpoint, 'pending'> & {
    pending: { segment: number; cursor?: StoredCursor }[];
  };
  if (raw.version !== CHECKPOINT_VERSION || !Array.isArray(raw.pending) || !Array.isArray(raw.parts)) {
    throw new Error(`${where} is not a version ${CHECKPOINT_VERSION} verify checkpoint`);
  }
  return {
    ...raw,
    pending: raw.pending.map(({ segment, cursor }) => ({
      segment,
      ...(cursor
        ? {
            cursor: {
              ...(cursor.sourceKey ? { sourceKey: fromDynamoJson(cursor.sourceKey) } : {}),
              ...(cursor.targetKey ? { targetKey: fromDynamoJson(cursor.targetKey) } : {}),
              sourceDone: cursor.sourceDone,
              targetDone: cursor.targetDone,
            },
          }
        : {}),
    })),
  };
}
