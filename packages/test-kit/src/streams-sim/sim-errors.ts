/** The DynamoDB Streams errors the simulator answers with (the API reference's error lists). */
export type SimErrorType =
  | 'ExpiredIteratorException'
  | 'TrimmedDataAccessException'
  | 'LimitExceededException'
  | 'ResourceNotFoundException'
  | 'ValidationException'
  | 'InternalServerError'
  | 'UnknownOperationException';

/**
 * A service error the sim turns into an AWS JSON 1.0 error response: HTTP 400 (500 for
 * InternalServerError) with `{"__type":"com.amazonaws.dynamodb.v20120810#<type>","message":...}`,
 * the shape of test-kit's fault responses.
 */
export class SimServiceError extends Error {
  constructor(
    readonly type: SimErrorType,
    message: string,
  ) {
    super(message);
    this.name = type;
  }

  get status(): number {
    return this.type === 'InternalServerError' ? 500 : 400;
  }

  toBody(): string {
    return JSON.stringify({ __type: `com.amazonaws.dynamodb.v20120810#${this.type}`, message: this.message });
  }
}
