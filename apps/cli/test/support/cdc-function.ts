import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { IAMClient } from '@aws-sdk/client-iam';
import { CreateFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { SQSClient } from '@aws-sdk/client-sqs';
import {
  type CreatedQueue,
  createLambdaRole,
  createQueue,
  storedZip,
  uniqueName,
} from '@ddb-migrate/test-kit';

const BUILT_ZIP = fileURLToPath(
  new URL('../../../../packages/cdc-lambda/dist/function.zip', import.meta.url),
);

/** The published artifact when built, else a stand-in handler (moto never runs it: no Docker). */
export function functionZip(): Uint8Array {
  if (existsSync(BUILT_ZIP)) return readFileSync(BUILT_ZIP);
  return storedZip({ 'index.mjs': 'export const handler = async () => ({ batchItemFailures: [] });\n' });
}

/** A CDC function in `side`'s account, with its execution role, a DLQ and variables of its own. */
export async function createCdcFunction(
  side: ConstructorParameters<typeof LambdaClient>[0] & object,
): Promise<{
  lambda: LambdaClient;
  name: string;
  roleArn: string;
  dlq: CreatedQueue;
}> {
  const iam = new IAMClient(side);
  const roleArn = await createLambdaRole(iam);
  const dlq = await createQueue(new SQSClient(side), { name: uniqueName('cdc-dlq') });
  const lambda = new LambdaClient(side);
  const name = uniqueName('cdc');
  await lambda.send(
    new CreateFunctionCommand({
      FunctionName: name,
      Runtime: 'nodejs20.x',
      Handler: 'index.handler',
      Role: roleArn,
      Code: { ZipFile: functionZip() },
      Environment: {
        Variables: {
          SQS_QUEUE_URL_FOR_FAILED_EVENTS: dlq.url,
          POWERTOOLS_SERVICE_NAME: 'cdc-replicator',
          TTL_DELETES: 'skip',
        },
      },
    }),
  );
  iam.destroy();
  return { lambda, name, roleArn, dlq };
}
