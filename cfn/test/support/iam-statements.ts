import type { Template } from './cfn-yaml.js';

/** One IAM statement found in a template, with where it came from. */
export interface FoundStatement {
  where: string;
  statement: Record<string, unknown>;
}

/**
 * Every IAM statement in a template: role trust and inline policies, AWS::IAM::Policy /
 * ManagedPolicy documents, and bucket/queue/topic policies. A conditional statement
 * (`Fn::If [cond, stmt, AWS::NoValue]`) contributes both branches.
 */
export function collectStatements(template: Template): FoundStatement[] {
  const found: FoundStatement[] = [];
  for (const [id, resource] of Object.entries(template.Resources)) {
    const p = resource.Properties ?? {};
    const documents: [string, unknown][] = [];
    if (p.AssumeRolePolicyDocument)
      documents.push([`${id}.AssumeRolePolicyDocument`, p.AssumeRolePolicyDocument]);
    if (Array.isArray(p.Policies)) {
      for (const policy of p.Policies as { PolicyName?: unknown; PolicyDocument?: unknown }[]) {
        documents.push([`${id}.Policies.${String(policy.PolicyName)}`, policy.PolicyDocument]);
      }
    }
    if (p.PolicyDocument) documents.push([`${id}.PolicyDocument`, p.PolicyDocument]);
    for (const [where, document] of documents) {
      for (const statement of statementsOf(document)) found.push({ where, statement });
    }
  }
  return found;
}

function statementsOf(document: unknown): Record<string, unknown>[] {
  const raw = (document as { Statement?: unknown } | undefined)?.Statement;
  const list = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  return list.flatMap((entry) => expandIf(entry));
}

function expandIf(entry: unknown): Record<string, unknown>[] {
  if (isNoValue(entry)) return [];
  const branches = (entry as { 'Fn::If'?: unknown[] })['Fn::If'];
  if (Array.isArray(branches)) return [...expandIf(branches[1]), ...expandIf(branches[2])];
  return [entry as Record<string, unknown>];
}

function isNoValue(value: unknown): boolean {
  return (value as { Ref?: unknown } | undefined)?.Ref === 'AWS::NoValue';
}

/** A statement's actions as strings (single action or list). */
export function actionsOf(statement: Record<string, unknown>): string[] {
  const action = statement.Action ?? statement.NotAction;
  return (Array.isArray(action) ? action : [action]).filter((a): a is string => typeof a === 'string');
}

/** A statement's resources; intrinsic functions are kept as objects (never equal to "*"). */
export function resourcesOf(statement: Record<string, unknown>): unknown[] {
  const resource = statement.Resource ?? statement.NotResource;
  if (resource === undefined) return [];
  return Array.isArray(resource) ? resource : [resource];
}

/** Data-plane actions that must never be granted on every resource. */
export const DATA_PLANE_ACTION =
  /^(dynamodb:.*Item.*|dynamodb:Scan|dynamodb:Query|s3:GetObject|s3:PutObject|sqs:SendMessage|sts:AssumeRole)$/;

/**
 * Actions IAM defines without a resource type (Service Authorization Reference), which only
 * `Resource: "*"` can grant. The target layout's operations policy needs these two to create and
 * list the CDC function's event source mapping (creating is narrowed by `lambda:FunctionArn`).
 */
export const ACTIONS_WITHOUT_RESOURCE_TYPE: ReadonlySet<string> = new Set([
  'lambda:CreateEventSourceMapping',
  'lambda:ListEventSourceMappings',
]);

/**
 * Problems with a template's Allow statements: actions with wildcards, grants on Resource "*"
 * (except a statement whose every action is in {@link ACTIONS_WITHOUT_RESOURCE_TYPE}), and
 * NotAction/NotResource (which grant everything else). Deny statements may use wildcards (the
 * bucket's TLS-only rule denies s3:* on purpose). Trust policies have no Resource.
 */
export function findPolicyProblems(template: Template): string[] {
  const problems: string[] = [];
  for (const { where, statement } of collectStatements(template)) {
    if (statement.Effect !== 'Allow') continue;
    const sid = `${where}${statement.Sid ? `#${String(statement.Sid)}` : ''}`;
    if (statement.NotAction !== undefined || statement.NotResource !== undefined) {
      problems.push(`${sid}: NotAction/NotResource in an Allow statement`);
    }
    const actions = actionsOf(statement);
    for (const action of actions) {
      if (action.includes('*')) problems.push(`${sid}: wildcard action ${action}`);
    }
    const resources = resourcesOf(statement);
    const onlyUnscopable = actions.length > 0 && actions.every((a) => ACTIONS_WITHOUT_RESOURCE_TYPE.has(a));
    if (resources.includes('*') && !onlyUnscopable) {
      const dataPlane = actions.filter((a) => DATA_PLANE_ACTION.test(a));
      problems.push(
        dataPlane.length > 0
          ? `${sid}: data-plane actions ${dataPlane.join(', ')} on Resource "*"`
          : `${sid}: Resource "*"`,
      );
    }
  }
  return problems;
}
