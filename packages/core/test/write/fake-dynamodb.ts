import type {
  BatchWriteItemCommand,
  BatchWriteItemCommandOutput,
  WriteRequest,
} from '@aws-sdk/client-dynamodb';
import type { BatchWriteClient } from '../../src/write/write-op.js';

/** What the fake returns for one call: a response, or an error to throw. */
export interface FakeReply {
  unprocessed?: WriteRequest[];
  error?: Error;
}

/**
 * A BatchWriteItem-only stand-in with a `send()`: records every call, applies writes to an
 * in-memory map (by `pk` S value) and answers from a script function.
 */
export class FakeDynamoDb {
  readonly calls: WriteRequest[][] = [];
  readonly store = new Map<string, WriteRequest>();
  /** Order in which requests were applied, per pk. */
  readonly applied: { pk: string; request: WriteRequest }[] = [];
  inFlight = 0;
  maxInFlight = 0;

  constructor(
    private readonly script: (requests: WriteRequest[], callIndex: number) => FakeReply = () => ({}),
    private readonly latencyMs: () => number = () => 1,
  ) {}

  get client(): BatchWriteClient {
    return {
      send: (command: unknown) => this.send(command as BatchWriteItemCommand),
    } as unknown as BatchWriteClient;
  }

  private async send(command: BatchWriteItemCommand): Promise<BatchWriteItemCommandOutput> {
    const tables = Object.values(command.input.RequestItems ?? {});
    const requests = tables[0] ?? [];
    const index = this.calls.length;
    this.calls.push(requests);
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      await new Promise((r) => setTimeout(r, this.latencyMs()));
      const reply = this.script(requests, index);
      if (reply.error !== undefined) throw reply.error;
      const unprocessed = new Set(reply.unprocessed ?? []);
      for (const request of requests) {
        if (unprocessed.has(request)) continue;
        const pk = pkOf(request);
        this.store.set(pk, request);
        this.applied.push({ pk, request });
      }
      const tableName = Object.keys(command.input.RequestItems ?? {})[0]!;
      return {
        UnprocessedItems: unprocessed.size === 0 ? {} : { [tableName]: [...unprocessed] },
        $metadata: {},
      };
    } finally {
      this.inFlight -= 1;
    }
  }
}

export function pkOf(request: WriteRequest): string {
  const item = request.PutRequest?.Item ?? request.DeleteRequest?.Key;
  return item?.pk?.S ?? String(item?.pk?.N);
}
