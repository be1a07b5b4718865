import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { fakeClient } from '@ddb-migrate/test-kit/fakes';
import { describe, expect, it } from 'vitest';
import { type MigrationClients, openClients } from '../src/migration-clients.js';

const side = { region: 'eu-west-1', endpoint: 'http://127.0.0.1:1', retryMode: 'adaptive' as const };

describe('the clients of a migration', () => {
  it("builds the Lambda and SQS clients with the side's retry mode, like every other client", async () => {
    const { clients, destroy } = openClients({ source: side, target: side });
    const lambda = clients.sourceLambda as LambdaClient;
    const sqs = clients.sourceSqs as SQSClient;
    expect((await lambda.config.retryStrategy()).constructor.name).toBe('AdaptiveRetryStrategy');
    expect((await sqs.config.retryStrategy()).constructor.name).toBe('AdaptiveRetryStrategy');
    expect(await lambda.config.region()).toBe('eu-west-1');
    destroy();
  });

  it('resolves a profile to credentials instead of handing the SDK the raw profile', () => {
    const { clients, destroy } = openClients({
      source: { region: 'us-east-1', profile: 'source-admin' },
      target: { region: 'us-east-1' },
    });
    expect((clients.sourceLambda as LambdaClient).config).not.toHaveProperty('profile', 'source-admin');
    destroy();
  });

  it('uses the injected clients as given and leaves destroying them to the caller', () => {
    let destroyed = 0;
    const lambda = { ...fakeClient({}), destroy: () => void destroyed++ };
    const { clients, destroy } = openClients({ source: side, target: side }, {
      sourceLambda: lambda,
    } as unknown as Partial<MigrationClients>);
    expect(clients.sourceLambda).toBe(lambda);
    destroy();
    expect(destroyed).toBe(0);
  });
});
