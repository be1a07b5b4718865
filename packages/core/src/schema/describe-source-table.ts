import {
  DescribeContinuousBackupsCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  type DynamoDBClient,
  GetResourcePolicyCommand,
  ListTagsOfResourceCommand,
  type Tag,
} from '@aws-sdk/client-dynamodb';
import { AwsCallError, PreflightError } from '../errors.js';
import { sdkErrorName } from '../sdk-error.js';
import type { SourceTableInfo } from './types.js';

/**
 * Reads everything a migration needs to know about the source table: DescribeTable,
 * DescribeTimeToLive, DescribeContinuousBackups, every page of ListTagsOfResource and
 * GetResourcePolicy (no policy, an endpoint without the API, or no permission to read it give
 * `resourcePolicy: undefined`; the last one adds a warning). Changes nothing.
 *
 * @param tableName the table's name or ARN.
 * @throws PreflightError `SOURCE_TABLE_NOT_FOUND` when the table does not exist.
 * @throws AwsCallError for any other failed call.
 */
export async function describeSourceTable(
  client: DynamoDBClient,
  tableName: string,
): Promise<SourceTableInfo> {
  let table: SourceTableInfo['table'];
  try {
    const out = await client.send(new DescribeTableCommand({ TableName: tableName }));
    if (!out.Table) throw new Error('DescribeTable returned no Table');
    table = out.Table;
  } catch (error) {
    if (sdkErrorName(error) === 'ResourceNotFoundException') {
      throw new PreflightError('SOURCE_TABLE_NOT_FOUND', `Source table ${tableName} was not found`, {
        hint: 'Check --source-table-name, --source-region and the source credentials (the table must be in the account they belong to).',
        cause: error,
      });
    }
    throw new AwsCallError('DescribeTable', error);
  }
  const arn = table.TableArn;

  const [ttl, continuousBackups, tags, policy] = await Promise.all([
    call('DescribeTimeToLive', () => client.send(new DescribeTimeToLiveCommand({ TableName: tableName }))),
    call('DescribeContinuousBackups', () =>
      client.send(new DescribeContinuousBackupsCommand({ TableName: tableName })),
    ),
    arn ? listAllTags(client, arn) : Promise.resolve<Tag[]>([]),
    arn ? readResourcePolicy(client, arn) : Promise.resolve<PolicyRead>({}),
  ]);
  const info: SourceTableInfo = { table, tags };
  if (ttl.TimeToLiveDescription) info.ttl = ttl.TimeToLiveDescription;
  if (continuousBackups.ContinuousBackupsDescription)
    info.continuousBackups = continuousBackups.ContinuousBackupsDescription;
  if (policy.policy) info.resourcePolicy = policy.policy;
  if (policy.warning) info.warnings = [policy.warning];
  return info;
}

async function listAllTags(client: DynamoDBClient, arn: string): Promise<Tag[]> {
  const tags: Tag[] = [];
  let nextToken: string | undefined;
  do {
    const page = await call('ListTagsOfResource', () =>
      client.send(new ListTagsOfResourceCommand({ ResourceArn: arn, NextToken: nextToken })),
    );
    tags.push(...(page.Tags ?? []));
    nextToken = page.NextToken;
  } while (nextToken);
  return tags;
}

interface PolicyRead {
  policy?: string;
  warning?: string;
}

const NO_POLICY = new Set([
  'PolicyNotFoundException',
  'UnknownOperationException',
  'NotImplemented',
  'NotImplementedException',
]);

async function readResourcePolicy(client: DynamoDBClient, arn: string): Promise<PolicyRead> {
  try {
    const out = await client.send(new GetResourcePolicyCommand({ ResourceArn: arn }));
    return out.Policy ? { policy: out.Policy } : {};
  } catch (error) {
    const name = sdkErrorName(error);
    if (name && NO_POLICY.has(name)) return {};
    if (name === 'AccessDeniedException') {
      return {
        warning:
          "Could not read the source table's resource policy (no dynamodb:GetResourcePolicy permission); it is not carried in any case.",
      };
    }
    throw new AwsCallError('GetResourcePolicy', error);
  }
}

async function call<T>(operation: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw new AwsCallError(operation, error);
  }
}
