import type { Item } from '@ddb-migrate/core';
import { UnmatchedBuffer } from './unmatched-buffer.js';

/** Which table an item was scanned from. */
export type SideName = 'source' | 'target';

/** Default bound on the DynamoDB size of the unmatched items one segment pair keeps in memory. */
export const DEFAULT_WINDOW_BYTES = 16 * 1024 * 1024;

/**
 * The two {@link UnmatchedBuffer}s of one segment pair and the rule that bounds them: once they hold
 * more than `windowItems` items or `windowBytes` bytes (DynamoDB item size) together, the oldest half
 * of the larger one goes to its spill file. So a pair never holds more than that in memory (plus one
 * scan page, <= 1 MB, the caller is feeding), whatever the scan orders and item sizes (400 KB items
 * would otherwise make 20,000 items 8 GB); spilled items are resolved later by point reads.
 */
export class SegmentWindow {
  readonly source: UnmatchedBuffer;
  readonly target: UnmatchedBuffer;
  private spilling: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly windowItems: number,
    spillDir?: string,
    private readonly windowBytes: number = DEFAULT_WINDOW_BYTES,
  ) {
    this.source = new UnmatchedBuffer(spillDir);
    this.target = new UnmatchedBuffer(spillDir);
  }

  /** Unmatched items held in memory by both sides. */
  get held(): number {
    return this.source.size + this.target.size;
  }

  /** DynamoDB size of the unmatched items held in memory by both sides. */
  get heldBytes(): number {
    return this.source.bytes + this.target.bytes;
  }

  /** Unmatched items both sides have written to disk. */
  get spilled(): number {
    return this.source.spilled + this.target.spilled;
  }

  /**
   * Offers an item scanned from `side`: returns the other side's item with the same canonical key
   * (removed from the window, so it is compared once), or parks this item and returns undefined.
   */
  match(side: SideName, canonical: string, item: Item): Item | undefined {
    const other = side === 'source' ? this.target : this.source;
    const counterpart = other.take(canonical);
    if (counterpart === undefined) this[side].add(canonical, item);
    return counterpart;
  }

  /** Spills until the window is back under its bound; concurrent calls are serialized. */
  async bound(): Promise<void> {
    while (this.held > this.windowItems || this.heldBytes > this.windowBytes) {
      // The oldest half of the bigger buffer: the side that ran ahead, or a misaligned segment.
      const bySize = this.held > this.windowItems;
      const bigger = (bySize ? this.source.size >= this.target.size : this.source.bytes >= this.target.bytes)
        ? this.source
        : this.target;
      this.spilling = this.spilling.then(() => bigger.spillOldest(Math.ceil(bigger.size / 2)));
      await this.spilling;
    }
  }

  /** Deletes both spill files (idempotent). */
  async dispose(): Promise<void> {
    await Promise.all([this.source.dispose(), this.target.dispose()]);
  }
}
