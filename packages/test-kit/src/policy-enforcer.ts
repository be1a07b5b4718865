import type { IncomingHttpHeaders } from 'node:http';
import { DynamoDBClient, GetResourcePolicyCommand } from '@aws-sdk/client-dynamodb';
import type { SideCredentials } from './accounts.js';
import type { AuthorizeRequest } from './fault-proxy.js';
import type { InjectedResponse } from './fault-responses.js';
import { simulateResourcePolicy } from './resource-policy-simulation.js';

/** Options of {@link createPolicyEnforcer}. */
export interface PolicyEnforcerOptions {
  /** moto's base URL (not the proxy's): where the tables' resource policies are read. */
  motoEndpoint: string;
  /** Region of a request whose signature names none. Default `us-east-1`. */
  region?: string;
  /**
   * Who signs with which access key id: the principal ARN (an IAM role, user or root ARN, or an STS
   * assumed-role ARN) whose aws:PrincipalArn the policy sees. A role ARN keeps its path; a session
   * ARN stands for its role without one. A write signed with a key not known here is refused.
   */
  principals: Record<string, string> | ((accessKeyId: string) => string | undefined);
  /** How long a policy change takes to be enforced after the enforcer first saw it. Default 0. */
  propagationMs?: number;
  /** The clock of propagation and the policy cache, in ms. Default `Date.now`. */
  now?: () => number;
  /**
   * Credentials that read a table's policy in `accountId`. Default: test keys and moto's
   * `x-moto-account-id` header, which selects the account whatever the key.
   */
  credentials?: (accountId: string) => SideCredentials;
  /** How long a policy read from moto is reused, in ms (by the `now` clock). Default 200. */
  cacheMs?: number;
}

/** What {@link createPolicyEnforcer} decided so far, counted per write request. */
export interface PolicyEnforcerStats {
  /** Write requests answered with AccessDeniedException. */
  denied: number;
  /** Write requests let through. */
  allowed: number;
  /** Write requests evaluated (denied + allowed). */
  evaluated: number;
}

/** A model of DynamoDB resource-policy enforcement, for the fault proxy's `authorize` hook. */
export interface PolicyEnforcer {
  /** The hook: give it to `startFaultProxy({ authorize })` or `proxy.setAuthorize(...)`. */
  authorize: (request: AuthorizeRequest) => Promise<InjectedResponse | undefined>;
  /** Counters since creation. */
  stats(): PolicyEnforcerStats;
  /** Releases the SDK clients. */
  close(): void;
}

/** One action on one table that a write request needs. */
interface WriteTarget {
  action: string;
  table: string;
}

interface Observed {
  revision: string | undefined;
  policy: unknown;
}

interface TablePolicy {
  enforced: Observed;
  pending?: Observed & { seenAt: number };
  fetchedAt: number;
}

const ITEM_WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem']);
const PARTIQL_OPERATIONS = new Set(['ExecuteStatement', 'BatchExecuteStatement', 'ExecuteTransaction']);
const PARTIQL_WRITE = /^\s*(INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+("(?:[^"]|"")+"|[\w.-]+)/i;
const PARTIQL_ACTION: Record<string, string> = { I: 'PartiQLInsert', U: 'PartiQLUpdate', D: 'PartiQLDelete' };

function partiqlTarget(statement: unknown): WriteTarget[] {
  const match = typeof statement === 'string' ? PARTIQL_WRITE.exec(statement) : null;
  if (!match?.[1] || !match[2]) return [];
  const name = match[2].startsWith('"') ? match[2].slice(1, -1).replaceAll('""', '"') : match[2];
  return [{ action: `dynamodb:${PARTIQL_ACTION[match[1].charAt(0).toUpperCase()]}`, table: name }];
}

/** The write actions a DynamoDB request is authorised by; empty for reads (and a transaction's ConditionCheck). */
function writeTargets(operation: string, body: Buffer): WriteTarget[] {
  if (
    !ITEM_WRITES.has(operation) &&
    operation !== 'TransactWriteItems' &&
    !PARTIQL_OPERATIONS.has(operation)
  ) {
    return [];
  }
  const input = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
  if (operation === 'BatchWriteItem') {
    return Object.keys((input.RequestItems as object | undefined) ?? {}).map((table) => ({
      action: 'dynamodb:BatchWriteItem',
      table,
    }));
  }
  if (ITEM_WRITES.has(operation)) {
    return [{ action: `dynamodb:${operation}`, table: String(input.TableName) }];
  }
  if (operation === 'TransactWriteItems') {
    const items = (input.TransactItems as Array<Record<string, { TableName?: string }>> | undefined) ?? [];
    return items.flatMap((item) =>
      (['Put', 'Update', 'Delete'] as const).flatMap((kind) =>
        item[kind] ? [{ action: `dynamodb:${kind}Item`, table: String(item[kind].TableName) }] : [],
      ),
    );
  }
  const statements =
    operation === 'ExecuteStatement'
      ? [input.Statement]
      : ((input.Statements ?? input.TransactStatements) as Array<{ Statement?: unknown }> | undefined)?.map(
          (s) => s.Statement,
        );
  return (statements ?? []).flatMap(partiqlTarget);
}

