import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { MigrationKey, MigrationState } from '../src/state/migration-state.js';
import { StateStore } from '../src/state/state-store.js';

const key = (source: string, target: string): MigrationKey => ({
  sourceAccountId: '111111111111',
  sourceRegion: 'eu-west-1',
  sourceTableName: source,
  targetAccountId: '222222222222',
  targetRegion: 'ap-southeast-2',
  targetTableName: target,
});

const state = (k: MigrationKey): MigrationState => ({
  version: 1,
  key: k,
  runId: 'r1',
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
  loadMode: 'import',
  cdcMode: 'local',
});

describe('StateStore file names', () => {
  it('keeps the readable name of every key whose state could be saved before (existing state is found)', () => {
    expect(StateStore.fileName(key('orders', 'orders-copy'))).toBe(
      '111111111111.eu-west-1.orders--222222222222.ap-southeast-2.orders-copy.json',
    );
    // The longest name whose temporary file (21 more characters) fits in 255.
    const long = key('a'.repeat(90), 'b'.repeat(86));
    expect(StateStore.fileName(long)).toBe(
      `111111111111.eu-west-1.${'a'.repeat(90)}--222222222222.ap-southeast-2.${'b'.repeat(86)}.json`,
    );
    expect(StateStore.fileName(long).length).toBe(234);
    expect(StateStore.fileName(key('a'.repeat(90), 'b'.repeat(87)))).toMatch(/\+[0-9a-f]{24}\.json$/);
  });

  it('shortens names of 255-character tables with a hash, distinct for keys that share their first characters', () => {
    const a = key(`${'s'.repeat(250)}-1`, 't'.repeat(255));
    const b = key(`${'s'.repeat(250)}-2`, 't'.repeat(255));
    const name = StateStore.fileName(a);
    expect(name.length + '.4194304.ffffffff.tmp'.length).toBeLessThanOrEqual(255);
    expect(name).toMatch(
      /^111111111111\.eu-west-1\.s{40}--222222222222\.ap-southeast-2\.t{40}\+[0-9a-f]{24}\.json$/,
    );
    expect(StateStore.fileName(b)).not.toBe(name);
    expect(StateStore.fileName(a)).toBe(name);
    const checkpoint = StateStore.checkpointFileName(a);
    expect(checkpoint).toMatch(/\.cdc-checkpoint\.json$/);
    expect(checkpoint.length + '.lease.00000000-0000-0000-0000-000000000000.tmp'.length).toBeLessThanOrEqual(
      255,
    );
  });

  it('gives every checkpoint a name its lease fits next to, also for the longest readable state names', () => {
    const long = key('a'.repeat(90), 'b'.repeat(86));
    const checkpoint = StateStore.checkpointFileName(long);
    expect(StateStore.fitsCheckpoint(join('/state', checkpoint))).toBe(true);
    expect(checkpoint).toMatch(/\+[0-9a-f]{24}\.cdc-checkpoint\.json$/);
    expect(StateStore.checkpointFileName(key('orders', 'copy'))).toBe(
      '111111111111.eu-west-1.orders--222222222222.ap-southeast-2.copy.cdc-checkpoint.json',
    );
  });

  it('saves, loads and lists the state of a migration between two 255-character tables', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ddb-migrate-names-'));
    const store = new StateStore(dir);
    const k = key('x'.repeat(255), 'y'.repeat(255));
    await store.save(state(k));
    expect(await store.load(k)).toMatchObject({ key: k, runId: 'r1' });
    expect((await store.list()).map((s) => s.key)).toEqual([k]);
    expect(readdirSync(dir)).toEqual([StateStore.fileName(k)]);
  });
});
