import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { canonicalKey, extractKey, type Item, itemSizeBytes } from '@ddb-migrate/core';
import { callAws, capacityUnits, estimatedReadUnits, payCapacity } from './aws-call.js';
import { classify, type EngineContext } from './engine-context.js';
import { BATCH_GET_LIMIT, readItems } from './read-items.js';
import type { SegmentCursor, TableSide } from './types.js';
import { SegmentWindow, type SideName } from './segment-window.js';
import type { UnmatchedBuffer } from './unmatched-buffer.js';

/**
 * Compares segment `segment` of the source with segment `segment` of the target.
 *
 * Both segments are scanned at the same time (eventually consistent). An item whose key the other
 * side has already produced is compared at once; otherwise it waits in that side's
 * {@link UnmatchedBuffer} (spilled to disk past the window). When both scans end, what is left was
 * not in the other table's same-numbered segment (rare: moto and, in practice, AWS put a key in the
 * same segment of both tables, but AWS does not document it) and is confirmed with point reads:
 * - a leftover source item: BatchGetItem on the target; found -> compared, absent -> suspect missing;
 * - a leftover target item: BatchGetItem on the source; absent -> suspect extra; found -> nothing
 *   here, because the source scan holds that key in another segment (or further on in this one) and
 *   compares it there.
 *
 * Stopping and resuming: when `ctx.shouldStop()` turns true, each side stops after the page it is on
 * and the leftovers are resolved as above, so everything scanned so far is accounted for. The result
 * is where each side stopped; a later call with that `cursor` scans on from there. Resolving the
 * leftovers early is correct for the same reason as at the end: a source item is compared by point
 * read now, and its target item, scanned later, finds the source item present and is skipped; a
 * target item whose source item comes later is compared when that source item is a leftover.
 *
 * @returns undefined when the segment is done on both sides, else the cursor to resume from.
 */
export async function compareSegment(
  ctx: EngineContext,
  segment: number,
  cursor?: SegmentCursor,
): Promise<SegmentCursor | undefined> {
  const window = new SegmentWindow(ctx.windowItems, ctx.spillDir, ctx.windowBytes);
  const position: SegmentCursor = {
    sourceDone: cursor?.sourceDone ?? false,
    targetDone: cursor?.targetDone ?? false,
    ...(cursor?.sourceKey ? { sourceKey: cursor.sourceKey } : {}),
    ...(cursor?.targetKey ? { targetKey: cursor.targetKey } : {}),
  };
  try {
    await Promise.all(
      (['source', 'target'] as const).map(async (side) => {
        if (position[`${side}Done`]) return;
        for await (const page of scanSegment(ctx, side, segment, position[`${side}Key`])) {
          for (const item of page.items) {
            const counterpart = window.match(side, canonicalKey(item, ctx.keyNames), item);
            if (counterpart === undefined) continue;
            const [source, target] = side === 'source' ? [item, counterpart] : [counterpart, item];
            await compareScanned(ctx, source, target);
          }
          await window.bound();
          ctx.progress();
          if (page.lastEvaluatedKey === undefined) {
            position[`${side}Done`] = true;
            delete position[`${side}Key`];
          } else {
            position[`${side}Key`] = page.lastEvaluatedKey;
            if (ctx.shouldStop()) break;
          }
        }
      }),
    );
    ctx.counts.spilled += window.spilled;
    await resolveLeftovers(ctx, window.source, 'source');
    await resolveLeftovers(ctx, window.target, 'target');
  } finally {
    await window.dispose();
  }
  return position.sourceDone && position.targetDone ? undefined : position;
}

async function compareScanned(ctx: EngineContext, source: Item, target: Item): Promise<void> {
  const suspect = classify(extractKey(source, ctx.keyNames), source, target, ctx.showValues);
  if (suspect === undefined) ctx.counts.matched++;
  else await ctx.suspect(suspect);
}

async function resolveLeftovers(ctx: EngineContext, buffer: UnmatchedBuffer, side: SideName): Promise<void> {
  const otherSide: TableSide = side === 'source' ? ctx.target : ctx.source;
  for await (const chunk of buffer.drain(BATCH_GET_LIMIT)) {
    const keys = chunk.map((item) => extractKey(item, ctx.keyNames));
    ctx.counts.pointReads += chunk.length;
    const read = await readItems(otherSide, keys, ctx.keyNames, { consistent: false, policy: ctx.policy });
    ctx.consumed[side === 'source' ? 'target' : 'source'] += read.consumedRcu;
    for (let i = 0; i < chunk.length; i++) {
      const item = chunk[i]!;
      const key = keys[i]!;
      const found = read.items.get(canonicalKey(key, ctx.keyNames));
      if (side === 'source') {
        const suspect = classify(key, item, found, ctx.showValues);
        if (suspect === undefined) ctx.counts.matched++;
        else await ctx.suspect(suspect);
      } else if (found === undefined) {
        await ctx.suspect(classify(key, undefined, item, ctx.showValues)!);
      }
      // A target item whose key the source holds is compared by the source scan's owner of that key.
    }
  }
}

/** Pages of one segment of one side (eventually consistent) from `startKey`, paced by the side's RCU cap. */
async function* scanSegment(
  ctx: EngineContext,
  side: SideName,
  segment: number,
  startKey: Item | undefined,
): AsyncGenerator<{ items: Item[]; lastEvaluatedKey: Item | undefined }> {
  const table = ctx[side];
  let exclusiveStartKey: Item | undefined = startKey;
  do {
    const out = await callAws('Scan', ctx.policy, () =>
      table.client.send(
        new ScanCommand({
          TableName: table.tableName,
          Segment: segment,
          TotalSegments: ctx.totalSegments,
          ExclusiveStartKey: exclusiveStartKey,
          ReturnConsumedCapacity: 'TOTAL',
        }),
      ),
    );
    const items = (out.Items ?? []) as Item[];
    const reported = capacityUnits(out.ConsumedCapacity);
    ctx.consumed[side] += reported;
    if (side === 'source') ctx.counts.sourceScanned += items.length;
    else ctx.counts.targetScanned += items.length;
    if (table.rcuBucket) {
      // moto reports made-up capacity (1.0 per Scan page); pace on the larger of reported and estimated.
      const estimated = estimatedReadUnits(items.reduce((sum, item) => sum + itemSizeBytes(item), 0));
      await payCapacity(table.rcuBucket, Math.max(reported, estimated), ctx.policy.signal);
    }
    exclusiveStartKey = out.LastEvaluatedKey as Item | undefined;
    yield { items, lastEvaluatedKey: exclusiveStartKey };
  } while (exclusiveStartKey !== undefined);
}
