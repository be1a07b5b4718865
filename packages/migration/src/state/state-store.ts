import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { MigrationError } from '@ddb-migrate/core';
import type { MigrationKey, MigrationState } from './migration-state.js';

/**
 * One JSON file per migration in the state directory. Every save writes a temporary file,
 * fsyncs it and renames it over the old one, so a crash at any point leaves either the previous
 * or the new state, never a torn file.
 */
export class StateStore {
  constructor(readonly dir: string) {}

  /** File name for a key: readable, and unique per (source, target) pair. */
  static fileName(key: MigrationKey): string {
    const part = (account: string, region: string, table: string) => `${account}.${region}.${table}`;
    return `${part(key.sourceAccountId, key.sourceRegion, key.sourceTableName)}--${part(key.targetAccountId, key.targetRegion, key.targetTableName)}.json`;
  }

  pathFor(key: MigrationKey): string {
    return join(this.dir, StateStore.fileName(key));
  }

  /** The saved state for `key`, or undefined. */
  async load(key: MigrationKey): Promise<MigrationState | undefined> {
    return readState(this.pathFor(key));
  }

  /** Writes `state` atomically (stamps updatedAt). */
  async save(state: MigrationState): Promise<void> {
    state.updatedAt = new Date().toISOString();
    await mkdir(this.dir, { recursive: true });
    const target = this.pathFor(state.key);
    const tmp = `${target}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    const handle = await open(tmp, 'w');
    try {
      await handle.writeFile(`${JSON.stringify(state, null, 2)}\n`);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, target);
  }

  /** Every state in the directory (status). */
  async list(): Promise<MigrationState[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const states: MigrationState[] = [];
    for (const name of names
      .filter((n) => n.endsWith('.json') && !n.endsWith('.cdc-checkpoint.json'))
      .sort()) {
      const state = await readState(join(this.dir, name));
      if (state) states.push(state);
    }
    return states;
  }

  /** Removes the state file for `key` (tests and `--restart`). */
  async remove(key: MigrationKey): Promise<void> {
    await rm(this.pathFor(key), { force: true });
  }
}

async function readState(path: string): Promise<MigrationState | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const state = JSON.parse(text) as MigrationState;
    if (state.version !== 1 || !state.key) throw new Error('unknown state version');
    return state;
  } catch (error) {
    throw new MigrationError('STATE_UNREADABLE', `State file ${path} is not a ddb-migrate state`, {
      hint: 'Move the file away to start this migration from scratch',
      cause: error,
    });
  }
}
