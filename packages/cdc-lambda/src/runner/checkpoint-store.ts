import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ConfigError } from '@ddb-migrate/core';

/** Progress of one shard: the last sequence number whose record is applied; `closed` once drained. */
export interface ShardCheckpoint {
  sequenceNumber?: string;
  closed?: boolean;
}

/** The runner's checkpoint file. */
export interface CheckpointState {
  version: 1;
  streamArn: string;
  updatedAt: string;
  shards: Record<string, ShardCheckpoint>;
}

/**
 * Per-shard checkpoints in a JSON file, written atomically (temp file + rename), so a runner that
 * is killed at any moment resumes after the last applied record. Without a path it keeps state
 * in memory only.
 */
export class CheckpointStore {
  private state: CheckpointState;

  private constructor(
    private readonly path: string | undefined,
    state: CheckpointState,
  ) {
    this.state = state;
  }

  /** Loads the file (or starts empty). A file written for another stream is refused. */
  static async open(path: string | undefined, streamArn: string): Promise<CheckpointStore> {
    const empty: CheckpointState = { version: 1, streamArn, updatedAt: new Date().toISOString(), shards: {} };
    if (path === undefined) return new CheckpointStore(undefined, empty);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new CheckpointStore(path, empty);
      throw error;
    }
    let parsed: CheckpointState;
    try {
      parsed = JSON.parse(text) as CheckpointState;
    } catch {
      throw new ConfigError(`Checkpoint file ${path} is not valid JSON`, {
        hint: 'Delete it to start from TRIM_HORIZON (replaying is harmless), or restore it from a backup',
      });
    }
    if (parsed.streamArn !== streamArn) {
      throw new ConfigError(
        `Checkpoint file ${path} belongs to stream ${parsed.streamArn}, not ${streamArn}`,
        {
          hint: 'Use another --checkpoint-dir, or delete the file to start this stream from TRIM_HORIZON',
        },
      );
    }
    return new CheckpointStore(path, { ...empty, ...parsed, shards: parsed.shards ?? {} });
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

  async update(shardId: string, checkpoint: ShardCheckpoint): Promise<void> {
    this.state.shards[shardId] = { ...this.state.shards[shardId], ...checkpoint };
    this.state.updatedAt = new Date().toISOString();
    if (this.path === undefined) return;
    await mkdir(dirname(this.path), { recursive: true });
    const tmp = `${this.path}.${process.pid}.tmp`;
    await writeFile(tmp, `${JSON.stringify(this.state, null, 2)}\n`);
    await rename(tmp, this.path);
  }
}
