import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import type { InjectedResponse } from './fault-responses.js';
import {
  dynamodbError,
  dynamodbOk,
  jsonBody,
  parseStreamArn,
  type StreamArnParts,
} from './cross-account-wire.js';
import type { MotoAccountClients } from './moto-account-clients.js';

/** A stream's resource-based policy as the model holds it. */
export interface StreamPolicyRecord {
  arn: string;
  /** The policy document exactly as it was put. */
  policy: string;
  revisionId: string;
}

/** One revision of a stream's policy; `policy` undefined for a deletion. */
interface Revision {
  policy: string | undefined;
  revisionId: string;
  at: number;
}

/** DynamoDB's limit on a resource-based policy: 20 KB, whitespace included. */
const MAX_POLICY_BYTES = 20 * 1024;

/** Who called, as far as the model needs: the account of the request's access key. */
export interface Caller {
  accessKeyId: string;
  account: string;
}

/** The DynamoDB half of the cross-account streams model: stream policies. */
export interface StreamPolicyStore {
  /** Answers GetResourcePolicy / PutResourcePolicy / DeleteResourcePolicy on a stream ARN; else `undefined`. */
  handle(
    operation: string,
    body: Buffer,
    caller: () => Caller | InjectedResponse,
  ): Promise<InjectedResponse | undefined>;
  /** The policy of `arn` in force at `now` (put at least `propagationMs` ago), if any. */
  inForce(arn: string): unknown;
  /** Whether the stream exists in moto: its table, in the ARN's account, has it as its latest stream. */
  streamExists(arn: StreamArnParts & { arn: string }): Promise<boolean>;
  current(): StreamPolicyRecord[];
}

const POLICY_OPERATIONS = new Set(['GetResourcePolicy', 'PutResourcePolicy', 'DeleteResourcePolicy']);

/** The stream-policy store of `createCrossAccountStreamsModel`. */
export function createStreamPolicyStore(deps: {
  clients: MotoAccountClients;
  now: () => number;
  propagationMs: number;
}): StreamPolicyStore {
  const history = new Map<string, Revision[]>();
  let lastRevision = 0;
  const latest = (arn: string) => history.get(arn)?.at(-1);
  const record = (arn: string, policy: string | undefined): string => {
    lastRevision = Math.max(Math.floor(deps.now()), lastRevision + 1);
    const revisionId = String(lastRevision);
    const revisions = history.get(arn) ?? [];
    revisions.push({ policy, revisionId, at: deps.now() });
    history.set(arn, revisions);
    return revisionId;
  };

  const streamExists = async (stream: StreamArnParts & { arn: string }): Promise<boolean> => {
    try {
      // DescribeTable, not DescribeStream: moto's DescribeStream answers any label with the table's
      // stream, and fails with a 500 once the stream is disabled.
      const out = await deps.clients
        .dynamodb(stream.region, stream.account)
        .send(new DescribeTableCommand({ TableName: stream.table }));
      return out.Table?.LatestStreamArn === stream.arn;
    } catch (err) {
      if ((err as { name?: string }).name === 'ResourceNotFoundException') return false;
      throw err;
    }
  };

  const notFound = (arn: string, detail = '') =>
    dynamodbError(
      'PolicyNotFoundException',
      `Resource-based policy not found for the provided ResourceArn: ${arn}${detail}`,
    );

  const handle = async (
    operation: string,
    body: Buffer,
    callerOf: () => Caller | InjectedResponse,
  ): Promise<InjectedResponse | undefined> => {
    if (!POLICY_OPERATIONS.has(operation)) return undefined;
    const input = jsonBody(body);
    const arn = input.ResourceArn;
    const parts = parseStreamArn(arn);
    if (typeof arn !== 'string' || !parts) return undefined;
    const caller = callerOf();
    if ('status' in caller) return caller;
    if (caller.account !== parts.account) {
      return dynamodbError(
        'AccessDeniedException',
        `User in account ${caller.account} (access key ${caller.accessKeyId}) is not authorized to perform: dynamodb:${operation} on resource: ${arn} because no resource-based policy allows the dynamodb:${operation} action`,
      );
    }
    const expected = input.ExpectedRevisionId;
    if (expected !== undefined && typeof expected !== 'string') {
      return dynamodbError('ValidationException', 'ExpectedRevisionId must be a string');
    }
    if (operation === 'PutResourcePolicy') {
      const policy = input.Policy;
      if (typeof policy !== 'string' || policy.length === 0) {
        return dynamodbError(
          'ValidationException',
          "1 validation error detected: Value null at 'policy' failed to satisfy constraint: Member must not be null",
        );
      }
      if (Buffer.byteLength(policy, 'utf8') > MAX_POLICY_BYTES) {
        return dynamodbError(
          'ValidationException',
          `Resource-based policy document size ${Buffer.byteLength(policy, 'utf8')} bytes exceeds the maximum allowed size of ${MAX_POLICY_BYTES} bytes (whitespace included)`,
        );
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(policy);
      } catch {
        parsed = undefined;
      }
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
        return dynamodbError('ValidationException', 'Invalid policy document: the policy is not valid JSON');
      }
    }
    if (!(await streamExists({ ...parts, arn }))) {
      return dynamodbError(
        'ResourceNotFoundException',
        `Requested resource not found: Stream: ${arn} not found`,
      );
    }
    const current = latest(arn);
    const currentPolicy = current?.policy === undefined ? undefined : current;
    if (operation === 'GetResourcePolicy') {
      if (!currentPolicy) return notFound(arn);
      return dynamodbOk({ Policy: currentPolicy.policy, RevisionId: currentPolicy.revisionId });
    }
    if (operation === 'DeleteResourcePolicy') {
      if (expected !== undefined && expected !== currentPolicy?.revisionId) {
        return notFound(
          arn,
          currentPolicy ? `; revision id ${expected} does not match ${currentPolicy.revisionId}` : '',
        );
      }
      // Idempotent without ExpectedRevisionId: no policy, no error and no RevisionId.
      if (!currentPolicy) return dynamodbOk({});
      record(arn, undefined);
      return dynamodbOk({ RevisionId: currentPolicy.revisionId });
    }
    if (expected === 'NO_POLICY' && currentPolicy) {
      return notFound(
        arn,
        `; ExpectedRevisionId NO_POLICY, but the stream has a policy with revision id ${currentPolicy.revisionId}`,
      );
    }
    if (expected !== undefined && expected !== 'NO_POLICY' && expected !== currentPolicy?.revisionId) {
      return notFound(
        arn,
        currentPolicy
          ? `; Requested update for policy with revision id ${expected}, but the policy associated to target stream has revision id ${currentPolicy.revisionId}`
          : '',
      );
    }
    return dynamodbOk({ RevisionId: record(arn, input.Policy as string) });
  };

  return {
    handle,
    streamExists,
    inForce: (arn) => {
      const revisions = history.get(arn) ?? [];
      const now = deps.now();
      const effective = revisions.findLast((r) => now - r.at >= deps.propagationMs);
      return effective?.policy === undefined ? undefined : JSON.parse(effective.policy);
    },
    current: () =>
      [...history.entries()].flatMap(([arn, revisions]) => {
        const last = revisions.at(-1);
        return last?.policy === undefined ? [] : [{ arn, policy: last.policy, revisionId: last.revisionId }];
      }),
  };
}
