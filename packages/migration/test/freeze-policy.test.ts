// The freeze policy, evaluated by a real IAM policy evaluator (@cloud-copilot/iam-simulate): every
// caller has an identity policy that allows dynamodb:* on its own account's tables, so a decision other
// than Allowed comes from the table's resource policy. Pure: no moto, no AWS.
import { getDenialReasons, runSimulation } from '@cloud-copilot/iam-simulate';
import { ConfigError } from '@ddb-migrate/core';
import { describe, expect, it } from 'vitest';
import {
  FREEZE_SID,
  FROZEN_ACTIONS,
  type FreezeSpec,
  freezeStatement,
  frozenPolicy,
  hasFreeze,
  MAX_POLICY_BYTES,
  principalPatterns,
  withoutFreeze,
} from '../src/cutover/freeze-policy.js';

const ACCOUNT = '111122223333';
const OTHER_ACCOUNT = '999999999999';
const TABLE_ARN = `arn:aws:dynamodb:eu-west-1:${ACCOUNT}:table/orders`;

/** Who makes a request, with the request context AWS would give it. */
interface Caller {
  principal: string;
  context: Record<string, string>;
  /** Whether the caller has an allow-all identity policy (AWS service principals have none). */
  identity: boolean;
}

/** A session of a role: aws:PrincipalArn is the ROLE's ARN, with its path, not the sts session ARN. */
function roleSession(roleNameWithPath: string, account = ACCOUNT): Caller {
  const name = roleNameWithPath.split('/').at(-1);
  return {
    principal: `arn:aws:sts::${account}:assumed-role/${name}/session-1`,
    context: {
      'aws:PrincipalArn': `arn:aws:iam::${account}:role/${roleNameWithPath}`,
      'aws:PrincipalAccount': account,
      'aws:PrincipalIsAWSService': 'false',
    },
    identity: true,
  };
}

function user(name: string): Caller {
  const arn = `arn:aws:iam::${ACCOUNT}:user/${name}`;
  return {
    principal: arn,
    context: {
      'aws:PrincipalArn': arn,
      'aws:PrincipalAccount': ACCOUNT,
      'aws:PrincipalIsAWSService': 'false',
    },
    identity: true,
  };
}

const writer = roleSession('app-writer');
const migrator = roleSession('ddb-migrate');
const pathedMigrator = roleSession('teams/data/ddb-migrate-pathed');
const replication = roleSession(
  'aws-service-role/replication.dynamodb.amazonaws.com/AWSServiceRoleForDynamoDBReplication',
);
const awsService: Caller = {
  principal: 'dynamodb.amazonaws.com',
  context: { 'aws:PrincipalIsAWSService': 'true', 'aws:PrincipalServiceName': 'dynamodb.amazonaws.com' },
  identity: false,
};
const crossAccountReader = roleSession('reader', OTHER_ACCOUNT);

// Spelled out (not FROZEN_ACTIONS): dropping an action from the freeze must fail a test. A transaction's
// Put/Update/Delete are authorised as PutItem/UpdateItem/DeleteItem.
const WRITES = [
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:PartiQLInsert',
  'dynamodb:PartiQLUpdate',
  'dynamodb:PartiQLDelete',
];
const READS = ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:Scan', 'dynamodb:DescribeTable'];

