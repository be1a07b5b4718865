import type { Item } from '@ddb-migrate/core';
import { describe, expect, it } from 'vitest';
import { defaultCallPolicy } from '../src/aws-call.js';
import { type EngineContext, emptyCounts, type Suspect } from '../src/engine-context.js';
import { RecheckQueue } from '../src/recheck-queue.js';
import type { Difference, TableSide } from '../src/types.js';
import { fakeTable } from './fake-table.js';

const v = (value: string): Item => ({ pk: { S: 'k' }, v: { S: value } });

function context(source: TableSide, target: TableSide): EngineContext {
  return {
    source,
    target,
    keyNames: { partitionKey: 'pk' },
    policy: defaultCallPolicy({ sleep: async () => {} }),
    counts: emptyCounts(),
    consumed: { source: 0, target: 0 },
    showValues: false,
  } as unknown as EngineContext;
}

async function repairOne(ctx: EngineContext, suspect: Suspect): Promise<Difference[]> {
  const found: Difference[] = [];
  const queue = new RecheckQueue(ctx, {
    delayMs: 0,
    attempts: 0,
    repair: true,
    capacity: 10,
    onDifference: (d) => {
      found.push(d);
    },
  });
  await queue.add(suspect);
  await queue.drain();
  return found;
}

describe('verify --repair against live CDC', () => {
  it('never overwrites a newer CDC write with the source image it read before that write', async () => {
    // The target lags at v0; repair reads v1 from the source; then the source moves to v2 and CDC
    // lands v2 on the target, before repair's write. Writing v1 now would leave the target older
    // than CDC had made it, for good (CDC has nothing left to apply for the key).
    let cdcDone = false;
    const target = fakeTable('target', [v('v0')]);
    const source = fakeTable('source', [v('v1')], {
      afterRead: () => {
        if (cdcDone) return;
        cdcDone = true;
        source.store.set('k', v('v2'));
        target.store.set('k', v('v2'));
      },
    });
    const ctx = context(source.side, target.side);

    const found = await repairOne(ctx, { kind: 'different', key: { pk: { S: 'k' } }, attributes: ['v'] });

    expect(target.store.get('k')).toEqual(v('v2'));
    expect(found).toEqual([expect.objectContaining({ kind: 'different', repaired: true })]);
    expect(ctx.counts).toMatchObject({ repaired: 1, repairFailed: 0 });
    // Every read of the source is consistent (a stale eventually consistent read would defeat it).
    expect(source.calls.filter((c) => c.op !== 'PutItem').every((c) => c.consistent)).toBe(true);
  });

  it('deletes an extra only while the source still has no item, and puts it back when the source gets one meanwhile', async () => {
    let created = false;
    const target = fakeTable('target', [v('extra')]);
    const source = fakeTable('source', [], {
      afterRead: () => {
        if (created) return;
        created = true; // the key is created in the source, and CDC lands it, before repair's delete
        source.store.set('k', v('new'));
        target.store.set('k', v('new'));
      },
    });
    const ctx = context(source.side, target.side);

    await repairOne(ctx, { kind: 'extra_in_target', key: { pk: { S: 'k' } }, attributes: ['pk', 'v'] });

    expect(target.store.get('k')).toEqual(v('new'));
    expect(ctx.counts).toMatchObject({ repaired: 1, repairFailed: 0 });
  });

  it('reports a key whose source changes on every read as not repaired', async () => {
    let version = 0;
    const target = fakeTable('target', [v('v0')]);
    const source = fakeTable('source', [v('v0')], {
      // A hot key: every read sees a new version, and CDC delivers each one to the target.
      read: () => {
        version += 1;
        return v(`v${version}`);
      },
      afterRead: () => {
        target.store.set('k', v(`v${version}`));
      },
    });
    const ctx = context(source.side, target.side);

    const found = await repairOne(ctx, { kind: 'different', key: { pk: { S: 'k' } }, attributes: ['v'] });

    expect(found).toEqual([expect.objectContaining({ repaired: false })]);
    expect(ctx.counts).toMatchObject({ repaired: 0, repairFailed: 1 });
  });
});
