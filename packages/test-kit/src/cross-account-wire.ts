import type { IncomingHttpHeaders } from 'node:http';
import type { InjectedResponse } from './fault-responses.js';

/** The parts of a DynamoDB stream ARN (`arn:aws:dynamodb:<region>:<account>:table/<t>/stream/<label>`). */
export interface StreamArnParts {
  partition: string;
  region: string;
  account: string;
  table: string;
  label: string;
}

const STREAM_ARN = /^arn:([^:]+):dynamodb:([^:]+):(\d{12}):table\/([^/]+)\/stream\/([^/]+)$/;

/** The stream ARN's parts, or `undefined` when `arn` is not a DynamoDB stream ARN (a table ARN, say). */
export function parseStreamArn(arn: unknown): StreamArnParts | undefined {
  const match = typeof arn === 'string' ? STREAM_ARN.exec(arn) : null;
  if (!match) return undefined;
  const [, partition = '', region = '', account = '', table = '', label = ''] = match;
  return { partition, region, account, table, label };
}

/** The access key id and region of a SigV4 Authorization header. */
export function credentialScope(
  headers: IncomingHttpHeaders,
): { accessKeyId: string; region: string } | undefined {
  const match = /Credential=([^/,\s]+)\/[^/]+\/([^/]+)\//.exec(String(headers.authorization ?? ''));
  return match?.[1] && match[2] ? { accessKeyId: match[1], region: match[2] } : undefined;
}

let requestCounter = 0;
const requestId = () => `CROSSACCOUNTSTREAMS${Date.now()}${(requestCounter++).toString().padStart(6, '0')}`;

/** DynamoDB's JSON error namespaces: its own errors, coral's for auth and validation. */
const DYNAMODB_ERROR_TYPE: Record<string, string> = {
  AccessDeniedException: 'com.amazon.coral.service#AccessDeniedException',
  UnrecognizedClientException: 'com.amazon.coral.service#UnrecognizedClientException',
  ValidationException: 'com.amazon.coral.validate#ValidationException',
};

/** A DynamoDB (JSON 1.0) error response: status 400, `__type` + `message`. */
export function dynamodbError(code: string, message: string): InjectedResponse {
  return {
    status: 400,
    headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': requestId() },
    body: JSON.stringify({
      __type: DYNAMODB_ERROR_TYPE[code] ?? `com.amazonaws.dynamodb.v20120810#${code}`,
      message,
    }),
  };
}

/** A DynamoDB (JSON 1.0) success response. */
export function dynamodbOk(output: Record<string, unknown>): InjectedResponse {
  return {
    status: 200,
    headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': requestId() },
    body: JSON.stringify(output),
  };
}

/** The HTTP status Lambda answers each of its errors with. */
const LAMBDA_ERROR_STATUS: Record<string, number> = {
  InvalidParameterValueException: 400,
  ResourceNotFoundException: 404,
  ResourceConflictException: 409,
  UnrecognizedClientException: 403,
};

/**
 * A Lambda (REST-JSON) error response: the code in the `x-amzn-errortype` header, which the SDK reads
 * first, and `{"Type":"User","message":...}` in the body.
 */
export function lambdaError(code: string, message: string): InjectedResponse {
  return {
    status: LAMBDA_ERROR_STATUS[code] ?? 400,
    headers: {
      'content-type': 'application/json',
      'x-amzn-errortype': code,
      'x-amzn-requestid': requestId(),
    },
    body: JSON.stringify({ Type: 'User', message }),
  };
}

/** A Lambda (REST-JSON) success response. */
export function lambdaOk(status: number, output: unknown): InjectedResponse {
  return {
    status,
    headers: { 'content-type': 'application/json', 'x-amzn-requestid': requestId() },
    body: JSON.stringify(output),
  };
}

/** The request body as a JSON object; `{}` for an empty or non-object body. */
export function jsonBody(body: Buffer): Record<string, unknown> {
  if (body.length === 0) return {};
  try {
    const parsed: unknown = JSON.parse(body.toString('utf8'));
    return parsed !== null && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
