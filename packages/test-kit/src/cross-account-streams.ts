import { createMappingStore, type ModeledEventSourceMapping } from './cross-account-mappings.js';
import {
  type Caller,
  createStreamPolicyStore,
  type StreamPolicyRecord,
} from './cross-account-stream-policies.js';
import { credentialScope, dynamodbError, lambdaError } from './cross-account-wire.js';
import type { AuthorizeRequest } from './fault-proxy.js';
import type { InjectedResponse } from './fault-responses.js';
import { motoAccountClients } from './moto-account-clients.js';

export type { ModeledEventSourceMapping } from './cross-account-mappings.js';
export type { StreamPolicyRecord } from './cross-account-stream-policies.js';

/** Options of {@link createCrossAccountStreamsModel}. */
export interface CrossAccountStreamsOptions {
  /** moto's own base URL (not the proxy's): where streams and functions are looked up. */
  motoEndpoint: string;
  /**
   * The account that signs with an access key id (from the request's SigV4 Authorization header).
   * A call the model answers, signed with a key this returns `undefined` for, is refused with
   * UnrecognizedClientException.
   */
  callerAccount: (accessKeyId: string) => string | undefined;
  /** Region of the model's moto lookups when a request names none. Default `us-east-1`. */
  region?: string;
  /** How long a stream-policy change takes before mapping creation sees it, in ms. Default 0. */
  propagationMs?: number;
  /** The clock of propagation, revision ids and `LastModified`, in ms. Default `Date.now`. */
  now?: () => number;
}

/** A model of cross-account DynamoDB stream access, for the fault proxy's `authorize` hook. */
export interface CrossAccountStreamsModel {
  /** The hook: give it to `startFaultProxy({ authorize })` or `proxy.setAuthorize(...)`. */
  authorize: (request: AuthorizeRequest) => Promise<InjectedResponse | undefined>;
  /** The streams' current policies (deleted ones left out). */
  streamPolicies(): StreamPolicyRecord[];
  /** The event source mappings the model made and has not deleted, in every account. */
  mappings(): ModeledEventSourceMapping[];
  /** Releases the SDK clients that read moto. */
  close(): void;
}

/** An answer to "who called": the caller, or the UnrecognizedClientException to send. */
function callerOf(
  request: AuthorizeRequest,
  lookup: (accessKeyId: string) => string | undefined,
  unrecognized: (accessKeyId: string) => InjectedResponse,
): () => Caller | InjectedResponse {
  return () => {
    const scope = credentialScope(request.headers);
    const account = scope && lookup(scope.accessKeyId);
    if (!scope || account === undefined) return unrecognized(scope?.accessKeyId ?? '(unsigned)');
    return { accessKeyId: scope.accessKeyId, account };
  };
}

/**
 * A model of AWS's cross-account access to DynamoDB streams, which moto 5.2.1 lacks, placed in front
 * of moto by the fault proxy's `authorize` hook. It answers these calls itself and forwards the rest:
 *
 * - DynamoDB `GetResourcePolicy`, `PutResourcePolicy` (`ExpectedRevisionId`, `NO_POLICY`) and
 *   `DeleteResourcePolicy` on a stream ARN (`.../table/<t>/stream/<label>`): only the stream's own
 *   account may call them (else AccessDeniedException); the stream must exist in moto (DescribeStream
 *   in the ARN's account), the policy be JSON and at most 20 KB, whitespace counted. Policies of
 *   tables are forwarded to moto. Per the DynamoDB API reference
 *   (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_PutResourcePolicy.html,
 *   API_GetResourcePolicy.html, API_DeleteResourcePolicy.html) and the developer guide's
 *   resource-based policies pages
 *   (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/access-control-resource-based.html):
 *   a policy attaches to one stream ARN, and a change is eventually consistent, so mapping creation
 *   sees it only `propagationMs` after it was put; GetResourcePolicy returns it at once.
 *
 * - Lambda event source mappings (REST-JSON, `/2015-03-31/event-source-mappings[/UUID]`) on a
 *   DynamoDB stream of another account than the caller's: CreateEventSourceMapping (`FunctionName`
 *   a name or ARN of a function in the caller's account, read from moto; the stream must exist; the
 *   stream's policy in force must allow the function's execution role dynamodb:DescribeStream,
 *   GetRecords and GetShardIterator, evaluated with @cloud-copilot/iam-simulate, else
 *   InvalidParameterValueException "Cannot access stream ..."; one mapping per function and stream,
 *   else ResourceConflictException), Get, Update (`Enabled` false/true sets State Disabled/Enabled),
 *   Delete (answers State Deleting, then the UUID is gone) and List (by `EventSourceArn`: the caller's
 *   mappings; by `FunctionName` only: moto's list with the caller's modeled mappings appended). An
 *   account sees only its own mappings; calls on moto's own mappings and same-account streams are
 *   forwarded. Per the Lambda API reference
 *   (https://docs.aws.amazon.com/lambda/latest/api/API_CreateEventSourceMapping.html) and the AWS
 *   blog "Simplify cross-account stream processing with AWS Lambda and Amazon DynamoDB" (2026-01).
 *
 * The model delivers no records: moto runs no Lambda, and nothing here reads the stream for a
 * mapping (`LastProcessingResult` stays "No records processed"). Not modeled: the role's identity
 * policy (taken as allow-all), the table's policy and its KMS key (a table encrypted with an AWS
 * managed key cannot be read across accounts), the transient states Creating/Updating/Enabling
 * (State is Enabled or Disabled at once), and a stream replaced by a new one staying readable for
 * 24 hours (only the table's latest stream exists here).
 *
 * @example
 * const model = createCrossAccountStreamsModel({
 *   motoEndpoint: motoEndpoint(),
 *   callerAccount: (key) => (key === targetKeys.accessKeyId ? TARGET_ACCOUNT : SOURCE_ACCOUNT),
 * });
 * const proxy = await startFaultProxy({ target: motoEndpoint(), authorize: model.authorize });
 * const ddb = new DynamoDBClient({ ...sourceSide(), endpoint: proxy.endpoint });
 */
export function createCrossAccountStreamsModel(
  options: CrossAccountStreamsOptions,
): CrossAccountStreamsModel {
  const now = options.now ?? Date.now;
  const clients = motoAccountClients(options.motoEndpoint);
  const policies = createStreamPolicyStore({ clients, now, propagationMs: options.propagationMs ?? 0 });
  const mappings = createMappingStore({
    clients,
    policies,
    motoEndpoint: options.motoEndpoint.replace(/\/+$/, ''),
    now,
    region: options.region ?? 'us-east-1',
  });
  const unrecognizedDynamodb = (key: string) =>
    dynamodbError(
      'UnrecognizedClientException',
      `The security token included in the request is invalid (test-kit cross-account streams model: no account for access key ${key})`,
    );

  const unrecognizedLambda = (key: string) =>
    lambdaError(
      'UnrecognizedClientException',
      `The security token included in the request is invalid. (test-kit cross-account streams model: no account for access key ${key})`,
    );

  const authorize = async (request: AuthorizeRequest): Promise<InjectedResponse | undefined> => {
    if (request.service === 'dynamodb') {
      return policies.handle(
        request.operation,
        request.body,
        callerOf(request, options.callerAccount, unrecognizedDynamodb),
      );
    }
    if (request.service === 'lambda') {
      return mappings.handle(request, callerOf(request, options.callerAccount, unrecognizedLambda));
    }
    return undefined;
  };

  return {
    authorize,
    streamPolicies: () => policies.current(),
    mappings: () => mappings.all(),
    close: () => clients.destroy(),
  };
}
