import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ConfigError, localPathError } from '@ddb-migrate/core';

/**
 * What the runner knows of one shard. Every listed shard gets an entry when the runner first sees
 * it (version 2), not only after its first delivered record, so a shard that was idle when the
 * runner stopped is still known on resume and its trimming is noticed.
 */
export interface ShardCheckpoint {
  /** The last sequence number whose record is acknowledged (delivered, no failure reported). */
  sequenceNumber?: string;
  /** Read to its end (closed shard, no next iterator). */
  closed?: boolean;
  /** The parent DescribeStream reported when the shard was first seen. */
  parentShardId?: string;
  /** Reading started at TRIM_HORIZON (the runner's start for every shard it did not know). */
  fromTrimHorizon?: boolean;
  /** ISO time the runner first listed the shard. */
  firstSeenAt?: string;
  /**
   * ISO time at or after which every record of this shard (and of its children) that is not yet
   * acknowledged was created; absent when unknown. The CLI's 24-hour window guard reads it.
   */
  pendingSince?: string;
}

/** The checkpoint file format version this code writes; version 1 files (no lineage) still load. */
export const CHECKPOINT_VERSION = 2;

/** The runner's checkpoint file. */
export interface CheckpointState {
  /** 1: positions only; 2: every seen shard with its lineage and `pendingSince`. */
  version: 1 | 2;
  streamArn: string;
  updatedAt: string;
  /** Set once the stream was DISABLED and every shard read to its end: nothing is left to read. */
  streamFinishedAt?: string;
  shards: Record<string, ShardCheckpoint>;
}

/**
 * Per-shard checkpoints in a JSON file, written atomically (temp file + rename), so a runner that
 * is killed at any moment resumes after the last applied record. Without a path it keeps state
 * in memory only.
 */
export class CheckpointStore {
  private state: CheckpointState;
  private dirty = false;

  private constructor(
    private readonly path: string | undefined,
    state: CheckpointState,
  ) {
    this.state = state;
  }

  /** Loads the file (or starts empty). A file written for another stream, or by a newer version, is refused. */
  static async open(path: string | undefined, streamArn: string): Promise<CheckpointStore> {
    const empty: CheckpointState = {
      version: CHECKPOINT_VERSION,
      streamArn,
      updatedAt: new Date().toISOString(),
      shards: {},
    };
    if (path === undefined) return new CheckpointStore(undefined, empty);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new CheckpointStore(path, empty);
      throw localPathError(error, { path, label: 'Checkpoint file' }) ?? error;
    }
    let parsed: CheckpointState;
    try {
      parsed = JSON.parse(text) as CheckpointState;
    } catch {
      throw new ConfigError(`Checkpoint file ${path} is not valid JSON`, {
        hint: 'Delete it to start from TRIM_HORIZON (replaying is harmless), or restore it from a backup',
      });
    }
    if (typeof parsed.version === 'number' && parsed.version > CHECKPOINT_VERSION) {
      throw new ConfigError(
        `Checkpoint file ${path} has format version ${parsed.version}; this ddb-migrate reads up to ${CHECKPOINT_VERSION}`,
        { hint: 'Run cdc with the ddb-migrate version that wrote it, or a newer one' },
      );
    }
    if (parsed.streamArn !== streamArn) {
      throw new ConfigError(
        `Checkpoint file ${path} belongs to stream ${parsed.streamArn}, not ${streamArn}`,
        {
          hint: 'Use another --checkpoint-dir, or delete the file to start this stream from TRIM_HORIZON',
        },
      );
    }
    // Version 1 entries keep their meaning; the file is rewritten as version 2 on the next write.
    return new CheckpointStore(path, {
      ...empty,
      ...parsed,
      version: CHECKPOINT_VERSION,
      shards: parsed.shards ?? {},
    });
  }

  get(shardId: string): ShardCheckpoint | undefined {
    return this.state.shards[shardId];
  }

  /** A copy of every shard's checkpoint. */
  snapshot(): Record<string, ShardCheckpoint> {
    return structuredClone(this.state.shards);
  }

  get filePath(): string | undefined {
    return this.path;
  }

  /** Changes a shard's entry in memory only; {@link flush} writes it. */
  set(shardId: string, checkpoint: ShardCheckpoint): void {
    this.state.shards[shardId] = { ...this.state.shards[shardId], ...checkpoint };
    this.dirty = true;
  }

  /** Records that nothing is left to read (stream DISABLED, every shard read to its end). */
  markStreamFinished(at: Date): void {
    this.state.streamFinishedAt = at.toISOString();
    this.dirty = true;
  }

  /** Changes a shard's entry and writes the file. */
  async update(shardId: string, checkpoint: ShardCheckpoint): Promise<void> {
    this.set(shardId, checkpoint);
    await this.flush();
  }

  /** Writes pending changes (atomically); a no-op when nothing changed. */
  async flush(): Promise<void> {
    if (!this.dirty) return;
    this.dirty = false;
    this.state.updatedAt = new Date().toISOString();
    if (this.path === undefined) return;
    try {
      await mkdir(dirname(this.path), { recursive: true });
      const tmp = `${this.path}.${process.pid}.tmp`;
      await writeFile(tmp, `${JSON.stringify(this.state, null, 2)}\n`);
      await rename(tmp, this.path);
    } catch (error) {
      throw localPathError(error, { path: this.path, label: 'Checkpoint file' }) ?? error;
    }
  }
}
