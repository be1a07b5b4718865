import { execFile } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { unzipSync } from 'fflate';
import { beforeAll, describe, expect, it } from 'vitest';

const packageRoot = join(import.meta.dirname, '..');
const zipPath = join(packageRoot, 'dist', 'function.zip');

describe('dist/function.zip', () => {
  let entries: Record<string, Uint8Array>;

  beforeAll(async () => {
    // Always rebuild, so the artifact under test is the current source's.
    await promisify(execFile)(process.execPath, [join(packageRoot, 'scripts', 'build.mjs')], {
      cwd: packageRoot,
    });
    entries = unzipSync(new Uint8Array(await readFile(zipPath)));
  }, 120_000);

  it('contains index.mjs and its source map only', () => {
    expect(Object.keys(entries).sort()).toEqual(['index.mjs', 'index.mjs.map']);
  });

  it('exports a handler that loads without node_modules and answers an empty batch', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cdc-artifact-'));
    await writeFile(join(dir, 'index.mjs'), entries['index.mjs'] as Uint8Array);
    Object.assign(process.env, {
      TARGET_DYNAMODB_TABLE_NAME: 'target',
      TARGET_REGION: 'us-east-1',
      TARGET_AWS_ACCOUNT_NUMBER: '222222222222',
      SQS_QUEUE_URL_FOR_FAILED_EVENTS: 'http://127.0.0.1:9/queue/dlq',
      EXPORT_TIME: '2024-05-01 12:34:56+0000',
      POWERTOOLS_DEV: 'false',
      POWERTOOLS_LOG_LEVEL: 'ERROR',
    });
    const mod = (await import(pathToFileURL(join(dir, 'index.mjs')).href)) as {
      handler: (event: unknown, context: unknown) => Promise<unknown>;
    };
    expect(typeof mod.handler).toBe('function');
    const response = await mod.handler({ Records: [] }, { getRemainingTimeInMillis: () => 30_000 });
    expect(response).toEqual({ batchItemFailures: [] });
  });

  it('fails the cold start naming a missing variable', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cdc-artifact-'));
    await writeFile(join(dir, 'index.mjs'), entries['index.mjs'] as Uint8Array);
    const saved = process.env.TARGET_REGION;
    delete process.env.TARGET_REGION;
    try {
      await expect(import(pathToFileURL(join(dir, 'index.mjs')).href)).rejects.toThrow(/TARGET_REGION/);
    } finally {
      if (saved !== undefined) process.env.TARGET_REGION = saved;
    }
  });

  it('is byte-for-byte reproducible', async () => {
    const first = await readFile(zipPath);
    await promisify(execFile)(process.execPath, [join(packageRoot, 'scripts', 'build.mjs')], {
      cwd: packageRoot,
    });
    expect(Buffer.compare(first, await readFile(zipPath))).toBe(0);
  }, 120_000);
});
