/**
 * Fake AWS SDK v3 clients for unit tests (no moto, no network): scripted replies per command and
 * errors shaped like the SDK's service exceptions.
 */
import { sdkError } from '../sdk-error.js';

/**
 * An error shaped like the AWS SDK v3's service exceptions after the SDK's retries: {@link sdkError}
 * with `$metadata.attempts` 3 (the SDK's standard mode).
 */
export function awsError(name: string, status: number, message = name): Error {
  return sdkError(name, status, { message, attempts: 3 });
}

/** One scripted reply: a value, an error to throw, or a function of the input. */
export type Reply = unknown | Error | ((input: Record<string, unknown>) => unknown);

/**
 * A fake SDK client: `send(command)` takes the next scripted reply for the command's name
 * (e.g. 'UpdateTableCommand'); the last reply of a script repeats. Records every call.
 */
export function fakeClient(script: Record<string, Reply[]>) {
  const calls: { command: string; input: Record<string, unknown> }[] = [];
  const queues = new Map(Object.entries(script).map(([k, v]) => [k, [...v]]));
  return {
    calls,
    names: () => calls.map((c) => c.command.replace(/Command$/, '')),
    async send(command: { constructor: { name: string }; input: Record<string, unknown> }) {
      const name = command.constructor.name;
      calls.push({ command: name, input: command.input });
      const queue = queues.get(name);
      if (!queue || queue.length === 0) throw new Error(`fake: no reply scripted for ${name}`);
      const reply = queue.length > 1 ? queue.shift() : queue[0];
      const value = typeof reply === 'function' ? (reply as (i: unknown) => unknown)(command.input) : reply;
      if (value instanceof Error) throw value;
      return value;
    },
    destroy() {},
  };
}

/** What {@link fakeClient} returns: `send`, the recorded `calls` and their `names()`. */
export type FakeClient = ReturnType<typeof fakeClient>;

/**
 * DescribeTable's answer for a source table whose latest stream is `arn` (enabled unless
 * `enabled: false`). DynamoDB keeps LatestStreamArn after a stream is disabled and gives a stream
 * enabled again a new ARN (DynamoDB Developer Guide, "Change data capture for DynamoDB Streams",
 * Enabling a stream: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Streams.html#Streams.Enabling).
 */
export function tableWithStream(arn: string, opts: { enabled?: boolean } = {}) {
  const enabled = opts.enabled !== false;
  return {
    Table: {
      TableName: 'src',
      TableStatus: 'ACTIVE',
      LatestStreamArn: arn,
      LatestStreamLabel: arn.split('/stream/')[1],
      StreamSpecification: enabled
        ? { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' }
        : { StreamEnabled: false },
    },
  };
}

/** DescribeStream's answer: ENABLING | ENABLED | DISABLING | DISABLED (DynamoDB Streams API, StreamDescription). */
export function streamStatus(status: string) {
  return { StreamDescription: { StreamStatus: status, Shards: [] } };
}

/** Source clients whose table still has `arn` as its ENABLED stream (the recorded-stream check passes). */
export function liveStreamClients(arn: string) {
  return {
    sourceDdb: fakeClient({ DescribeTableCommand: [tableWithStream(arn)] }),
    sourceStreams: fakeClient({ DescribeStreamCommand: [streamStatus('ENABLED')] }),
  };
}
