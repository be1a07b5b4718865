import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LambdaClient } from '@aws-sdk/client-lambda';

/** SDK clients that read moto as one account: test keys plus moto's `x-moto-account-id` header. */
export interface MotoAccountClients {
  dynamodb(region: string, account: string): DynamoDBClient;
  lambda(region: string, account: string): LambdaClient;
  destroy(): void;
}

type Client = DynamoDBClient | LambdaClient;

function inAccount<C extends Client>(client: C, account: string): C {
  client.middlewareStack.add(
    (next) => (args) => {
      (args.request as { headers: Record<string, string> }).headers['x-moto-account-id'] = account;
      return next(args);
    },
    { step: 'build', name: 'motoAccountHeader' },
  );
  return client;
}

/** Clients per region and account on `motoEndpoint`, made on first use and kept until `destroy()`. */
export function motoAccountClients(motoEndpoint: string): MotoAccountClients {
  const clients = new Map<string, Client>();
  const config = (region: string) => ({
    region,
    endpoint: motoEndpoint,
    credentials: { accessKeyId: 'cross-account-streams', secretAccessKey: 'cross-account-streams' },
    maxAttempts: 1,
  });
  const get = <C extends Client>(kind: string, region: string, account: string, make: () => C): C => {
    const key = `${kind}/${region}/${account}`;
    let client = clients.get(key);
    if (!client) {
      client = inAccount(make(), account);
      clients.set(key, client);
    }
    return client as C;
  };
  return {
    dynamodb: (region, account) => get('dynamodb', region, account, () => new DynamoDBClient(config(region))),
    lambda: (region, account) => get('lambda', region, account, () => new LambdaClient(config(region))),
    destroy: () => {
      for (const client of clients.values()) client.destroy();
      clients.clear();
    },
  };
}
