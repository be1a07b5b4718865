import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { ListStreamsCommand } from '@aws-sdk/client-dynamodb-streams';
import { ListBucketsCommand } from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import {
  createBucket,
  createTable,
  sourceSide,
  TARGET_ACCOUNT,
  TARGET_ROLE_NAME,
} from '@ddb-migrate/test-kit';
import { describe, expect, it } from 'vitest';
import { assumeRoleCredentials } from '../../src/clients/assume-role.js';
import type { AwsSideConfig } from '../../src/clients/aws-side-config.js';
import {
  createDynamoDbClient,
  createS3Client,
  createStreamsClient,
  createStsClient,
} from '../../src/clients/create-clients.js';
import { partitionFromRegion, roleArnFromName } from '../../src/clients/role-arn.js';

describe('assume-role clients against moto', () => {
  it('land in the target account 222222222222 and create a table there', async () => {
    const caller: AwsSideConfig = sourceSide();
    const roleArn = roleArnFromName(TARGET_ACCOUNT, TARGET_ROLE_NAME, partitionFromRegion(caller.region));
    const target: AwsSideConfig = {
      region: caller.region,
      endpoint: caller.endpoint,
      credentials: assumeRoleCredentials(caller, { roleArn, sessionName: 'core-int' }),
    };

    const identity = await createStsClient(target).send(new GetCallerIdentityCommand({}));
    expect(identity.Account).toBe(TARGET_ACCOUNT);
    expect(identity.Arn).toBe(`arn:aws:sts::${TARGET_ACCOUNT}:assumed-role/${TARGET_ROLE_NAME}/core-int`);
    expect((await createStsClient(caller).send(new GetCallerIdentityCommand({}))).Account).not.toBe(
      TARGET_ACCOUNT,
    );

    const ddb = createDynamoDbClient(target);
    const table = await createTable(ddb, {});
    expect(table.arn).toContain(`:${TARGET_ACCOUNT}:table/${table.name}`);
    const described = await ddb.send(new DescribeTableCommand({ TableName: table.name }));
    expect(described.Table?.TableStatus).toBe('ACTIVE');
    // The source account does not see the target's table.
    await expect(
      createDynamoDbClient(caller).send(new DescribeTableCommand({ TableName: table.name })),
    ).rejects.toThrow(/not found|ResourceNotFound/i);

    const s3 = createS3Client(target);
    const bucket = await createBucket(s3 as never, {});
    const buckets = await s3.send(new ListBucketsCommand({}));
    expect(buckets.Buckets?.map((b) => b.Name)).toContain(bucket);
    const streams = await createStreamsClient(target).send(new ListStreamsCommand({ TableName: table.name }));
    expect(streams.Streams).toEqual([]);
  });
});