function credentialScope(headers: IncomingHttpHeaders): { accessKeyId: string; region: string } | undefined {
  const match = /Credential=([^/,\s]+)\/[^/]+\/([^/]+)\//.exec(String(headers.authorization ?? ''));
  return match?.[1] && match[2] ? { accessKeyId: match[1], region: match[2] } : undefined;
}

/** The principal as the request's aws:PrincipalArn (a session's is its role's ARN) and as the simulator's caller. */
function principalOf(arn: string): {
  principalArn: string;
  caller: string;
  partition: string;
  account: string;
} {
  const parts = arn.split(':');
  const [, partition = '', service = '', , account = '', resource = ''] = parts;
  if (parts.length !== 6 || !/^\d{12}$/.test(account)) {
    throw new Error(`policy enforcer: '${arn}' is not a principal ARN`);
  }
  const session = service === 'sts' ? /^assumed-role\/([^/]+)\/[^/]+$/.exec(resource) : null;
  if (session) {
    return {
      principalArn: `arn:${partition}:iam::${account}:role/${session[1]}`,
      caller: arn,
      partition,
      account,
    };
  }
  const role = service === 'iam' ? /^role\/(?:.*\/)?([^/]+)$/.exec(resource) : null;
  // A role calls AWS only as one of its sessions.
  const caller = role ? `arn:${partition}:sts::${account}:assumed-role/${role[1]}/policy-enforcer` : arn;
  return { principalArn: arn, caller, partition, account };
}

function accessDenied(
  principal: string,
  action: string,
  tableArn: string,
  explicit: boolean,
): InjectedResponse {
  const why = explicit
    ? 'with an explicit deny in a resource-based policy'
    : `because no resource-based policy allows the ${action} action`;
  return {
    status: 400,
    headers: {
      'content-type': 'application/x-amz-json-1.0',
      'x-amzn-requestid': `POLICYENFORCER${Date.now()}`,
    },
    body: JSON.stringify({
      __type: 'com.amazon.coral.service#AccessDeniedException',
      message: `User: ${principal} is not authorized to perform: ${action} on resource: ${tableArn} ${why}`,
    }),
  };
}

function unknownKey(accessKeyId: string): InjectedResponse {
  return {
    status: 400,
    headers: {
      'content-type': 'application/x-amz-json-1.0',
      'x-amzn-requestid': `POLICYENFORCER${Date.now()}`,
    },
    body: JSON.stringify({
      __type: 'com.amazon.coral.service#UnrecognizedClientException',
      message: `The security token included in the request is invalid (test-kit policy enforcer: no principal for access key ${accessKeyId})`,
    }),
  };
}

/**
 * A model of DynamoDB's resource-based policy enforcement, which moto lacks (it stores policies and
 * enforces none). For each write (PutItem, UpdateItem, DeleteItem, BatchWriteItem per table,
 * TransactWriteItems per Put/Update/Delete, PartiQL INSERT/UPDATE/DELETE) it reads the table's policy
 * from moto, evaluates it with a real IAM evaluator (@cloud-copilot/iam-simulate) beside an allow-all
 * identity policy, and answers a denied request as DynamoDB does (400 AccessDeniedException) instead
 * of forwarding it. Reads are never evaluated.
 *
 * Policy changes are eventually consistent in AWS ("it might take some time for the policy to take
 * effect", https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/access-control-resource-based.html),
 * so a new RevisionId is enforced only `propagationMs` after the enforcer first saw it; until then the
 * previous one is. The policy a table has when the enforcer first reads it counts as in force already.
 *
 * @example
 * const enforcer = createPolicyEnforcer({ motoEndpoint: motoEndpoint(), principals: { AKIAWRITER: writerRoleArn } });
 * const proxy = await startFaultProxy({ target: motoEndpoint(), authorize: enforcer.authorize });
 * const ddb = new DynamoDBClient({ ...side, endpoint: proxy.endpoint });
 */
