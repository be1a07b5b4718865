import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { unzipSync } from 'fflate';
import { beforeAll, describe, expect, it } from 'vitest';
import type { VerifySummary } from '../src/index.js';

const packageRoot = join(import.meta.dirname, '..');
const zipPath = join(packageRoot, 'dist', 'worker.zip');
const build = () =>
  promisify(execFile)(process.execPath, [join(packageRoot, 'scripts', 'build-worker.mjs')], {
    cwd: packageRoot,
  });

function rangeSummary(segments: number[], differences: number): VerifySummary & { reportParts: string[] } {
  return {
    sourceTable: 'orders',
    targetTable: 'orders',
    totalSegments: 4,
    segments,
    complete: false,
    startedAt: '2024-05-01T00:00:00.000Z',
    sourceScanned: 10,
    targetScanned: 10,
    matched: 10 - differences,
    missingInTarget: differences,
    extraInTarget: 0,
    different: 0,
    rechecked: differences,
    resolvedByRecheck: 0,
    pointReads: 0,
    spilled: 0,
    repaired: 0,
    repairFailed: 0,
    throttles: 0,
    retries: 0,
    unprocessedKeys: 0,
    consumedRcu: { source: 1, target: 1 },
    durationMs: 100,
    differences,
    remaining: differences,
    identical: differences === 0,
    reportParts: differences ? [`parts/r${segments[0]}.ndjson`] : [],
  };
}

describe('dist/worker.zip', () => {
  let entries: Record<string, Uint8Array>;
  let mod: {
    handler: (event: unknown, context: unknown) => Promise<unknown>;
    merge: (event: unknown) => Promise<Record<string, unknown>>;
    load: (event: unknown, context: unknown) => Promise<unknown>;
    loadMerge: (event: unknown) => Promise<Record<string, unknown>>;
  };

  beforeAll(async () => {
    // Always rebuild, so the artifact under test is the current source's.
    await build();
    entries = unzipSync(new Uint8Array(await readFile(zipPath)));
    const dir = await mkdtemp(join(tmpdir(), 'verify-artifact-'));
    await writeFile(join(dir, 'index.mjs'), entries['index.mjs'] as Uint8Array);
    Object.assign(process.env, { AWS_REGION: 'us-east-1', POWERTOOLS_LOG_LEVEL: 'ERROR' });
    mod = await import(pathToFileURL(join(dir, 'index.mjs')).href);
  }, 120_000);

  it('contains index.mjs and its source map only', () => {
    expect(Object.keys(entries).sort()).toEqual(['index.mjs', 'index.mjs.map']);
  });

  it('loads without node_modules and exports the worker (index.handler) and the merge step (index.merge)', () => {
    expect(typeof mod.handler).toBe('function');
    expect(typeof mod.merge).toBe('function');
  });

  it('exports the load worker (index.load) and its merge step (index.loadMerge) from the same zip', async () => {
    expect(typeof mod.load).toBe('function');
    await expect(
      mod.load({ job: { workUrl: 's3://b/p/', exportBucket: 'e' } }, { getRemainingTimeInMillis: () => 1 }),
    ).rejects.toThrow(/job\.target\.tableName is missing/);
    const work = await mkdtemp(join(tmpdir(), 'load-work-'));
    await mkdir(join(work, 'load', 'batches'), { recursive: true });
    for (const [id, items] of [
      ['f0000000', 7],
      ['f0000001', 5],
    ] as const) {
      await writeFile(
        join(work, 'load', 'batches', `${id}.summary.json`),
        JSON.stringify({
          batch: id,
          files: 1,
          items,
          calls: 1,
          retries: 0,
          throttles: 0,
          failedItems: 0,
          failedFiles: [],
          invocations: 1,
        }),
      );
    }

    const out = await mod.loadMerge({ job: { workUrl: pathToFileURL(work).href } });

    expect(out).toMatchObject({ batches: 2, files: 2, items: 12, failedItems: 0, failedFiles: 0 });
    expect(out.summaryUrl).toBe(join(work, 'load', 'summary.json'));
  });

  it('refuses a malformed event naming the field, before any AWS call', async () => {
    await expect(
      mod.handler({ job: { workUrl: 's3://b/p/' } }, { getRemainingTimeInMillis: () => 1 }),
    ).rejects.toThrow(/job\.source\.tableName is missing/);
  });

  it("merges range summaries with verify merge's rules (here from a local work directory)", async () => {
    const work = await mkdtemp(join(tmpdir(), 'verify-work-'));
    await mkdir(join(work, 'reports'));
    await writeFile(
      join(work, 'reports', 'r0000000-0000001.summary.json'),
      JSON.stringify(rangeSummary([0, 1], 2)),
    );
    await writeFile(
      join(work, 'reports', 'r0000002-0000003.summary.json'),
      JSON.stringify(rangeSummary([2, 3], 0)),
    );

    const out = await mod.merge({ job: { workUrl: pathToFileURL(work).href } });

    expect(out).toEqual({
      summaryUrl: join(work, 'summary.json'),
      ranges: 2,
      identical: false,
      complete: true,
      differences: 2,
      remaining: 2,
      sourceScanned: 20,
      targetScanned: 20,
    });
    const merged = JSON.parse(await readFile(join(work, 'summary.json'), 'utf8'));
    expect(merged).toMatchObject({ segments: [0, 1, 2, 3], matched: 18, reportParts: ['parts/r0.ndjson'] });
  });

  it('is byte-for-byte reproducible', async () => {
    const first = await readFile(zipPath);
    await build();
    expect(Buffer.compare(first, await readFile(zipPath))).toBe(0);
  }, 120_000);
});
