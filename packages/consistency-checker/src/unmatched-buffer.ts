import { createReadStream } from 'node:fs';
import { appendFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fromDynamoJson, type Item, itemSizeBytes, toDynamoJson } from '@ddb-migrate/core';

/**
 * Items one side of a segment pair has scanned that the other side has not (yet) produced, by
 * canonical key, with their total DynamoDB size ({@link bytes}: items reach 400 KB, so a count alone
 * bounds nothing). Holds at most what the caller lets it grow to in memory; {@link spillOldest} moves
 * the oldest entries to an NDJSON file (DynamoDB JSON, binary as base64), so memory stays bounded
 * whatever the tables' scan orders. Spilled items can no longer be matched in memory; the caller
 * resolves them with point reads, which is always correct (see README, "Why it is correct").
 */
export class UnmatchedBuffer {
  private readonly entries = new Map<string, { item: Item; bytes: number }>();
  private heldBytes = 0;
  private spillPath?: string;
  private spillDir?: string;
  private spilledCount = 0;

  constructor(private readonly baseDir: string = tmpdir()) {}

  /** Items held in memory. */
  get size(): number {
    return this.entries.size;
  }

  /** DynamoDB size (itemSizeBytes) of the items held in memory. */
  get bytes(): number {
    return this.heldBytes;
  }

  /** Items written to the spill file so far. */
  get spilled(): number {
    return this.spilledCount;
  }

  /** Path of the spill file while one exists (created by the first {@link spillOldest}). */
  get spillFile(): string | undefined {
    return this.spillPath;
  }

  add(canonical: string, item: Item): void {
    this.take(canonical); // a key re-added replaces its entry, and its bytes
    const bytes = itemSizeBytes(item);
    this.entries.set(canonical, { item, bytes });
    this.heldBytes += bytes;
  }

  /** Removes and returns the in-memory item with this key, if any. */
  take(canonical: string): Item | undefined {
    const entry = this.entries.get(canonical);
    if (entry === undefined) return undefined;
    this.entries.delete(canonical);
    this.heldBytes -= entry.bytes;
    return entry.item;
  }

  /**
   * Moves the `count` oldest in-memory items to the spill file. Entries leave the map before the
   * first await, so a concurrent scan loop never matches an item that is being spilled.
   */
  async spillOldest(count: number): Promise<number> {
    const lines: string[] = [];
    for (const [canonical, entry] of this.entries) {
      if (lines.length >= count) break;
      this.entries.delete(canonical);
      this.heldBytes -= entry.bytes;
      lines.push(JSON.stringify(toDynamoJson(entry.item)));
    }
    if (lines.length === 0) return 0;
    if (!this.spillPath) {
      this.spillDir = await mkdtemp(join(this.baseDir, 'ddb-verify-'));
      this.spillPath = join(this.spillDir, 'unmatched.ndjson');
    }
    await appendFile(this.spillPath, `${lines.join('\n')}\n`);
    this.spilledCount += lines.length;
    return lines.length;
  }

  /**
   * Yields every remaining item (in memory, then spilled, streamed from disk) in chunks of at most
   * `chunkSize`, emptying the buffer, then deletes the spill file.
   */
  async *drain(chunkSize: number): AsyncGenerator<Item[]> {
    let chunk: Item[] = [];
    for (const { item } of this.entries.values()) {
      chunk.push(item);
      if (chunk.length >= chunkSize) {
        yield chunk;
        chunk = [];
      }
    }
    this.entries.clear();
    this.heldBytes = 0;
    if (this.spillPath) {
      const lines = createInterface({ input: createReadStream(this.spillPath), crlfDelay: Infinity });
      for await (const line of lines) {
        if (!line) continue;
        chunk.push(fromDynamoJson(JSON.parse(line)));
        if (chunk.length >= chunkSize) {
          yield chunk;
          chunk = [];
        }
      }
    }
    if (chunk.length > 0) yield chunk;
    await this.dispose();
  }

  /** Deletes the spill file (idempotent). */
  async dispose(): Promise<void> {
    if (this.spillDir) await rm(this.spillDir, { recursive: true, force: true });
    this.spillDir = undefined;
    this.spillPath = undefined;
  }
}
