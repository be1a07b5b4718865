import { randomBytes } from 'node:crypto';
import {
  type AttributeDefinition,
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  type KeySchemaElement,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import { AwsCallError, ConfigError, type Item } from '@ddb-migrate/core';
import { type RetryHost, retryAws } from '../aws-retry.js';

/** The attribute of the fence marker that holds its token. */
export const FENCE_ATTRIBUTE = 'ddbMigrateFence';

/** The reserved string key part of the default marker (no application writes it). */
export const FENCE_STRING = '__ddb-migrate-fence__';
/** The reserved number key part: DynamoDB's lowest number, which no counter or id reaches. */
export const FENCE_NUMBER = '-9.9999999999999999999999999999999999999E+125';

/**
 * The default marker key for a table's key schema: a reserved value of each key attribute's type.
 * One key per table, so a crashed attempt's marker is overwritten by the next attempt, never left
 * beside it.
 */
export function defaultFenceKey(
  keySchema: readonly KeySchemaElement[],
  definitions: readonly AttributeDefinition[],
): Item {
  const key: Item = {};
  for (const element of keySchema) {
    const name = element.AttributeName as string;
    const type = definitions.find((d) => d.AttributeName === name)?.AttributeType;
    if (type === 'N') key[name] = { N: FENCE_NUMBER };
    else if (type === 'B') key[name] = { B: new TextEncoder().encode(FENCE_STRING) };
    else key[name] = { S: FENCE_STRING };
  }
  return key;
}

/**
 * Checks a user's `--fence-key` against the table's key schema: exactly the key attributes, each
 * of its defined type.
 *
 * @throws ConfigError (FENCE_KEY_INVALID) naming what is missing or of the wrong type.
 */
export function checkFenceKey(
  key: Item,
  keySchema: readonly KeySchemaElement[],
  definitions: readonly AttributeDefinition[],
): void {
  const names = keySchema.map((k) => k.AttributeName as string);
  const extra = Object.keys(key).filter((n) => !names.includes(n));
  const problems: string[] = [];
  if (extra.length > 0)
    problems.push(`${extra.join(', ')} ${extra.length === 1 ? 'is' : 'are'} not a key attribute`);
  for (const name of names) {
    const value = key[name];
    const type = definitions.find((d) => d.AttributeName === name)?.AttributeType ?? 'S';
    if (value === undefined) problems.push(`${name} is missing`);
    else if (!(type in value)) problems.push(`${name} must be of type ${type}`);
  }
  if (problems.length > 0) {
    throw new ConfigError(`--fence-key does not fit the table's key (${problems.join('; ')})`, {
      code: 'FENCE_KEY_INVALID',
      hint: `Pass the key attributes ${names.join(', ')} as DynamoDB JSON, e.g. --fence-key '{"${names[0]}":{"S":"fence"}}'`,
    });
  }
}

/** A new token for one fence attempt. */
export function newFenceToken(runId: string): string {
  return `${runId}.${randomBytes(6).toString('hex')}`;
}

/** Writes the marker (as the tool's own, exempt, principal). */
export async function writeFence(
  host: RetryHost,
  ddb: Pick<DynamoDBClient, 'send'>,
  tableName: string,
  key: Item,
  token: string,
): Promise<void> {
  try {
    await retryAws(host, 'PutItem (fence)', () =>
      ddb.send(
        new PutItemCommand({
          TableName: tableName,
          Item: {
            ...key,
            [FENCE_ATTRIBUTE]: { S: token },
            ddbMigrateFenceAt: { S: new Date().toISOString() },
          },
        }),
      ),
    );
  } catch (error) {
    throw new AwsCallError('PutItem (fence marker)', error);
  }
}

/** Deletes the marker from one table (idempotent). */
export async function removeFence(
  host: RetryHost,
  ddb: Pick<DynamoDBClient, 'send'>,
  tableName: string,
  key: Item,
): Promise<void> {
  try {
    await retryAws(host, 'DeleteItem (fence)', () =>
      ddb.send(new DeleteItemCommand({ TableName: tableName, Key: key })),
    );
  } catch (error) {
    throw new AwsCallError('DeleteItem (fence marker)', error);
  }
}

/** What a strongly consistent read of the marker's key finds: the token, or undefined when absent. */
export async function readFenceToken(
  host: RetryHost,
  ddb: Pick<DynamoDBClient, 'send'>,
  tableName: string,
  key: Item,
): Promise<string | null> {
  try {
    const out = await retryAws(host, 'GetItem (fence)', () =>
      ddb.send(new GetItemCommand({ TableName: tableName, Key: key, ConsistentRead: true })),
    );
    if (out.Item === undefined) return null;
    return out.Item[FENCE_ATTRIBUTE]?.S ?? '';
  } catch (error) {
    throw new AwsCallError('GetItem (fence marker)', error);
  }
}
