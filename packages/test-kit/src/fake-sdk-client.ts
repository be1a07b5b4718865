/**
 * What a fake operation answers for a command's input: a value or a promise of one; it may throw
 * (e.g. an {@link sdkError}) as the SDK does for a failed call.
 */
// biome-ignore lint/suspicious/noExplicitAny: each handler names the input type of its own operation
export type FakeOperation = (input: any) => unknown;

/** One call a {@link fakeSdkClient} received. */
export interface FakeSdkCall {
  /** The operation: the command's class name without "Command", e.g. `BatchGetItem`. */
  operation: string;
  input: Record<string, unknown>;
}

/** A stand-in for an AWS SDK v3 client: `send` only, recording every call. */
export interface FakeSdkClient {
  send(command: object): Promise<unknown>;
  /** Every call, in order. */
  readonly calls: FakeSdkCall[];
  /** The operations called, in order. */
  operations(): string[];
}

/**
 * A fake AWS SDK client for unit tests: `send(command)` answers with the handler named after the
 * command's operation (`new BatchGetItemCommand(...)` -> `handlers.BatchGetItem(input)`), else with
 * `fallback(operation, input)`, else fails with "fake: no handler for <operation>" so an unexpected
 * call cannot pass unnoticed. Pass it where code takes `Pick<Client, 'send'>` (cast `as never`).
 * Prefer moto (an `*.int.test.ts`) for what moto models; use this for answers it does not give.
 *
 * @example
 * ```ts
 * const source = fakeSdkClient({
 *   BatchGetItem: (input: BatchGetItemCommandInput) => ({ Responses: { t: [] } }),
 *   DescribeTable: () => { throw sdkError('ResourceNotFoundException', 400); },
 * });
 * await readItems({ tableName: 't', client: source as never }, keys);
 * expect(source.operations()).toEqual(['BatchGetItem']);
 * ```
 */
export function fakeSdkClient(
  handlers: Record<string, FakeOperation>,
  fallback?: (operation: string, input: Record<string, unknown>) => unknown,
): FakeSdkClient {
  const calls: FakeSdkCall[] = [];
  return {
    calls,
    operations: () => calls.map((c) => c.operation),
    async send(command: object) {
      const operation = command.constructor.name.replace(/Command$/, '');
      const input = ((command as { input?: Record<string, unknown> }).input ?? {}) as Record<string, unknown>;
      calls.push({ operation, input });
      const handler = handlers[operation];
      if (handler) return handler(input);
      if (fallback) return fallback(operation, input);
      throw new Error(`fake: no handler for ${operation}`);
    },
  };
}
