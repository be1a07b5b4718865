import type { RequestOperation } from './request-operation.js';

/** A complete HTTP response the proxy sends instead of forwarding. */
export interface InjectedResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** The kinds of error the proxy can inject. */
export type InjectedErrorKind =
  | 'ProvisionedThroughputExceededException'
  | 'ThrottlingException'
  | 'InternalServerError'
  | 'ServiceUnavailable';

const STATUS: Record<InjectedErrorKind, number> = {
  ProvisionedThroughputExceededException: 400,
  ThrottlingException: 400,
  InternalServerError: 500,
  ServiceUnavailable: 503,
};

const MESSAGE: Record<InjectedErrorKind, string> = {
  ProvisionedThroughputExceededException:
    'The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API. (injected by test-kit fault proxy)',
  ThrottlingException: 'Rate of requests exceeds the allowed throughput. (injected by test-kit fault proxy)',
  InternalServerError: 'Internal server error (injected by test-kit fault proxy)',
  ServiceUnavailable: 'Service unavailable (injected by test-kit fault proxy)',
};

// DynamoDB spells its own errors with its namespace, throttling with the coral availability one.
function jsonType(op: RequestOperation, kind: InjectedErrorKind): string {
  if (kind === 'ThrottlingException') return 'com.amazon.coral.availability#ThrottlingException';
  if (op.service === 'dynamodb') return `com.amazonaws.dynamodb.v20120810#${kind}`;
  if (op.service === 'dynamodbstreams') return `com.amazonaws.dynamodb.v20120810#${kind}`;
  return kind;
}

let requestCounter = 0;

/**
 * An AWS-shaped error response for the request's protocol: JSON (`__type` + `message`, content-type
 * `application/x-amz-json-1.0`), query (XML ErrorResponse) or S3 (XML Error; throttling is 503 SlowDown).
 */
export function errorResponse(op: RequestOperation, kind: InjectedErrorKind): InjectedResponse {
  requestCounter += 1;
  const requestId = `FAULTPROXY${String(requestCounter).padStart(10, '0')}`;
  const message = MESSAGE[kind];
  if (op.protocol === 'json') {
    return {
      status: STATUS[kind],
      headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': requestId },
      body: JSON.stringify({ __type: jsonType(op, kind), message }),
    };
  }
  if (op.protocol === 'query') {
    const code =
      kind === 'ProvisionedThroughputExceededException' || kind === 'ThrottlingException'
        ? 'Throttling'
        : kind;
    const type = STATUS[kind] >= 500 ? 'Receiver' : 'Sender';
    return {
      status: STATUS[kind],
      headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId },
      body: `<ErrorResponse><Error><Type>${type}</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
    };
  }
  const throttle = kind === 'ProvisionedThroughputExceededException' || kind === 'ThrottlingException';
  const code = throttle
    ? 'SlowDown'
    : kind === 'InternalServerError'
      ? 'InternalError'
      : 'ServiceUnavailable';
  return {
    status: throttle ? 503 : STATUS[kind],
    headers: { 'content-type': 'application/xml', 'x-amz-request-id': requestId },
    body: `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>${requestId}</RequestId></Error>`,
  };
}
