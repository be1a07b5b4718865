import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DeleteItemCommand,
  DynamoDBClient,
  PutItemCommand,
  UpdateContinuousBackupsCommand,
} from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { extractKey, type Item, keyNamesFromSchema } from '@ddb-migrate/core';
import {
  applyMigration,
  type MigrationOptions,
  type MigrationState,
  type PlanMigrationInput,
  planMigration,
} from '@ddb-migrate/migration';
import {
  compareTables,
  createBucket,
  createTable,
  generateItems,
  isolatedSides,
  putItems,
  uniqueName,
} from '@ddb-migrate/test-kit';
import { describe, expect, it } from 'vitest';
import {
  incrementalExportModel,
  type ModelledChange,
  type WindowQuirks,
} from './support/incremental-export-model.js';

const HOUR = 3_600_000;
const MINUTE = 60_000;
const MARGIN_MS = 300_000;

/**
 * The changes made to the source after the export's cut-off T, at T + offset: inserts, updates,
 * deletes; keys changed in two windows, twice within one window, in the overlap of two windows,
 * deleted and inserted again. With the windows the engine picks for a load that ends 60 h after T
 * (T-5m..T+23h55m, T+23h50m..T+47h50m, T+47h45m..T+59h45m), every window holds some.
 */
function changeLog(initial: readonly Item[]) {
  const names = { partitionKey: 'pk' };
  const key = (i: number) => extractKey(initial[i] as Item, names);
  const updated = (i: number, v: string): Item => ({
    ...(initial[i] as Item),
    v: { S: v },
    n: { N: `${i}.50` },
  });
  const fresh = (pk: string, v: string): Item => ({
    pk: { S: pk },
    v: { S: v },
    l: { L: [{ B: new Uint8Array([1, 2]) }] },
  });
  const log: { offset: number; key: Item; image?: Item }[] = [
    { offset: 1 * HOUR, key: key(3), image: updated(3, 'w0-first') },
    { offset: 1.5 * HOUR, key: key(3), image: updated(3, 'w0-second') },
    { offset: 2 * HOUR, key: key(0), image: updated(0, 'w0') },
    { offset: 3 * HOUR, key: { pk: { S: 'new-a' } }, image: fresh('new-a', 'w0') },
    { offset: 5 * HOUR, key: key(1) },
    { offset: 10 * HOUR, key: { pk: { S: 'new-b' } }, image: fresh('new-b', 'w0') },
    // In the overlap of the first two windows: in both.
    { offset: 23 * HOUR + 52 * MINUTE, key: key(2), image: updated(2, 'overlap') },
    { offset: 30 * HOUR, key: key(0), image: updated(0, 'w1') },
    { offset: 40 * HOUR, key: { pk: { S: 'new-b' } } },
    { offset: 45 * HOUR, key: key(4) },
    { offset: 50 * HOUR, key: { pk: { S: 'new-a' } }, image: fresh('new-a', 'w2') },
    { offset: 55 * HOUR, key: key(4), image: updated(4, 'back') },
    { offset: 58 * HOUR, key: { pk: { S: 'new-c' } }, image: fresh('new-c', 'w2') },
  ];
  return log;
}