const EXISTING = {
  Version: '2012-10-17',
  Id: 'orders-policy',
  Statement: [
    {
      Sid: 'CrossAccountRead',
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${OTHER_ACCOUNT}:role/reader` },
      Action: ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:PutItem'],
      Resource: TABLE_ARN,
    },
    { Sid: 'NoDelete', Effect: 'Deny', Principal: '*', Action: 'dynamodb:DeleteTable', Resource: TABLE_ARN },
  ],
};
// As a user would have written it: indented, so the merge must not depend on the text's layout.
const EXISTING_TEXT = JSON.stringify(EXISTING, null, 2);

function spec(exemptPrincipalArns: string[]): FreezeSpec {
  return { tableArn: TABLE_ARN, exemptPrincipalArns };
}

const MIGRATOR_SPEC = spec([
  `arn:aws:iam::${ACCOUNT}:role/ddb-migrate`,
  // A session ARN has no path; the role's aws:PrincipalArn has one.
  `arn:aws:sts::${ACCOUNT}:assumed-role/ddb-migrate-pathed/cutover-run`,
]);

/** The evaluator's decision, and whether the freeze statement is among the explicit denies. */
async function decide(policyText: string | undefined, caller: Caller, action: string) {
  const response = await runSimulation(
    {
      request: {
        principal: caller.principal,
        action,
        resource: { resource: TABLE_ARN, accountId: ACCOUNT },
        contextVariables: caller.context,
      },
      identityPolicies: caller.identity
        ? [
            {
              name: 'allow-dynamodb',
              policy: {
                Version: '2012-10-17',
                Statement: [{ Effect: 'Allow', Action: 'dynamodb:*', Resource: '*' }],
              },
            },
          ]
        : [],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: policyText === undefined ? undefined : JSON.parse(policyText),
    },
    {},
  );
  if (response.resultType !== 'single') throw new Error(`simulation failed: ${JSON.stringify(response)}`);
  const denials = getDenialReasons(response.result.analysis);
  const byFreeze = denials.some((d) => d.denialType === 'Explicit' && d.statementId === FREEZE_SID);
  return { result: response.overallResult, byFreeze };
}

/** The freeze statement of `policyText` edited by `edit` (to show a condition is what exempts a caller). */
function withEditedFreeze(policyText: string, edit: (condition: Record<string, unknown>) => void): string {
  const doc = JSON.parse(policyText) as {
    Statement: Array<{ Sid?: string; Condition: Record<string, unknown> }>;
  };
  const freeze = doc.Statement.find((s) => s.Sid === FREEZE_SID);
  if (!freeze) throw new Error('no freeze statement');
  edit(freeze.Condition);
  return JSON.stringify(doc);
}

describe.each([
  { name: 'a table without a policy', existing: undefined },
  { name: 'a table with a policy', existing: EXISTING_TEXT },
])('frozenPolicy on $name', ({ existing }) => {
  const frozen = frozenPolicy(existing, MIGRATOR_SPEC);

  it.each(WRITES)('denies %s by a principal not exempt, explicitly', async (action) => {
    for (const caller of [writer, user('alice')]) {
      expect(await decide(frozen, caller, action)).toEqual({ result: 'ExplicitlyDenied', byFreeze: true });
    }
    // Before the freeze the same call is allowed: the denial is the freeze's.
    expect((await decide(existing, writer, action)).result).toBe('Allowed');
  });

  it('denies the writes of a principal whose request lacks aws:PrincipalIsAWSService (BoolIfExists)', async () => {
    const { 'aws:PrincipalIsAWSService': _, ...context } = writer.context;
    expect(await decide(frozen, { ...writer, context }, 'dynamodb:PutItem')).toEqual({
      result: 'ExplicitlyDenied',
      byFreeze: true,
    });
  });

  it.each(WRITES)(
    'lets an exempt role write with %s (given as role ARN, as session ARN, with a path)',
    async (action) => {
      for (const caller of [migrator, pathedMigrator]) {
        expect(await decide(frozen, caller, action)).toEqual({ result: 'Allowed', byFreeze: false });
      }
    },
  );

  it('denies those roles when they are not in the exempt list', async () => {
    const nobodyExempt = frozenPolicy(existing, spec([]));
    for (const caller of [migrator, pathedMigrator]) {
      expect(await decide(nobodyExempt, caller, 'dynamodb:PutItem')).toEqual({
        result: 'ExplicitlyDenied',
        byFreeze: true,
      });
    }
  });

  it('exempts an IAM user given by its ARN, and only that user', async () => {
    const policy = frozenPolicy(existing, spec([`arn:aws:iam::${ACCOUNT}:user/alice`]));
    expect((await decide(policy, user('alice'), 'dynamodb:UpdateItem')).result).toBe('Allowed');
    expect((await decide(policy, user('bob'), 'dynamodb:UpdateItem')).result).toBe('ExplicitlyDenied');
  });

  it.each(READS)('does not deny %s by a principal not exempt', async (action) => {
    expect(await decide(frozen, writer, action)).toEqual({ result: 'Allowed', byFreeze: false });
  });

  it('does not deny a transaction ConditionCheck (dynamodb:ConditionCheckItem writes nothing)', async () => {
    expect(await decide(frozen, writer, 'dynamodb:ConditionCheckItem')).toEqual({
      result: 'Allowed',
      byFreeze: false,
    });
  });

  it("lets a global table's replication role write, which the service-role pattern exempts", async () => {
    expect(await decide(frozen, replication, 'dynamodb:PutItem')).toEqual({
      result: 'Allowed',
      byFreeze: false,
    });
    const noServiceRoles = withEditedFreeze(frozen, (condition) => {
      const arnNotLike = condition.ArnNotLike as Record<string, string[]>;
      arnNotLike['aws:PrincipalArn'] = (arnNotLike['aws:PrincipalArn'] ?? []).filter(
        (p) => !p.includes('aws-service-role'),
      );
    });
    expect(await decide(noServiceRoles, replication, 'dynamodb:PutItem')).toEqual({
      result: 'ExplicitlyDenied',
      byFreeze: true,
    });
  });

  it('does not deny a call by an AWS service principal, which aws:PrincipalIsAWSService exempts', async () => {
    // A service principal has no identity policy, so without a grant the evaluator says ImplicitlyDenied:
    // what matters is that no explicit deny (ours) applies.
    const decision = await decide(frozen, awsService, 'dynamodb:PutItem');
    expect(decision.byFreeze).toBe(false);
    expect(decision.result).not.toBe('ExplicitlyDenied');
    const noServiceCondition = withEditedFreeze(frozen, (condition) => {
      delete condition.BoolIfExists;
    });
    expect(await decide(noServiceCondition, awsService, 'dynamodb:PutItem')).toEqual({
      result: 'ExplicitlyDenied',
      byFreeze: true,
    });
  });

  it('gives the same text when an already frozen policy is frozen again', () => {
    expect(frozenPolicy(frozen, MIGRATOR_SPEC)).toBe(frozen);
    expect(hasFreeze(frozen)).toBe(true);
  });

  it('replaces the freeze statement (one, with the new exemptions) when frozen again differently', async () => {
    const refrozen = frozenPolicy(frozen, spec([`arn:aws:iam::${ACCOUNT}:role/app-writer`]));
    const statements = (JSON.parse(refrozen) as { Statement: Array<{ Sid?: string }> }).Statement;
    expect(statements.filter((s) => s.Sid === FREEZE_SID)).toHaveLength(1);
    expect((await decide(refrozen, writer, 'dynamodb:PutItem')).result).toBe('Allowed');
    expect((await decide(refrozen, migrator, 'dynamodb:PutItem')).result).toBe('ExplicitlyDenied');
  });

  it('removes only the freeze statement with withoutFreeze', () => {
    const lifted = withoutFreeze(frozen);
    if (existing === undefined) {
      expect(lifted).toBeUndefined();
    } else {
      expect(JSON.parse(lifted ?? 'null')).toEqual(EXISTING);
      expect(hasFreeze(lifted)).toBe(false);
    }
  });
});

describe('frozenPolicy with an existing policy', () => {
  const frozen = frozenPolicy(EXISTING_TEXT, MIGRATOR_SPEC);

  it('keeps every existing statement unchanged and in order, top-level fields included, the freeze last', () => {
    const doc = JSON.parse(frozen) as { Version: string; Id: string; Statement: unknown[] };
    expect(doc.Version).toBe(EXISTING.Version);
    expect(doc.Id).toBe(EXISTING.Id);
    expect(doc.Statement.slice(0, -1)).toEqual(EXISTING.Statement);
    expect(doc.Statement.at(-1)).toEqual(freezeStatement(MIGRATOR_SPEC));
  });

  it("keeps the existing statements' effect: the cross-account Allow still grants reads, the Deny still denies", async () => {
    expect((await decide(frozen, crossAccountReader, 'dynamodb:GetItem')).result).toBe('Allowed');
    // Its PutItem grant is overridden by the freeze.
    expect((await decide(EXISTING_TEXT, crossAccountReader, 'dynamodb:PutItem')).result).toBe('Allowed');
    expect(await decide(frozen, crossAccountReader, 'dynamodb:PutItem')).toEqual({
      result: 'ExplicitlyDenied',
      byFreeze: true,
    });
    expect(await decide(frozen, migrator, 'dynamodb:DeleteTable')).toEqual({
      result: 'ExplicitlyDenied',
      byFreeze: false,
    });
  });

  it('merges into a policy whose Statement is a single object', () => {
    const single = JSON.stringify({ Version: '2012-10-17', Statement: EXISTING.Statement[1] });
    const doc = JSON.parse(frozenPolicy(single, MIGRATOR_SPEC)) as { Statement: unknown[] };
    expect(doc.Statement).toEqual([EXISTING.Statement[1], freezeStatement(MIGRATOR_SPEC)]);
  });

  it('keeps a freeze statement where it stands when statements follow it', () => {
    const after = {
      Sid: 'Later',
      Effect: 'Deny',
      Principal: '*',
      Action: 'dynamodb:UpdateTable',
      Resource: TABLE_ARN,
    };
    const doc = JSON.parse(frozen) as { Statement: unknown[] };
    const text = JSON.stringify({ ...doc, Statement: [...doc.Statement, after] });
    expect(frozenPolicy(text, MIGRATOR_SPEC)).toBe(text);
  });
});

describe('frozenPolicy refusals', () => {
  function refusal(call: () => unknown): ConfigError {
    try {
      call();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      return err as ConfigError;
    }
    throw new Error('expected a ConfigError');
  }

  it('accepts a result of exactly MAX_POLICY_BYTES and refuses one byte more, naming size and limit', () => {
    const padded = (pad: string) =>
      JSON.stringify({ Version: '2012-10-17', Statement: [{ ...EXISTING.Statement[1], Sid: `Pad${pad}` }] });
    const base = Buffer.byteLength(frozenPolicy(padded(''), MIGRATOR_SPEC));
    const fits = frozenPolicy(padded('x'.repeat(MAX_POLICY_BYTES - base)), MIGRATOR_SPEC);
    expect(Buffer.byteLength(fits)).toBe(MAX_POLICY_BYTES);
    const err = refusal(() => frozenPolicy(padded('x'.repeat(MAX_POLICY_BYTES - base + 1)), MIGRATOR_SPEC));
    expect(err.code).toBe('POLICY_TOO_LARGE');
    expect(err.message).toContain(`${MAX_POLICY_BYTES + 1} bytes`);
    expect(err.message).toContain(`at most ${MAX_POLICY_BYTES}`);
  });

  it('counts bytes, not characters', () => {
    const wide = (n: number) =>
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ ...EXISTING.Statement[1], Sid: 'é'.repeat(n) }],
      });
    const base = Buffer.byteLength(frozenPolicy(wide(0), MIGRATOR_SPEC));
    // Each é is 2 bytes: half the remaining bytes in characters already fill the limit.
    const n = Math.floor((MAX_POLICY_BYTES - base) / 2) + 1;
    expect(refusal(() => frozenPolicy(wide(n), MIGRATOR_SPEC)).message).toContain('bytes');
  });

  it.each([
    ['text that is not JSON', '{"Version": "2012-10-17", '],
    ['an empty text', ''],
    ['JSON without Statement', '{"Version":"2012-10-17"}'],
    ['a Statement that is a string', '{"Version":"2012-10-17","Statement":"Deny"}'],
    ['a JSON array', '[]'],
    ['JSON null', 'null'],
  ])('refuses an existing policy that is %s', (_, text) => {
    expect(refusal(() => frozenPolicy(text, MIGRATOR_SPEC)).code).toBe('POLICY_INVALID');
    expect(refusal(() => withoutFreeze(text)).code).toBe('POLICY_INVALID');
    expect(hasFreeze(text)).toBe(false);
  });

  it.each([
    'orders',
    `arn:aws:dynamodb:eu-west-1:${ACCOUNT}:table/orders/stream/2024-01-01T00:00:00.000`,
    `arn:aws:s3:::orders`,
  ])('refuses a table ARN %s', (tableArn) => {
    expect(refusal(() => freezeStatement({ tableArn, exemptPrincipalArns: [] })).code).toBe('CONFIG_INVALID');
  });
});

describe('freezeStatement', () => {
  it('denies the frozen actions to everyone but the exempt patterns and service-linked roles', () => {
    expect(
      freezeStatement({ tableArn: TABLE_ARN, exemptPrincipalArns: [`arn:aws:iam::${ACCOUNT}:user/a`] }),
    ).toEqual({
      Sid: FREEZE_SID,
      Effect: 'Deny',
      Principal: '*',
      Action: [...FROZEN_ACTIONS],
      Resource: TABLE_ARN,
      Condition: {
        ArnNotLike: {
          'aws:PrincipalArn': [`arn:aws:iam::${ACCOUNT}:user/a`, 'arn:aws:iam::*:role/aws-service-role/*'],
        },
        BoolIfExists: { 'aws:PrincipalIsAWSService': 'false' },
      },
    });
  });

  it("takes the service-role pattern's partition from the table ARN and lists each pattern once", () => {
    const tableArn = 'arn:aws-cn:dynamodb:cn-north-1:111122223333:table/orders';
    const role = 'arn:aws-cn:iam::111122223333:role/app';
    const statement = freezeStatement({ tableArn, exemptPrincipalArns: [role, role] }) as {
      Condition: { ArnNotLike: { 'aws:PrincipalArn': string[] } };
    };
    expect(statement.Condition.ArnNotLike['aws:PrincipalArn']).toEqual([
      role,
      'arn:aws-cn:iam::111122223333:role/*/app',
      'arn:aws-cn:iam::*:role/aws-service-role/*',
    ]);
  });

  it('denies none of the read actions and not ConditionCheckItem', () => {
    expect(FROZEN_ACTIONS).not.toContain('dynamodb:ConditionCheckItem');
    for (const read of READS) expect(FROZEN_ACTIONS).not.toContain(read);
  });
});

describe('principalPatterns', () => {
  it.each([
    [
      `arn:aws:iam::${ACCOUNT}:role/app`,
      [`arn:aws:iam::${ACCOUNT}:role/app`, `arn:aws:iam::${ACCOUNT}:role/*/app`],
    ],
    [
      `arn:aws:iam::${ACCOUNT}:role/team/app`,
      [
        `arn:aws:iam::${ACCOUNT}:role/team/app`,
        `arn:aws:iam::${ACCOUNT}:role/app`,
        `arn:aws:iam::${ACCOUNT}:role/*/app`,
      ],
    ],
    [
      `arn:aws:sts::${ACCOUNT}:assumed-role/app/i-0abc@example.com`,
      [`arn:aws:iam::${ACCOUNT}:role/app`, `arn:aws:iam::${ACCOUNT}:role/*/app`],
    ],
    [`arn:aws:iam::${ACCOUNT}:user/ops/alice`, [`arn:aws:iam::${ACCOUNT}:user/ops/alice`]],
    [`arn:aws:iam::${ACCOUNT}:root`, [`arn:aws:iam::${ACCOUNT}:root`]],
    ['arn:aws-us-gov:iam::111122223333:user/bob', ['arn:aws-us-gov:iam::111122223333:user/bob']],
    // A federated user's aws:PrincipalArn is its sts ARN itself.
    [`arn:aws:sts::${ACCOUNT}:federated-user/carol`, [`arn:aws:sts::${ACCOUNT}:federated-user/carol`]],
    // moto's caller identity for plain keys (never AWS's): the IAM user it stands for.
    [
      `arn:aws:sts::${ACCOUNT}:user/moto`,
      [`arn:aws:sts::${ACCOUNT}:user/moto`, `arn:aws:iam::${ACCOUNT}:user/moto`],
    ],
  ])('%s -> %j', (arn, patterns) => {
    expect(principalPatterns(arn)).toEqual(patterns);
  });

  it.each([
    ['a bare role name', 'app'],
    ['an account id that is not 12 digits', 'arn:aws:iam::1234:role/app'],
    ['an S3 ARN', 'arn:aws:s3:::bucket'],
    ['an IAM group', `arn:aws:iam::${ACCOUNT}:group/admins`],
    ['a wildcard', `arn:aws:iam::${ACCOUNT}:role/*`],
    ['a session ARN without a session name', `arn:aws:sts::${ACCOUNT}:assumed-role/app`],
    ['an empty string', ''],
  ])('refuses %s', (_, arn) => {
    let error: unknown;
    try {
      principalPatterns(arn);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).code).toBe('PRINCIPAL_INVALID');
    expect((error as ConfigError).message).toContain(`'${arn}'`);
  });
});

describe('hasFreeze and withoutFreeze', () => {
  it('finds no freeze in no policy or a policy without it, and returns such a policy unchanged', () => {
    expect(hasFreeze(undefined)).toBe(false);
    expect(hasFreeze(EXISTING_TEXT)).toBe(false);
    expect(withoutFreeze(EXISTING_TEXT)).toBe(EXISTING_TEXT);
  });
});