export function createPolicyEnforcer(options: PolicyEnforcerOptions): PolicyEnforcer {
  const now = options.now ?? Date.now;
  const propagationMs = options.propagationMs ?? 0;
  const cacheMs = options.cacheMs ?? 200;
  const principals = options.principals;
  const lookup = typeof principals === 'function' ? principals : (key: string) => principals[key];
  const counts: PolicyEnforcerStats = { denied: 0, allowed: 0, evaluated: 0 };
  const clients = new Map<string, DynamoDBClient>();
  const tables = new Map<string, TablePolicy>();
  const reads = new Map<string, Promise<Observed>>();
  // Loaded on first use: the evaluator's data is large, and most test files never enforce a policy.

  const clientFor = (region: string, account: string): DynamoDBClient => {
    const key = `${region}/${account}`;
    let client = clients.get(key);
    if (!client) {
      const custom = options.credentials?.(account);
      client = new DynamoDBClient({
        region,
        endpoint: options.motoEndpoint,
        credentials: custom ?? { accessKeyId: 'policy-enforcer', secretAccessKey: 'policy-enforcer' },
        maxAttempts: 1,
      });
      if (!custom) {
        client.middlewareStack.add(
          (next) => (args) => {
            (args.request as { headers: Record<string, string> }).headers['x-moto-account-id'] = account;
            return next(args);
          },
          { step: 'build', name: 'policyEnforcerMotoAccount' },
        );
      }
      clients.set(key, client);
    }
    return client;
  };

  const readPolicy = async (tableArn: string): Promise<Observed> => {
    const [, , , region = '', account = ''] = tableArn.split(':');
    try {
      const out = await clientFor(region, account).send(
        new GetResourcePolicyCommand({ ResourceArn: tableArn }),
      );
      return {
        revision: out.RevisionId,
        policy: out.Policy === undefined ? undefined : JSON.parse(out.Policy),
      };
    } catch (err) {
      const name = (err as { name?: string }).name;
      // No policy; or no table, which moto itself answers when the write is forwarded.
      if (name === 'PolicyNotFoundException' || name === 'ResourceNotFoundException') {
        return { revision: undefined, policy: undefined };
      }
      throw err;
    }
  };

  /** The policy in force on the table now, after reading moto when the cached read is stale. */
  const policyInForce = async (tableArn: string): Promise<unknown> => {
    let state = tables.get(tableArn);
    if (!state || now() - state.fetchedAt >= cacheMs) {
      let read = reads.get(tableArn);
      if (!read) {
        read = readPolicy(tableArn).finally(() => reads.delete(tableArn));
        reads.set(tableArn, read);
      }
      const observed = await read;
      const at = now();
      state = tables.get(tableArn);
      if (!state) {
        state = { enforced: observed, fetchedAt: at };
        tables.set(tableArn, state);
      } else {
        state.fetchedAt = at;
        if (observed.revision === state.enforced.revision) delete state.pending;
        else if (!state.pending || state.pending.revision !== observed.revision) {
          // A revision not seen before (a deleted policy's is undefined): its propagation starts now.
          state.pending = { ...observed, seenAt: at };
        }
      }
    }
    if (state.pending && now() - state.pending.seenAt >= propagationMs) {
      state.enforced = { revision: state.pending.revision, policy: state.pending.policy };
      delete state.pending;
    }
    return state.enforced.policy;
  };

  const decide = async (principalArn: string, target: WriteTarget, region: string) => {
    const principal = principalOf(principalArn);
    const tableArn = target.table.startsWith('arn:')
      ? target.table
      : `arn:${principal.partition}:dynamodb:${region}:${principal.account}:table/${target.table}`;
    const policy = await policyInForce(tableArn);
    if (policy === undefined) return undefined;
    const result = await simulateResourcePolicy({
      caller: principal.caller,
      principalArn: principal.principalArn,
      account: principal.account,
      action: target.action,
      resourceArn: tableArn,
      policy,
      who: 'policy enforcer',
    });
    if (result === 'Allowed') return undefined;
    return accessDenied(principalArn, target.action, tableArn, result === 'ExplicitlyDenied');
  };

  const authorize = async (request: AuthorizeRequest): Promise<InjectedResponse | undefined> => {
    if (request.service !== 'dynamodb') return undefined;
    const targets = writeTargets(request.operation, request.body);
    if (targets.length === 0) return undefined;
    const scope = credentialScope(request.headers);
    const principalArn = scope && lookup(scope.accessKeyId);
    if (!scope || principalArn === undefined) return unknownKey(scope?.accessKeyId ?? '(unsigned)');
    counts.evaluated += 1;
    for (const target of targets) {
      const denial = await decide(principalArn, target, scope.region || (options.region ?? 'us-east-1'));
      if (denial) {
        counts.denied += 1;
        return denial;
      }
    }
    counts.allowed += 1;
    return undefined;
  };

  return {
    authorize,
    stats: () => ({ ...counts }),
    close: () => {
      for (const client of clients.values()) client.destroy();
      clients.clear();
    },
  };
}
