import { randomUUID } from 'node:crypto';
import { GetFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { policyAllowsRole } from './cross-account-access.js';
import type { Caller, StreamPolicyStore } from './cross-account-stream-policies.js';
import { jsonBody, lambdaError, lambdaOk, parseStreamArn } from './cross-account-wire.js';
import type { AuthorizeRequest } from './fault-proxy.js';
import type { InjectedResponse } from './fault-responses.js';
import type { MotoAccountClients } from './moto-account-clients.js';

/** An event source mapping the model made, as Lambda's API returns it (`LastModified` in epoch seconds). */
export interface ModeledEventSourceMapping {
  UUID: string;
  EventSourceArn: string;
  FunctionArn: string;
  State: 'Enabled' | 'Disabled' | 'Deleting';
  StateTransitionReason: string;
  LastModified: number;
  LastProcessingResult: string;
  StartingPosition: string;
  StartingPositionTimestamp?: number;
  BatchSize: number;
  MaximumBatchingWindowInSeconds: number;
  ParallelizationFactor: number;
  MaximumRetryAttempts: number;
  MaximumRecordAgeInSeconds: number;
  BisectBatchOnFunctionError: boolean;
  TumblingWindowInSeconds: number;
  FunctionResponseTypes: string[];
  DestinationConfig: { OnFailure?: { Destination?: string } };
  FilterCriteria?: unknown;
}

/** The Lambda half of the cross-account streams model. */
export interface MappingStore {
  /** Answers an event-source-mappings request the model owns; `undefined` to forward it. */
  handle(
    request: AuthorizeRequest,
    caller: () => Caller | InjectedResponse,
  ): Promise<InjectedResponse | undefined>;
  all(): ModeledEventSourceMapping[];
}

const COLLECTION = /^\/2015-03-31\/event-source-mappings\/?$/;
const ITEM = /^\/2015-03-31\/event-source-mappings\/([^/]+)\/?$/;
const FUNCTION_ARN = /^arn:[^:]+:lambda:([^:]+):(\d{12}):function:([^:]+)(?::[^:]+)?$/;

/** Lambda's limits for a DynamoDB stream source (Lambda API reference, CreateEventSourceMapping). */
const RANGES: Record<string, [number, number]> = {
  BatchSize: [1, 10_000],
  MaximumBatchingWindowInSeconds: [0, 300],
  ParallelizationFactor: [1, 10],
  MaximumRetryAttempts: [-1, 10_000],
  MaximumRecordAgeInSeconds: [-1, 604_800],
  TumblingWindowInSeconds: [0, 900],
};

const SETTINGS = [
  ...Object.keys(RANGES),
  'BisectBatchOnFunctionError',
  'FunctionResponseTypes',
  'DestinationConfig',
  'FilterCriteria',
] as const;

function invalid(message: string): InjectedResponse {
  return lambdaError('InvalidParameterValueException', message);
}

function notFound(): InjectedResponse {
  return lambdaError('ResourceNotFoundException', 'The resource you requested does not exist.');
}

function validateSettings(input: Record<string, unknown>): InjectedResponse | undefined {
  for (const [field, [min, max]] of Object.entries(RANGES)) {
    const value = input[field];
    if (value === undefined) continue;
    const ok =
      typeof value === 'number' &&
      Number.isInteger(value) &&
      value >= min &&
      value <= max &&
      !(field === 'MaximumRecordAgeInSeconds' && value >= 0 && value < 60);
    if (!ok)
      return invalid(`${field} must be an integer between ${min} and ${max}, got ${JSON.stringify(value)}`);
  }
  return undefined;
}

/** The mapping store of `createCrossAccountStreamsModel`. */
export function createMappingStore(deps: {
  clients: MotoAccountClients;
  policies: StreamPolicyStore;
  motoEndpoint: string;
  now: () => number;
  region: string;
}): MappingStore {
  const mappings = new Map<string, { owner: string; config: ModeledEventSourceMapping }>();

  /** The function's ARN and role in the caller's account, or the error to answer with. */
  const resolveFunction = async (
    name: unknown,
    caller: Caller,
    region: string,
  ): Promise<{ arn: string; role: string } | InjectedResponse> => {
    if (typeof name !== 'string' || name === '') return invalid('FunctionName is required');
    const asArn = FUNCTION_ARN.exec(name);
    const fnRegion = asArn?.[1] ?? region;
    const missing = () =>
      lambdaError(
        'ResourceNotFoundException',
        `Function not found: ${asArn ? name : `arn:aws:lambda:${fnRegion}:${caller.account}:function:${name}`}`,
      );
    // A mapping and its function live in one account: the caller's.
    if (asArn && asArn[2] !== caller.account) return missing();
    try {
      const out = await deps.clients
        .lambda(fnRegion, caller.account)
        .send(new GetFunctionConfigurationCommand({ FunctionName: name }));
      if (!out.FunctionArn || !out.Role) return missing();
      return { arn: out.FunctionArn, role: out.Role };
    } catch (err) {
      if ((err as { name?: string }).name === 'ResourceNotFoundException') return missing();
      throw err;
    }
  };

  /** Lambda's refusal when the function's role may not read the stream under the policy in force. */
  const checkAccess = async (role: string, streamArn: string): Promise<InjectedResponse | undefined> => {
    if (await policyAllowsRole(deps.policies.inForce(streamArn), role, streamArn)) return undefined;
    return invalid(
      `Cannot access stream ${streamArn}. Please ensure the role can perform the GetRecords, GetShardIterator, DescribeStream, and ListStreams Actions on your stream.`,
    );
  };

  const create = async (
    input: Record<string, unknown>,
    streamArn: string,
    caller: Caller,
    region: string,
  ): Promise<InjectedResponse> => {
    const stream = parseStreamArn(streamArn);
    if (!stream || !(await deps.policies.streamExists({ ...stream, arn: streamArn }))) {
      return invalid(`Stream not found: ${streamArn}`);
    }
    const fn = await resolveFunction(input.FunctionName, caller, region);
    if ('status' in fn) return fn;
    const position = input.StartingPosition;
    if (position !== 'TRIM_HORIZON' && position !== 'LATEST') {
      return invalid(
        `StartingPosition must be TRIM_HORIZON or LATEST for a DynamoDB stream, got ${JSON.stringify(position)}`,
      );
    }
    const bad = validateSettings(input);
    if (bad) return bad;
    const denied = await checkAccess(fn.role, streamArn);
    if (denied) return denied;
    for (const { config } of mappings.values()) {
      if (config.EventSourceArn === streamArn && config.FunctionArn === fn.arn) {
        return lambdaError(
          'ResourceConflictException',
          `An event source mapping with DynamoDB stream arn (" ${streamArn} ") and function (" ${fn.arn} ") already exists. Please update or delete the existing mapping with UUID ${config.UUID}`,
        );
      }
    }
    const config: ModeledEventSourceMapping = {
      UUID: randomUUID(),
      EventSourceArn: streamArn,
      FunctionArn: fn.arn,
      State: input.Enabled === false ? 'Disabled' : 'Enabled',
      StateTransitionReason: 'USER_INITIATED',
      LastModified: deps.now() / 1000,
      LastProcessingResult: 'No records processed',
      StartingPosition: position,
      BatchSize: 100,
      MaximumBatchingWindowInSeconds: 0,
      ParallelizationFactor: 1,
      MaximumRetryAttempts: -1,
      MaximumRecordAgeInSeconds: -1,
      BisectBatchOnFunctionError: false,
      TumblingWindowInSeconds: 0,
      FunctionResponseTypes: [],
      DestinationConfig: { OnFailure: {} },
    };
    applySettings(config, input);
    mappings.set(config.UUID, { owner: caller.account, config });
    return lambdaOk(202, config);
  };

  const update = async (
    entry: { owner: string; config: ModeledEventSourceMapping },
    input: Record<string, unknown>,
    caller: Caller,
    region: string,
  ): Promise<InjectedResponse> => {
    const bad = validateSettings(input);
    if (bad) return bad;
    const next = structuredClone(entry.config);
    if (input.FunctionName !== undefined) {
      const fn = await resolveFunction(input.FunctionName, caller, region);
      if ('status' in fn) return fn;
      const denied = await checkAccess(fn.role, next.EventSourceArn);
      if (denied) return denied;
      next.FunctionArn = fn.arn;
    }
    applySettings(next, input);
    if (input.Enabled !== undefined) next.State = input.Enabled === false ? 'Disabled' : 'Enabled';
    next.StateTransitionReason = 'USER_INITIATED';
    next.LastModified = deps.now() / 1000;
    entry.config = next;
    return lambdaOk(202, next);
  };

  const matchesFunction = (config: ModeledEventSourceMapping, name: string | null) =>
    name === null || config.FunctionArn === name || config.FunctionArn.split(':')[6] === name;

  const ownedBy = (account: string, streamArn: string | null, functionName: string | null) =>
    [...mappings.values()]
      .filter(
        (m) =>
          m.owner === account &&
          (streamArn === null || m.config.EventSourceArn === streamArn) &&
          matchesFunction(m.config, functionName),
      )
      .map((m) => structuredClone(m.config));

  /** moto's own list for the caller, with the model's mappings of the caller's account appended. */
  const mergedList = async (request: AuthorizeRequest, extra: ModeledEventSourceMapping[]) => {
    const headers: Record<string, string> = {};
    for (const [key, value] of Object.entries(request.headers)) {
      if (typeof value === 'string' && !['host', 'content-length', 'connection'].includes(key))
        headers[key] = value;
    }
    const response = await fetch(`${deps.motoEndpoint}${request.path}`, { method: 'GET', headers });
    const text = await response.text();
    if (response.status !== 200) {
      return { status: response.status, headers: { 'content-type': 'application/json' }, body: text };
    }
    const out = JSON.parse(text) as { EventSourceMappings?: unknown[]; NextMarker?: string };
    // Appended to the last page only, so that paging through moto's list sees each one once.
    if (out.NextMarker === undefined)
      out.EventSourceMappings = [...(out.EventSourceMappings ?? []), ...extra];
    return lambdaOk(200, out);
  };

  const handle = async (
    request: AuthorizeRequest,
    callerOf: () => Caller | InjectedResponse,
  ): Promise<InjectedResponse | undefined> => {
    const url = new URL(request.path, 'http://proxy.local');
    const region = /Credential=[^/]+\/[^/]+\/([^/]+)\//.exec(
      String(request.headers.authorization ?? ''),
    )?.[1];
    const item = ITEM.exec(url.pathname);
    if (item?.[1]) {
      const entry = mappings.get(decodeURIComponent(item[1]));
      if (!entry) return undefined;
      const caller = callerOf();
      if ('status' in caller) return caller;
      // On AWS an account sees only its own mappings.
      if (caller.account !== entry.owner) return notFound();
      if (request.method === 'GET') return lambdaOk(200, entry.config);
      if (request.method === 'PUT')
        return update(entry, jsonBody(request.body), caller, region ?? deps.region);
      if (request.method === 'DELETE') {
        mappings.delete(entry.config.UUID);
        return lambdaOk(202, { ...entry.config, State: 'Deleting', LastModified: deps.now() / 1000 });
      }
      return undefined;
    }
    if (!COLLECTION.test(url.pathname)) return undefined;
    if (request.method === 'POST') {
      const input = jsonBody(request.body);
      const stream = parseStreamArn(input.EventSourceArn);
      if (!stream) return undefined;
      const caller = callerOf();
      if ('status' in caller) return caller;
      if (caller.account === stream.account) return undefined;
      return create(input, input.EventSourceArn as string, caller, region ?? deps.region);
    }
    if (request.method !== 'GET') return undefined;
    const streamArn = url.searchParams.get('EventSourceArn');
    const functionName = url.searchParams.get('FunctionName');
    const stream = parseStreamArn(streamArn);
    if (streamArn !== null && !stream) return undefined;
    const caller = callerOf();
    if ('status' in caller) return stream ? caller : undefined;
    if (stream) {
      if (caller.account === stream.account) return undefined;
      return lambdaOk(200, { EventSourceMappings: ownedBy(caller.account, streamArn, functionName) });
    }
    const extra = ownedBy(caller.account, null, functionName);
    return extra.length === 0 ? undefined : mergedList(request, extra);
  };

  return { handle, all: () => [...mappings.values()].map((m) => structuredClone(m.config)) };
}

function applySettings(config: ModeledEventSourceMapping, input: Record<string, unknown>): void {
  const target = config as unknown as Record<string, unknown>;
  for (const field of SETTINGS) {
    if (input[field] !== undefined) target[field] = structuredClone(input[field]);
  }
}
