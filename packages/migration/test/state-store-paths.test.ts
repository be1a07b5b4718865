import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '@ddb-migrate/core';
import { describe, expect, it } from 'vitest';
import type { MigrationKey } from '../src/state/migration-state.js';
import { StateStore } from '../src/state/state-store.js';

const key: MigrationKey = {
  sourceAccountId: '123456789012',
  sourceRegion: 'us-east-1',
  sourceTableName: 'orders',
  targetAccountId: '222222222222',
  targetRegion: 'us-east-1',
  targetTableName: 'orders',
};

async function scratch(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'state-paths-'));
}

describe('a state dir or state file the user must fix is bad input (ConfigError), not a raw Node error', () => {
  it('a state dir that is a file: load, list and save name the file and --state-dir', async () => {
    const dir = join(await scratch(), 'state');
    await writeFile(dir, 'x');
    const store = new StateStore(dir);
    for (const call of [() => store.load(key), () => store.list(), () => store.save({ key } as never)]) {
      const error = await call().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConfigError);
      expect(error).toMatchObject({
        code: 'LOCAL_PATH_INVALID',
        message: `State dir ${dir}: ${dir} is a file, not a directory`,
        hint: `Move ${dir} away or pass --state-dir another directory`,
      });
    }
  });

  it('a state file that is not JSON, or of another format version, is STATE_UNREADABLE and says which', async () => {
    const dir = await scratch();
    const store = new StateStore(dir);
    await writeFile(store.pathFor(key), '{"version":');
    await expect(store.load(key)).rejects.toThrow(ConfigError);
    await expect(store.load(key)).rejects.toMatchObject({
      code: 'STATE_UNREADABLE',
      message: expect.stringContaining('(not valid JSON)'),
      hint: expect.stringContaining('Move the file away'),
    });
    await writeFile(store.pathFor(key), '{"version":7}');
    await expect(store.load(key)).rejects.toMatchObject({
      message: expect.stringContaining('format version 7'),
    });
  });
});
