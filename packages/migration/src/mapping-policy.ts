import {
  type EventSourceMappingConfiguration,
  type LambdaClient,
  ListEventSourceMappingsCommand,
} from '@aws-sdk/client-lambda';
import type { CdcStep } from './state/migration-state.js';

/**
 * Which event source mappings a migration may reuse, and which settings of a reused one lose
 * records for good. Lambda for DynamoDB streams ("Using AWS Lambda with Amazon DynamoDB",
 * https://docs.aws.amazon.com/lambda/latest/dg/with-ddb.html and services-ddb-params.html):
 * records that do not match a filter are dropped and checkpointed; without ReportBatchItemFailures
 * the function's batchItemFailures are ignored and the batch counts as processed; a mapping that
 * started at LATEST never read what came before it. None of that can be undone by an update.
 */

/** A mapping that is (or is about to be) reading its stream. Disabled and Deleting ones are not. */
export function isReadingMapping(m: EventSourceMappingConfiguration): boolean {
  return m.State === undefined || ['Enabled', 'Enabling', 'Creating', 'Updating'].includes(m.State);
}

/** Why a mapping has lost (or would lose) records that no update brings back; undefined if none. */
export function recordDroppingReason(m: EventSourceMappingConfiguration): string | undefined {
  if (m.StartingPosition !== undefined && m.StartingPosition !== 'TRIM_HORIZON')
    return `starts at ${m.StartingPosition}, so it skipped the changes before it started`;
  if ((m.FilterCriteria?.Filters ?? []).length > 0)
    return 'has a filter (FilterCriteria): records that do not match are dropped and checkpointed';
  if (m.FunctionResponseTypes !== undefined && !m.FunctionResponseTypes.includes('ReportBatchItemFailures'))
    return 'lacks FunctionResponseTypes ReportBatchItemFailures: records the function reports as failed count as processed';
  return undefined;
}

/** How far LastModified may precede our recorded request and still be our own mapping (clock skew). */
const CLOCK_SKEW_MS = 5 * 60_000;

/**
 * The mapping this migration asked for when it crashed (or lost the response) before saving its
 * UUID: a request is recorded, no UUID is, and the mapping was not last changed before the request.
 */
export function isOwnUnsavedMapping(m: EventSourceMappingConfiguration, cdc: CdcStep | undefined): boolean {
  if (!cdc?.esmRequestedAt || cdc.esmUuid) return false;
  const requested = Date.parse(cdc.esmRequestedAt);
  const modified = m.LastModified ? new Date(m.LastModified).getTime() : undefined;
  return modified === undefined || !Number.isFinite(requested) || modified >= requested - CLOCK_SKEW_MS;
}

/** The one-line refusal of a mapping this migration did not record. */
export function unrecordedMapping(m: EventSourceMappingConfiguration, functionName: string) {
  return {
    message: `Event source mapping ${m.UUID} of ${functionName} on the source stream is not recorded by this migration (starts at ${m.StartingPosition ?? 'an unknown position'}, ${m.State ?? 'state unknown'}), so where it has read to is unknown`,
    fix: `Delete it (aws lambda delete-event-source-mapping --uuid ${m.UUID}) and run migrate again (it creates one at TRIM_HORIZON), or re-run with the --state-dir of the migration whose state created it`,
  };
}

/** The one-line refusal of a recorded mapping that lost records. */
export function droppingMapping(m: EventSourceMappingConfiguration, reason: string) {
  return {
    message: `Event source mapping ${m.UUID} of this migration ${reason}`,
    fix: `Delete it (aws lambda delete-event-source-mapping --uuid ${m.UUID}) and run migrate again: it creates a mapping at TRIM_HORIZON, which replays the stream's last 24 h; for older changes run \`ddb-migrate verify --repair\``,
  };
}

/** The one-line refusal of local CDC while a mapping reads the stream. */
export function streamReader(m: EventSourceMappingConfiguration) {
  return {
    message: `Event source mapping ${m.UUID} (${m.FunctionArn ?? 'function unknown'}, ${m.State ?? 'state unknown'}) reads the source stream; local CDC would be another reader (at most two per shard) and, for the CDC function, a second writer`,
    fix: `Delete it (aws lambda delete-event-source-mapping --uuid ${m.UUID}) or disable it (aws lambda update-event-source-mapping --uuid ${m.UUID} --no-enabled), or use --cdc-mode lambda`,
  };
}

/** Every mapping on the stream (of one function, if given), all pages. */
export async function listStreamMappings(
  lambda: Pick<LambdaClient, 'send'>,
  streamArn: string,
  functionName?: string,
): Promise<EventSourceMappingConfiguration[]> {
  const all: EventSourceMappingConfiguration[] = [];
  let marker: string | undefined;
  do {
    const out = await lambda.send(
      new ListEventSourceMappingsCommand({
        EventSourceArn: streamArn,
        ...(functionName ? { FunctionName: functionName } : {}),
        ...(marker ? { Marker: marker } : {}),
      }),
    );
    all.push(...(out.EventSourceMappings ?? []));
    marker = out.NextMarker;
  } while (marker);
  return all;
}
