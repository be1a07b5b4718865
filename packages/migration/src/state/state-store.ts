import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { ConfigError, localPathError } from '@ddb-migrate/core';
import type { MigrationKey, MigrationState } from './migration-state.js';

/** The longest file name most file systems take (bytes; every part of a name here is ASCII). */
const NAME_MAX = 255;
/** What {@link StateStore.save} appends for its temporary file: `.<pid>.<8 hex>.tmp` (pid up to 7 digits). */
const SAVE_SUFFIX_LENGTH = '.4194304.ffffffff.tmp'.length;
/** What the CDC runner appends to its checkpoint file at most: `.lease.<uuid>.tmp`. */
const CHECKPOINT_SUFFIX_LENGTH = '.lease.00000000-0000-0000-0000-000000000000.tmp'.length;
/** The part of each table name a shortened file name keeps. */
const SHORT_TABLE_LENGTH = 40;

/**
 * One JSON file per migration in the state directory. Every save writes a temporary file,
 * fsyncs it and renames it over the old one, so a crash at any point leaves either the previous
 * or the new state, never a torn file.
 */
export class StateStore {
  constructor(readonly dir: string) {}

  /**
   * File name for a key: readable, and unique per (source, target) pair:
   * `<account>.<region>.<table>--<account>.<region>.<table>.json`. When that is too long for the
   * file system with the suffixes of its temporary and companion files (DynamoDB table names have
   * up to 255 characters, a file name as many bytes), the tables are cut short and a hash of the
   * whole key follows a `+`, which no table name, Region or account holds, so the two forms never
   * collide. Every name that could be saved before keeps its form, so existing state is found.
   */
  static fileName(key: MigrationKey): string {
    const name = (length = Number.POSITIVE_INFINITY) => {
      const part = (account: string, region: string, table: string) =>
        `${account}.${region}.${table.slice(0, length)}`;
      return `${part(key.sourceAccountId, key.sourceRegion, key.sourceTableName)}--${part(key.targetAccountId, key.targetRegion, key.targetTableName)}`;
    };
    const full = `${name()}.json`;
    if (full.length + SAVE_SUFFIX_LENGTH <= NAME_MAX) return full;
    const hash = createHash('sha256').update(full).digest('hex').slice(0, 24);
    return `${name(SHORT_TABLE_LENGTH)}+${hash}.json`;
  }

  /**
   * The local CDC checkpoint file next to the state of `key`. Its lease (`.lease`) and their
   * temporary files must fit in a file name as well, so a long name is shortened with a hash too.
   */
  static checkpointFileName(key: MigrationKey): string {
    const state = StateStore.fileName(key).replace(/\.json$/, '');
    const name = `${state}.cdc-checkpoint.json`;
    if (name.length + CHECKPOINT_SUFFIX_LENGTH <= NAME_MAX) return name;
    const hash = createHash('sha256').update(state).digest('hex').slice(0, 24);
    return `${state.slice(0, NAME_MAX - CHECKPOINT_SUFFIX_LENGTH - 50)}+${hash}.cdc-checkpoint.json`;
  }

  /** True when a checkpoint file of this name (and its lease's temporary file) fits the file system. */
  static fitsCheckpoint(path: string): boolean {
    return basename(path).length + CHECKPOINT_SUFFIX_LENGTH <= NAME_MAX;
  }

  pathFor(key: MigrationKey): string {
    return join(this.dir, StateStore.fileName(key));
  }

  /** The saved state for `key`, or undefined. */
  async load(key: MigrationKey): Promise<MigrationState | undefined> {
    return readState(this.pathFor(key), this.dir);
  }

  /** Writes `state` atomically (stamps updatedAt). */
  async save(state: MigrationState): Promise<void> {
    state.updatedAt = new Date().toISOString();
    const target = this.pathFor(state.key);
    const tmp = `${target}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      await mkdir(this.dir, { recursive: true });
      const handle = await open(tmp, 'w');
      try {
        await handle.writeFile(`${JSON.stringify(state, null, 2)}\n`);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(tmp, target);
    } catch (error) {
      throw stateDirError(error, this.dir) ?? error;
    }
  }

  /** Every state in the directory (status). */
  async list(): Promise<MigrationState[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw stateDirError(error, this.dir) ?? error;
    }
    const states: MigrationState[] = [];
    for (const name of names
      .filter((n) => n.endsWith('.json') && !n.endsWith('.cdc-checkpoint.json'))
      .sort()) {
      const state = await readState(join(this.dir, name), this.dir);
      if (state) states.push(state);
    }
    return states;
  }

  /** Removes the state file for `key` (tests and `--restart`). */
  async remove(key: MigrationKey): Promise<void> {
    await rm(this.pathFor(key), { force: true });
  }
}

/** A state dir the user can fix (a file of that name, no permission): bad input naming it. */
const stateDirError = (error: unknown, dir: string) =>
  localPathError(error, { path: dir, label: 'State dir', flag: '--state-dir' });

async function readState(path: string, dir: string): Promise<MigrationState | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw stateDirError(error, dir) ?? error;
  }
  let state: MigrationState | undefined;
  let cause: unknown;
  try {
    state = JSON.parse(text) as MigrationState;
  } catch (error) {
    cause = error;
  }
  if (state?.version !== 1 || !state.key) {
    // Bad input, not a failure: the file is the user's to move away or restore (exit 2).
    throw new ConfigError(`State file ${path} is not a ddb-migrate state (${describeState(state, cause)})`, {
      code: 'STATE_UNREADABLE',
      hint: 'Move the file away to start this migration from scratch, or restore it from a backup',
      ...(cause === undefined ? {} : { cause }),
    });
  }
  return state;
}

function describeState(state: MigrationState | undefined, cause: unknown): string {
  if (cause !== undefined) return 'not valid JSON';
  if (typeof state !== 'object' || state === null) return 'not a JSON object';
  if (state.version !== 1) return `format version ${String(state.version)}; this ddb-migrate reads 1`;
  return 'no migration key';
}
