import { sdkError } from '@ddb-migrate/test-kit';
import { describe, expect, it } from 'vitest';
import { AwsCallError, ConfigError } from '../src/errors.js';
import { describeSdkError, sdkErrorName, unreachableEndpoint } from '../src/sdk-error.js';

/** A Node socket error as the SDK's HTTP handler rethrows it. */
function socketError(code: string, fields: Record<string, unknown>, message = `connect ${code}`): Error {
  return Object.assign(new Error(message), { code, syscall: 'connect', ...fields });
}

describe('sdkErrorName', () => {
  it('names a service error by its name', () => {
    expect(sdkErrorName(sdkError('ResourceNotFoundException', 400))).toBe('ResourceNotFoundException');
  });

  it('names an unparsed response by its Code and a Node error by its code', () => {
    expect(sdkErrorName(Object.assign(new Error('x'), { Code: 'NoSuchBucket' }))).toBe('NoSuchBucket');
    expect(sdkErrorName(socketError('EPIPE', {}))).toBe('EPIPE');
  });

  it('names nothing for a plain Error or a non-object', () => {
    expect(sdkErrorName(new Error('boom'))).toBeUndefined();
    expect(sdkErrorName('ECONNRESET')).toBeUndefined();
    expect(sdkErrorName(undefined)).toBeUndefined();
  });
});

describe('unreachableEndpoint', () => {
  it('reads host and port of a refused connection', () => {
    expect(unreachableEndpoint(socketError('ECONNREFUSED', { address: '127.0.0.1', port: 4566 }))).toEqual({
      where: '127.0.0.1:4566',
      reason: 'connection refused',
      code: 'ECONNREFUSED',
    });
  });

  it('reads the host name that did not resolve', () => {
    const error = socketError('ENOTFOUND', { hostname: 'moto.invalid', syscall: 'getaddrinfo' });
    expect(unreachableEndpoint(error)).toMatchObject({ where: 'moto.invalid', reason: 'host not found' });
  });

  it('looks into cause and into the attempts of an AggregateError', () => {
    const attempts = new AggregateError([
      socketError('ECONNREFUSED', { address: '::1', port: 1 }),
      socketError('ECONNREFUSED', { address: '127.0.0.1', port: 1 }),
    ]);
    Object.assign(attempts, { code: 'ECONNREFUSED' });
    expect(unreachableEndpoint(attempts)).toMatchObject({ where: '::1:1', code: 'ECONNREFUSED' });
    const wrapped = new AwsCallError('DescribeTable', socketError('ECONNREFUSED', { address: 'h', port: 2 }));
    expect(unreachableEndpoint(wrapped)).toMatchObject({ where: 'h:2' });
  });

  it('is undefined for a service error, a reset connection or a non-error', () => {
    expect(unreachableEndpoint(sdkError('AccessDeniedException', 400))).toBeUndefined();
    expect(unreachableEndpoint(socketError('ECONNRESET', {}))).toBeUndefined();
    expect(unreachableEndpoint(null)).toBeUndefined();
  });
});

describe('describeSdkError', () => {
  it('says "cannot reach" for an endpoint that was never reached, not a credentials problem', () => {
    const error = socketError(
      'ECONNREFUSED',
      { address: '127.0.0.1', port: 1 },
      'connect ECONNREFUSED 127.0.0.1:1',
    );
    expect(describeSdkError(error)).toBe('cannot reach 127.0.0.1:1 (connection refused)');
  });

  it('names a service error and keeps the first line of its message', () => {
    const error = sdkError('ValidationException', 400, {
      message: 'One or more parameter values were invalid\nmore',
    });
    expect(describeSdkError(error)).toBe('ValidationException: One or more parameter values were invalid');
  });

  it('never doubles a name: plain errors and Node errors print their message once', () => {
    expect(describeSdkError(new Error('boom'))).toBe('boom');
    const enoent = Object.assign(new Error("ENOENT: no such file or directory, open '/x'"), {
      code: 'ENOENT',
    });
    expect(describeSdkError(enoent)).toBe("ENOENT: no such file or directory, open '/x'");
    expect(describeSdkError('text')).toBe('text');
  });

  it('describes the cause of AwsCallError the same way', () => {
    const error = new AwsCallError(
      'GetCallerIdentity',
      socketError('ECONNREFUSED', { address: 'h', port: 9 }),
    );
    expect(error.message).toBe('GetCallerIdentity failed: cannot reach h:9 (connection refused)');
    expect(describeSdkError(new ConfigError('bad flag'))).toBe('ConfigError: bad flag');
  });
});
