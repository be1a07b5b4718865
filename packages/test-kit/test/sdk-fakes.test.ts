import { GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { fakeSdkClient, motoEndpoint, sdkError } from '../src/index.js';

describe('sdkError', () => {
  it('carries the code, status and fault where the SDK puts them', () => {
    const throttled = sdkError('ThrottlingException', 400);
    const unavailable = sdkError('ServiceUnavailable', 503, { message: 'try later', attempts: 3 });

    expect(throttled).toBeInstanceOf(Error);
    expect(throttled).toMatchObject({
      name: 'ThrottlingException',
      message: 'ThrottlingException',
      $fault: 'client',
      $metadata: { httpStatusCode: 400 },
    });
    expect(unavailable).toMatchObject({
      message: 'try later',
      $fault: 'server',
      $metadata: { httpStatusCode: 503, attempts: 3 },
    });
  });

  it('leaves the status out for an error raised before any response', () => {
    expect(sdkError('TimeoutError').$metadata).toEqual({});
  });
});

describe('fakeSdkClient', () => {
  it('answers each command with the handler named after its operation and records the calls', async () => {
    const fake = fakeSdkClient({
      GetItem: (input: { TableName: string }) => ({ Item: { pk: { S: input.TableName } } }),
    });

    const answer = await fake.send(new GetItemCommand({ TableName: 't', Key: { pk: { S: 'a' } } }));

    expect(answer).toEqual({ Item: { pk: { S: 't' } } });
    expect(fake.operations()).toEqual(['GetItem']);
    expect(fake.calls[0]?.input).toEqual({ TableName: 't', Key: { pk: { S: 'a' } } });
  });

  it('rejects with what a handler throws, as the SDK rejects a failed call', async () => {
    const fake = fakeSdkClient({
      GetItem: () => {
        throw sdkError('ResourceNotFoundException', 400);
      },
    });

    await expect(fake.send(new GetItemCommand({ TableName: 't', Key: {} }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
  });

  it('sends an operation without a handler to the fallback, else fails naming it', async () => {
    const withFallback = fakeSdkClient({}, (operation) => ({ operation }));
    const strict = fakeSdkClient({});
    const put = new PutItemCommand({ TableName: 't', Item: {} });

    expect(await withFallback.send(put)).toEqual({ operation: 'PutItem' });
    await expect(strict.send(put)).rejects.toThrow('fake: no handler for PutItem');
  });
});

describe('the unit project', () => {
  it('has no moto endpoint, so a test that needs moto fails until it is named *.int.test.ts', () => {
    expect(() => motoEndpoint()).toThrow(/must be named \*\.int\.test\.ts/);
  });
});