/** A source table with items and PITR, a bucket in the target account, the engine's input, and the model of incremental exports. */
async function fixture(
  options: Partial<MigrationOptions> = {},
  quirks?: (index: number) => WindowQuirks,
  loadEndsAfterHours = 60,
) {
  const sides = isolatedSides();
  const src = new DynamoDBClient(sides.source);
  const tgt = new DynamoDBClient(sides.target);
  const targetS3 = new S3Client({ ...sides.target, forcePathStyle: true });
  const table = uniqueName('src');
  const targetTable = uniqueName('dst');
  await createTable(src, { name: table });
  await src.send(
    new UpdateContinuousBackupsCommand({
      TableName: table,
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    }),
  );
  const initial = generateItems(30, { seed: 5 });
  await putItems(src, table, initial);
  const bucketName = await createBucket(targetS3);
  const stateDir = mkdtempSync(join(tmpdir(), 'ddb-migrate-catch-up-'));
  const log = changeLog(initial);
  const clock = { T: undefined as number | undefined, skew: 30 * HOUR };
  const model = incrementalExportModel({
    real: src,
    targetS3,
    keyNames: keyNamesFromSchema([{ AttributeName: 'pk', KeyType: 'HASH' }]),
    initial: () => initial,
    changes: (): ModelledChange[] =>
      log.map((c) => ({ at: (clock.T ?? 0) + c.offset, key: c.key, ...(c.image ? { image: c.image } : {}) })),
    ...(quirks ? { quirks } : {}),
  });
  const input: PlanMigrationInput = {
    source: { config: sides.source, tableName: table, accountId: sides.sourceAccount },
    target: {
      config: sides.target,
      tableName: targetTable,
      accountId: sides.targetAccount,
      access: { kind: 'assume-role', roleArn: sides.targetRoleArn },
      bucketName,
    },
    options: {
      loadMode: 'write',
      cdcMode: 'local',
      stopAfterIdleSeconds: 1,
      stateDir,
      pollSeconds: 1,
      streamSettleSeconds: 0,
      exportTimeMarginSeconds: MARGIN_MS / 1000,
      ...options,
    },
  };
  let changed = false;
  /**
   * Models time: once the export is recorded, the source changes as the log says (its real stream
   * records carry the real time, long before the moved cut-off, so CDC skips them: only the
   * catch-up brings them); the load runs until T + 30 h, and has ended at T + `loadEndsAfterHours`.
   * The stream's records are not moved in time, so every change of the log must lie inside the
   * catch-up's windows (one after T2 would reach the target from the stream, which this cannot show).
   */
  const observe = async (state: Readonly<MigrationState>) => {
    if (clock.T === undefined && state.export?.status === 'done' && state.export.exportTime)
      clock.T = Date.parse(state.export.exportTime);
    if (clock.T !== undefined && !changed) {
      changed = true;
      for (const c of log) {
        if (c.image) await src.send(new PutItemCommand({ TableName: table, Item: c.image }));
        else await src.send(new DeleteItemCommand({ TableName: table, Key: c.key }));
      }
    }
    if (state.load?.status === 'done') clock.skew = loadEndsAfterHours * HOUR;
  };
  const now = () => (clock.T ?? Date.now()) + clock.skew;
  /** Plans and applies; `onSaved` also gets the catch-up as this run found it (JSON). */
  const run = async (
    onSaved: (state: Readonly<MigrationState>, before: string) => void | Promise<void> = () => {},
  ) => {
    const plan = await planMigration(input, { clients: { sourceDdb: model.client } });
    const before = JSON.stringify(plan.facts.state?.catchUp);
    return applyMigration(plan, {
      clients: { sourceDdb: model.client },
      now,
      onStateSaved: async (state) => {
        await observe(state);
        await onSaved(state, before);
      },
    });
  };
  const diff = async () => {
    const d = await compareTables(src, table, tgt, targetTable);
    return { missing: d.missingInTarget, extra: d.extraInTarget, different: d.different };
  };
  return { model, clock, run, diff, input };
}

class Crash extends Error {}

