import type { EventSourceMappingConfiguration } from '@aws-sdk/client-lambda';
import { AwsCallError, MigrationError } from '@ddb-migrate/core';
import { retryAws } from '../aws-retry.js';
import { isReadingMapping, listStreamMappings, streamReader } from '../mapping-policy.js';
import type { StepContext } from '../step-context.js';
import { assertRecordedStream } from './recorded-stream.js';

/**
 * Right before local CDC starts (hours after preflight, when the load was long): the recorded
 * stream is still the table's ENABLED stream, and no event source mapping reads it (a second
 * reader, and for the CDC function a second writer). Stops with exit 3 otherwise.
 */
export async function checkBeforeLocalCdc(ctx: StepContext): Promise<void> {
  await assertRecordedStream(ctx, 'before CDC starts');
  const streamArn = ctx.state.stream?.streamArn ?? '';
  let reader: EventSourceMappingConfiguration | undefined;
  try {
    const mappings = await retryAws(ctx, 'ListEventSourceMappings', () =>
      listStreamMappings(ctx.clients.sourceLambda, streamArn),
    );
    reader = mappings.find(isReadingMapping);
  } catch (err) {
    // Preflight already warned when listing is not allowed; it does not block local mode.
    ctx.logger.warn('cannot list the event source mappings on the source stream', {
      error: err instanceof AwsCallError ? err.message : String(err),
    });
    return;
  }
  if (reader) {
    const { message, fix } = streamReader(reader);
    throw new MigrationError('STREAM_HAS_MAPPING', message, { hint: fix });
  }
}
