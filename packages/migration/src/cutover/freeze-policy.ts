/**
 * The write freeze of a cutover: a Deny statement in the source table's resource-based policy
 * (PutResourcePolicy), merged with whatever policy the table already has. Pure: builds and reads
 * policy text, calls nothing.
 *
 * Why a resource policy: a Deny there wins over any Allow of any identity policy, and it covers
 * every way to write: TransactWriteItems is authorised per item as PutItem/UpdateItem/DeleteItem,
 * PartiQL writes as PartiQLInsert/Update/Delete
 * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/access-control-resource-based.html).
 */
import { ConfigError } from '@ddb-migrate/core';

/** The Sid of the freeze statement; a statement with this Sid is ours (replaced, removed). */
export const FREEZE_SID = 'DdbMigrateFreezeWrites';

/**
 * The actions the freeze denies: every DynamoDB item write. ConditionCheckItem (a transaction's
 * ConditionCheck) writes nothing and stays allowed.
 */
export const FROZEN_ACTIONS: readonly string[] = Object.freeze([
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:PartiQLInsert',
  'dynamodb:PartiQLUpdate',
  'dynamodb:PartiQLDelete',
]);

/** The largest resource policy DynamoDB accepts, in bytes (20 KB; whitespace counts). */
export const MAX_POLICY_BYTES = 20_480;

/** What to freeze and who may still write. */
export interface FreezeSpec {
  /** The table whose writes are frozen. */
  tableArn: string;
  /** principal ARNs exempt from the freeze (users, roles, or sts assumed-role session ARNs) */
  exemptPrincipalArns: readonly string[];
}

const PARTITION = 'aws(?:-[a-z]+)*';
const ACCOUNT = '\\d{12}';
// IAM names: letters, digits and +=,.@_- (no wildcards, which ArnLike would read as patterns).
const NAME = '[\\w+=,.@-]+';
const ROLE = new RegExp(`^arn:(${PARTITION}):iam::(${ACCOUNT}):role/((?:${NAME}/)*)(${NAME})$`);
const ASSUMED_ROLE = new RegExp(`^arn:(${PARTITION}):sts::(${ACCOUNT}):assumed-role/(${NAME})/(${NAME})$`);
const USER = new RegExp(`^arn:(${PARTITION}):iam::(${ACCOUNT}):user/(?:${NAME}/)*${NAME}$`);
const ROOT = new RegExp(`^arn:(${PARTITION}):iam::(${ACCOUNT}):root$`);
/** A federated user's session: its aws:PrincipalArn is this ARN itself (IAM condition keys reference). */
const FEDERATED = new RegExp(`^arn:(${PARTITION}):sts::(${ACCOUNT}):federated-user/${NAME}$`);
/** moto's GetCallerIdentity answer for plain keys (AWS never returns it): stands for an IAM user. */
const STAND_IN_USER = new RegExp(`^arn:(${PARTITION}):sts::(${ACCOUNT}):user/(${NAME})$`);
const TABLE = new RegExp(`^arn:(${PARTITION}):dynamodb:[a-z0-9-]+:${ACCOUNT}:table/[\\w.-]{3,255}$`);

function rolePatterns(partition: string, account: string, name: string): string[] {
  // Role names are unique in an account whatever the path, so "this name under any path" is this role.
  // A session ARN drops the path while aws:PrincipalArn carries it: both patterns are needed.
  return [`arn:${partition}:iam::${account}:role/${name}`, `arn:${partition}:iam::${account}:role/*/${name}`];
}

/**
 * Patterns for aws:PrincipalArn that match a principal: a role ARN -> itself and the same name
 * under any path; an sts assumed-role ARN -> its role's patterns (a session's aws:PrincipalArn is
 * its role's ARN); an IAM user or root ARN -> itself.
 *
 * @throws ConfigError (`PRINCIPAL_INVALID`) for anything that is not an IAM role, user or root ARN or
 *   an STS assumed-role ARN.
 * @example
 * principalPatterns('arn:aws:sts::111122223333:assumed-role/app/s1');
 * // ['arn:aws:iam::111122223333:role/app', 'arn:aws:iam::111122223333:role/*\/app']
 */
export function principalPatterns(principalArn: string): string[] {
  const role = ROLE.exec(principalArn);
  if (role) {
    const [, partition = '', account = '', , name = ''] = role;
    return [...new Set([principalArn, ...rolePatterns(partition, account, name)])];
  }
  const session = ASSUMED_ROLE.exec(principalArn);
  if (session) {
    const [, partition = '', account = '', name = ''] = session;
    return rolePatterns(partition, account, name);
  }
  if (USER.test(principalArn) || ROOT.test(principalArn) || FEDERATED.test(principalArn))
    return [principalArn];
  const standIn = STAND_IN_USER.exec(principalArn);
  if (standIn) {
    const [, partition = '', account = '', name = ''] = standIn;
    return [principalArn, `arn:${partition}:iam::${account}:user/${name}`];
  }
  throw new ConfigError(
    `Cannot exempt '${principalArn}' from the write freeze: it is not an IAM role, user or root ARN, nor an STS assumed-role ARN`,
    {
      code: 'PRINCIPAL_INVALID',
      hint: 'Give the ARN of the role or user that must keep writing, e.g. arn:aws:iam::111122223333:role/app (aws sts get-caller-identity prints it)',
    },
  );
}

