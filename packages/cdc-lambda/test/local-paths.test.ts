import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '@ddb-migrate/core';
import { describe, expect, it } from 'vitest';
import { CheckpointStore } from '../src/runner/checkpoint-store.js';
import { acquireRunnerLease } from '../src/runner/runner-lease.js';

const STREAM_ARN = 'arn:aws:dynamodb:us-east-1:123456789012:table/t/stream/2024-01-01T00:00:00.000';

/** A checkpoint directory that is a regular file, as a user may pass by mistake. */
async function fileInsteadOfDirectory(): Promise<string> {
  const path = join(await mkdtemp(join(tmpdir(), 'cdc-paths-')), 'state');
  await writeFile(path, 'not a directory');
  return path;
}

describe('a checkpoint directory that is a file is bad input naming the file, not a raw ENOTDIR', () => {
  it('when the checkpoint is opened', async () => {
    const dir = await fileInsteadOfDirectory();
    const error = await CheckpointStore.open(join(dir, 'cdc.json'), STREAM_ARN).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({
      code: 'LOCAL_PATH_INVALID',
      message: expect.stringContaining(`${dir} is a file, not a directory`),
      hint: expect.stringContaining(`Move ${dir} away`),
    });
  });

  it('when the runner lease is taken', async () => {
    const dir = await fileInsteadOfDirectory();
    const error = await acquireRunnerLease({ path: join(dir, 'cdc.json.lease') }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({ code: 'LOCAL_PATH_INVALID' });
  });
});