describe('incremental-export catch-up (moto for tables and S3, a model of incremental exports)', () => {
  it('bridges a load that ended 60 h after the export with three windows (one requested while the load ran), then CDC starts at T2 - margin, and the target equals the source', async () => {
    // Window 0: its response is lost once (the retry with the same ClientToken must return the
    // same export) and lines are not compacted; window 1 is written NEW_IMAGE and polled twice.
    const fx = await fixture({}, (i) =>
      i === 0
        ? { loseFirstResponse: true, uncompacted: true }
        : i === 1
          ? { view: 'NEW_IMAGE', inProgressPolls: 2 }
          : {},
    );
    let requestedDuringLoad = false;
    const result = await fx.run((state) => {
      if (state.load?.status === 'started' && (state.catchUp?.windows.length ?? 0) > 0)
        requestedDuringLoad = true;
    });
    // Windows are whole seconds.
    const T = Math.floor((fx.clock.T as number) / 1000) * 1000;
    const catchUp = result.state.catchUp;
    expect(catchUp?.status).toBe('done');
    const windows = catchUp?.windows ?? [];
    expect(requestedDuringLoad).toBe(true);
    expect(windows.map((w) => [Date.parse(w.from) - T, Date.parse(w.to) - T, w.status])).toEqual([
      [-MARGIN_MS, 24 * HOUR - MARGIN_MS, 'applied'],
      [24 * HOUR - 2 * MARGIN_MS, 48 * HOUR - 2 * MARGIN_MS, 'applied'],
      [48 * HOUR - 3 * MARGIN_MS, 60 * HOUR - 15 * MINUTE, 'applied'],
    ]);
    // One export per window, each with its own token and prefix, though window 0 was sent twice.
    expect(fx.model.exports.map((e) => e.clientToken)).toEqual(windows.map((w) => w.clientToken));
    expect(new Set(windows.map((w) => w.prefix)).size).toBe(3);
    expect(fx.model.exports.map((e) => e.view)).toEqual([
      'NEW_AND_OLD_IMAGES',
      'NEW_IMAGE',
      'NEW_AND_OLD_IMAGES',
    ]);
    // Window 0 held two lines of the same key: the older was skipped.
    expect(windows[0]?.applied).toMatchObject({ files: 4, puts: 5, deletes: 1, superseded: 1 });
    expect(windows[1]?.applied).toMatchObject({ files: 4, puts: 2, deletes: 2 });
    // CDC's cut-off moved to T2 (the handler replays from T2 - margin).
    expect(catchUp?.cdcExportTime).toBe(windows[2]?.to);
    expect(result.state.cdc?.cutoff).toBe(catchUp?.cdcExportTime);
    expect(result.state.completedAt).toBeTruthy();
    expect(await fx.diff()).toEqual({ missing: [], extra: [], different: [] });
  });

  it('a run killed at every catch-up save in turn (each re-run dies at its first one) converges, with never a second export of a window', async () => {
    // Ending at T + 73 h, the re-runs' requests cover the whole log with three full windows.
    const fx = await fixture({}, undefined, 73);
    const crashedAt: string[] = [];
    let result: Awaited<ReturnType<typeof fx.run>> | undefined;
    for (let attempt = 1; attempt < 40 && result === undefined; attempt += 1) {
      let crashed = false;
      try {
        // The first save that changes the catch-up (earlier steps save the state as they found it).
        result = await fx.run((state, before) => {
          if (crashed || !state.catchUp || JSON.stringify(state.catchUp) === before) return;
          crashed = true;
          crashedAt.push(
            state.catchUp.windows.map((w) => `${w.status}${w.exportArn ? '+arn' : ''}`).join(','),
          );
          throw new Crash(`crash at a catch-up save of run ${attempt}`);
        });
      } catch (error) {
        if (!(error instanceof Crash)) throw error;
      }
    }
    const windows = result?.state.catchUp?.windows ?? [];
    expect(result?.state.catchUp?.status, crashedAt.join(' | ')).toBe('done');
    expect(windows.length).toBeGreaterThanOrEqual(2);
    expect(windows.every((w) => w.status === 'applied')).toBe(true);
    // Killed right after the write-ahead record, after the ARN, after COMPLETED and after applying.
    const seen = new Set(crashedAt.flatMap((c) => c.split(',')));
    expect([...seen].sort()).toEqual(['applied+arn', 'exported+arn', 'requested', 'requested+arn']);
    expect(fx.model.exports.map((e) => e.clientToken)).toEqual(windows.map((w) => w.clientToken));
    expect(result?.state.cdc?.cutoff).toBe(windows.at(-1)?.to);
    expect(await fx.diff()).toEqual({ missing: [], extra: [], different: [] });
  });

  it('--catch-up refuse stops before CDC with STREAM_WINDOW_EXCEEDED and requests nothing', async () => {
    const fx = await fixture({ catchUp: 'refuse' });
    await expect(fx.run()).rejects.toMatchObject({ code: 'STREAM_WINDOW_EXCEEDED' });
    expect(fx.model.exports).toEqual([]);
  });
});