function partitionOf(tableArn: string): string {
  const match = TABLE.exec(tableArn);
  if (!match?.[1]) {
    throw new ConfigError(`Cannot freeze writes on '${tableArn}': it is not a DynamoDB table ARN`, {
      hint: 'Give the table ARN as DescribeTable returns it: arn:aws:dynamodb:<region>:<account>:table/<name>',
    });
  }
  return match[1];
}

/**
 * The Deny statement of the freeze: every write in {@link FROZEN_ACTIONS} on the table by any
 * principal but the exempt ones, AWS service principals and service-linked roles (a global
 * table's replication writes as `role/aws-service-role/replication.dynamodb.amazonaws.com/...`).
 *
 * @throws ConfigError when the table ARN (`CONFIG_INVALID`) or an exempt principal (`PRINCIPAL_INVALID`) is
 *   malformed.
 */
export function freezeStatement(spec: FreezeSpec): Record<string, unknown> {
  const partition = partitionOf(spec.tableArn);
  const exempt = [...new Set(spec.exemptPrincipalArns.flatMap(principalPatterns))];
  return {
    Sid: FREEZE_SID,
    Effect: 'Deny',
    Principal: '*',
    Action: [...FROZEN_ACTIONS],
    Resource: spec.tableArn,
    Condition: {
      ArnNotLike: { 'aws:PrincipalArn': [...exempt, `arn:${partition}:iam::*:role/aws-service-role/*`] },
      BoolIfExists: { 'aws:PrincipalIsAWSService': 'false' },
    },
  };
}

interface ParsedPolicy {
  document: Record<string, unknown>;
  statements: unknown[];
}

function parsePolicy(text: string): ParsedPolicy {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (cause) {
    throw new ConfigError(
      "The table's resource policy is not valid JSON, so the freeze cannot be merged into it",
      {
        cause,
        code: 'POLICY_INVALID',
        hint: 'Fix or delete the table policy (aws dynamodb get-resource-policy shows it), then run again',
      },
    );
  }
  const statement = (document as { Statement?: unknown } | null)?.Statement;
  if (
    typeof document !== 'object' ||
    document === null ||
    Array.isArray(document) ||
    !isStatementField(statement)
  ) {
    throw new ConfigError(
      "The table's resource policy has no Statement list, so the freeze cannot be merged into it",
      {
        code: 'POLICY_INVALID',
        hint: 'Fix or delete the table policy (aws dynamodb get-resource-policy shows it), then run again',
      },
    );
  }
  return { document: document as Record<string, unknown>, statements: [statement].flat() };
}

function isStatementField(value: unknown): boolean {
  return Array.isArray(value) || (typeof value === 'object' && value !== null);
}

function isFreeze(statement: unknown): boolean {
  return (statement as { Sid?: unknown } | null)?.Sid === FREEZE_SID;
}

/**
 * The policy text to put: `existing` (JSON text, or undefined when the table has none) with the
 * freeze statement appended. A statement with {@link FREEZE_SID} is replaced where it stands, so
 * re-running gives the same text; every other statement and top-level field is kept, in order.
 *
 * @throws ConfigError `POLICY_INVALID` when `existing` is not JSON with a Statement array or object,
 *   `POLICY_TOO_LARGE` when the result is larger than {@link MAX_POLICY_BYTES}.
 * @example
 * const text = frozenPolicy(current?.Policy, { tableArn, exemptPrincipalArns: [migratorRoleArn] });
 */
export function frozenPolicy(existing: string | undefined, spec: FreezeSpec): string {
  const freeze = freezeStatement(spec);
  const { document, statements } =
    existing === undefined ? { document: { Version: '2012-10-17' }, statements: [] } : parsePolicy(existing);
  const at = statements.findIndex(isFreeze);
  const merged =
    at < 0
      ? [...statements, freeze]
      : statements.flatMap((s, i) => (i === at ? [freeze] : isFreeze(s) ? [] : [s]));
  const text = JSON.stringify({ ...document, Statement: merged });
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_POLICY_BYTES) {
    throw new ConfigError(
      `The table's resource policy with the freeze statement would be ${bytes} bytes; DynamoDB allows at most ${MAX_POLICY_BYTES}`,
      {
        code: 'POLICY_TOO_LARGE',
        hint: 'Shorten the table policy or exempt fewer principals, or freeze writes yourself and cut over without a policy freeze',
      },
    );
  }
  return text;
}

/** True when the policy text holds the freeze statement (false for no policy or text that is not a policy). */
export function hasFreeze(policy: string | undefined): boolean {
  if (policy === undefined) return false;
  try {
    return parsePolicy(policy).statements.some(isFreeze);
  } catch {
    return false;
  }
}

/**
 * The policy with the freeze statement removed, for lifting a freeze whose original policy is not
 * recorded; `undefined` when no other statement remains (delete the policy). Text without the
 * freeze comes back unchanged.
 *
 * @throws ConfigError (`POLICY_INVALID`) when `policy` is not JSON with a Statement array or object.
 */
export function withoutFreeze(policy: string): string | undefined {
  const { document, statements } = parsePolicy(policy);
  if (!statements.some(isFreeze)) return policy;
  const rest = statements.filter((s) => !isFreeze(s));
  return rest.length === 0 ? undefined : JSON.stringify({ ...document, Statement: rest });
}
