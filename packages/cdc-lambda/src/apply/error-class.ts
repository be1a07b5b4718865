/** Error codes of records that can never be applied: retrying them only blocks the shard. */
const POISON_CODES = new Set([
  'ValidationException',
  'ItemCollectionSizeLimitExceededException',
  'RecordDecodeError',
  'InvalidRecordImage',
  'DynamoJsonError',
]);

/**
 * True when a failure is the record's own fault (a validation error) rather than the
 * environment's: such records go to the dead-letter queue. Anything else (throttles, 5xx,
 * access denied, a missing table) keeps blocking, because it will succeed once fixed.
 */
export function isPoisonFailure(failure: { code?: string; retryable: boolean }): boolean {
  return !failure.retryable && failure.code !== undefined && POISON_CODES.has(failure.code);
}
