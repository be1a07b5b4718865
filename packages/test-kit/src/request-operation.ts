import type { IncomingHttpHeaders } from 'node:http';

/** The AWS service and operation a request is for, as far as the proxy can tell. */
export interface RequestOperation {
  /** Lowercase signing name: `dynamodb`, `streams.dynamodb` is reported as `dynamodbstreams`, `s3`, `sqs`, `sts`, ... */
  service: string;
  /** API operation name, e.g. `BatchWriteItem`, `GetRecords`, `PutObject`; `unknown` when unclear. */
  operation: string;
  /** The wire protocol, which decides the shape of an injected error. */
  protocol: 'json' | 'query' | 'rest-xml' | 'unknown';
}

function signingService(headers: IncomingHttpHeaders): string | undefined {
  const auth = headers.authorization;
  const match = typeof auth === 'string' ? /Credential=[^/]+\/[^/]+\/[^/]+\/([^/]+)\//.exec(auth) : null;
  return match?.[1];
}

const JSON_TARGET_PREFIXES: Record<string, string> = {
  DynamoDB_20120810: 'dynamodb',
  DynamoDBStreams_20120810: 'dynamodbstreams',
  AmazonSQS: 'sqs',
};

function s3Operation(
  method: string,
  path: string,
  query: URLSearchParams,
  headers: IncomingHttpHeaders,
): string {
  const xId = query.get('x-id');
  if (xId) return xId;
  const parts = path.split('/').filter(Boolean);
  const hasKey = parts.length > 1;
  if (!parts.length) return method === 'GET' ? 'ListBuckets' : 'unknown';
  if (method === 'POST' && query.has('delete')) return 'DeleteObjects';
  if (method === 'POST' && query.has('uploads')) return 'CreateMultipartUpload';
  if (method === 'POST' && query.has('uploadId')) return 'CompleteMultipartUpload';
  if (method === 'PUT' && query.has('partNumber')) return 'UploadPart';
  if (!hasKey) {
    if (method === 'GET') return query.get('list-type') === '2' ? 'ListObjectsV2' : 'ListObjects';
    if (method === 'PUT') return 'CreateBucket';
    if (method === 'HEAD') return 'HeadBucket';
    if (method === 'DELETE') return 'DeleteBucket';
    return 'unknown';
  }
  if (method === 'GET') return 'GetObject';
  if (method === 'HEAD') return 'HeadObject';
  if (method === 'DELETE') return 'DeleteObject';
  if (method === 'PUT') return headers['x-amz-copy-source'] ? 'CopyObject' : 'PutObject';
  return 'unknown';
}

/**
 * Identifies service and operation from the `X-Amz-Target` header (JSON protocols: DynamoDB,
 * DynamoDB Streams, SQS), the `Action` of a query-protocol body (STS, IAM), or the method and path of
 * an S3 request (the SDK's `x-id` query parameter when present).
 */
export function identifyOperation(
  method: string,
  url: string,
  headers: IncomingHttpHeaders,
  body: Buffer,
): RequestOperation {
  const target = headers['x-amz-target'];
  if (typeof target === 'string' && target.includes('.')) {
    const [prefix = '', operation = 'unknown'] = target.split('.');
    return {
      service: JSON_TARGET_PREFIXES[prefix] ?? signingService(headers) ?? prefix.toLowerCase(),
      operation,
      protocol: 'json',
    };
  }
  const parsed = new URL(url, 'http://proxy.local');
  const contentType = String(headers['content-type'] ?? '');
  const service = signingService(headers);
  if (contentType.startsWith('application/x-www-form-urlencoded')) {
    const action = new URLSearchParams(body.toString('utf8')).get('Action');
    if (action) return { service: service ?? 'unknown', operation: action, protocol: 'query' };
  }
  const queryAction = parsed.searchParams.get('Action');
  if (queryAction) return { service: service ?? 'unknown', operation: queryAction, protocol: 'query' };
  if (service === 's3' || service === undefined) {
    return {
      service: 's3',
      operation: s3Operation(method, parsed.pathname, parsed.searchParams, headers),
      protocol: 'rest-xml',
    };
  }
  return { service, operation: 'unknown', protocol: 'unknown' };
}
