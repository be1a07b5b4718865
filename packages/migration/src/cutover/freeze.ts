import { type DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { AwsCallError, type Item, MigrationError, sdkErrorName } from '@ddb-migrate/core';
import type { RetryHost } from '../aws-retry.js';
import { abortableSleep } from '../step-context.js';
import type { FreezeRecord } from './cutover-state.js';
import { frozenPolicy, hasFreeze, withoutFreeze } from './freeze-policy.js';
import { deleteTablePolicy, putTablePolicy, readTablePolicy } from './table-policy.js';

/** What freezing one table needs. */
export interface FreezeTarget {
  host: RetryHost & { save(): Promise<void> };
  ddb: Pick<DynamoDBClient, 'send'>;
  tableArn: string;
  /** Principal ARNs exempt from the freeze (the tool's own caller among them). */
  exempt: readonly string[];
  record: FreezeRecord;
}

/**
 * Puts the freeze statement into the table's resource policy. Write-ahead: the original policy
 * (or its absence) and its revision are saved before the put, so `--abort` after a crash at any
 * point restores exactly what was there. A policy that already holds our statement (a crashed
 * run's) is not frozen twice; its original is what remains without our statement.
 */
export async function applyFreeze(target: FreezeTarget): Promise<void> {
  const { host, ddb, tableArn, record } = target;
  if (record.originalPolicy === undefined) {
    const current = await readTablePolicy(host, ddb, tableArn);
    record.tableArn = tableArn;
    record.originalPolicy =
      current.policy === null || !hasFreeze(current.policy)
        ? current.policy
        : (withoutFreeze(current.policy) ?? null);
    record.originalRevisionId = current.revisionId;
    record.exempt = [...target.exempt];
    await host.save();
  }
  const current = await readTablePolicy(host, ddb, tableArn);
  const wanted = frozenPolicy(record.originalPolicy ?? undefined, {
    tableArn,
    exemptPrincipalArns: target.exempt,
  });
  // Compared as JSON: the service may return the text it stores in another layout.
  if (!samePolicy(current.policy, wanted)) {
    record.revisionId = await putTablePolicy(host, ddb, tableArn, wanted, current.revisionId);
  } else if (record.appliedAt !== undefined && record.revisionId === current.revisionId) {
    return; // a resumed run: the freeze is in the policy and recorded
  } else {
    record.revisionId = current.revisionId;
  }
  record.appliedAt ??= new Date().toISOString();
  await host.save();
}

/**
 * Lifts the freeze: puts the original policy back verbatim, or deletes the policy when there was
 * none. Only a policy that still holds our statement is touched; one without it is left alone.
 */
export async function liftFreeze(target: Omit<FreezeTarget, 'exempt'>): Promise<'lifted' | 'not-frozen'> {
  const { host, ddb, tableArn, record } = target;
  const current = await readTablePolicy(host, ddb, tableArn);
  if (current.policy === null || !hasFreeze(current.policy)) {
    record.liftedAt ??= new Date().toISOString();
    await host.save();
    return 'not-frozen';
  }
  const original =
    record.originalPolicy === undefined ? (withoutFreeze(current.policy) ?? null) : record.originalPolicy;
  if (original === null) await deleteTablePolicy(host, ddb, tableArn, current.revisionId);
  else await putTablePolicy(host, ddb, tableArn, original, current.revisionId);
  record.liftedAt = new Date().toISOString();
  await host.save();
  return 'lifted';
}

/** How the probe found out whether the freeze is in force. */
export interface ProbeOptions {
  host: RetryHost;
  /** A client whose principal the freeze does not exempt; undefined: no probe. */
  probeDdb?: Pick<DynamoDBClient, 'send'>;
  tableArn: string;
  /** A key the probe writes to (conditionally: its condition never holds, so nothing changes). */
  key: Item;
  pollMs: number;
  settleSeconds: number;
  timeoutSeconds: number;
  /** The endpoint is a stand-in (custom endpoint): a store that may enforce no policy. */
  standIn: boolean;
  signal?: AbortSignal;
}

/**
 * Waits until the freeze is in force. With a probe principal: tries a write that can never change
 * anything (its condition requires the key attribute both absent and present) until DynamoDB
 * refuses it with AccessDeniedException (an authorisation check runs before the condition). On a
 * stand-in that never refuses (moto stores policies, enforces none), says so after the settle time.
 * Without a probe principal: waits the settle time (policy changes are eventually consistent).
 *
 * @throws MigrationError FREEZE_NOT_ENFORCED when AWS keeps accepting the probe's writes.
 */
export async function probeFreeze(options: ProbeOptions): Promise<NonNullable<FreezeRecord['probe']>> {
  const { probeDdb } = options;
  if (probeDdb === undefined) {
    await abortableSleep(options.settleSeconds * 1000, options.signal);
    return 'unverified';
  }
  const started = Date.now();
  const limitMs =
    (options.standIn ? Math.min(options.settleSeconds, options.timeoutSeconds) : options.timeoutSeconds) *
    1000;
  const [name] = Object.keys(options.key);
  for (;;) {
    try {
      await probeDdb.send(
        new PutItemCommand({
          TableName: options.tableArn,
          Item: options.key,
          ConditionExpression: 'attribute_not_exists(#k) AND attribute_exists(#k)',
          ExpressionAttributeNames: { '#k': name as string },
        }),
      );
      throw new MigrationError('INTERNAL', 'A probe write that cannot hold its condition succeeded');
    } catch (error) {
      const errorName = sdkErrorName(error);
      if (errorName === 'AccessDeniedException') return 'refused';
      if (errorName !== 'ConditionalCheckFailedException') {
        if (error instanceof MigrationError) throw error;
        throw new AwsCallError('PutItem (freeze probe)', error);
      }
    }
    if (Date.now() - started >= limitMs) {
      if (options.standIn) return 'not-enforced';
      throw new MigrationError(
        'FREEZE_NOT_ENFORCED',
        `Writes to ${options.tableArn} by the probe principal were still accepted ${options.timeoutSeconds} s after the freeze`,
        {
          hint: "Check that the probe principal is not exempt (--allow-principal) and not the tool's own; the freeze stays in force until `cutover --abort`",
        },
      );
    }
    await abortableSleep(options.pollMs, options.signal);
  }
}

function samePolicy(a: string | null, b: string): boolean {
  if (a === null) return false;
  try {
    return JSON.stringify(JSON.parse(a)) === JSON.stringify(JSON.parse(b));
  } catch {
    return false;
  }
}
