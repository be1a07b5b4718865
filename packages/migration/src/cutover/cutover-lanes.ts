import type { DynamoDBClient, TableDescription } from '@aws-sdk/client-dynamodb';
import type { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import {
  cutoffEpochSeconds,
  DEFAULT_EXPORT_TIME_MARGIN_SECONDS,
  MIN_EXPORT_TIME_MARGIN_SECONDS,
} from '@ddb-migrate/cdc-lambda';
import { InternalError } from '@ddb-migrate/core';
import { join } from 'node:path';
import { cdcExportTime, type MigrationState } from '../state/migration-state.js';
import { StateStore } from '../state/state-store.js';
import type { CutoverClients, CutoverInput } from './cutover-input.js';
import type { CutoverFacts } from './cutover-plan.js';
import type { CutoverDirection } from './cutover-state.js';
import type { LocalLane } from './local-replication.js';

/** One table of a cutover, as the side being left (`from`) or the side switched to (`to`). */
export interface CutoverSide {
  label: 'source' | 'target';
  ddb: Pick<DynamoDBClient, 'send'>;
  streams: Pick<DynamoDBStreamsClient, 'send'>;
  tableName: string;
  tableArn: string;
  table: TableDescription;
  /** The caller of this side's credentials: exempt from the freeze it puts. */
  callerArn: string;
  /** A principal the freeze does not exempt, for the probe. */
  probeDdb?: Pick<DynamoDBClient, 'send'>;
}

/** The two tables of a cutover in its direction: forward source -> target, back target -> source. */
export function cutoverSides(
  direction: CutoverDirection,
  input: CutoverInput,
  clients: CutoverClients,
  facts: CutoverFacts,
): { from: CutoverSide; to: CutoverSide } {
  const source: CutoverSide = {
    label: 'source',
    ddb: clients.sourceDdb,
    streams: clients.sourceStreams,
    tableName: input.source.tableName,
    tableArn: arnOf(facts.source, 'source'),
    table: facts.source,
    callerArn: facts.sourceCallerArn,
    ...(clients.probeSourceDdb ? { probeDdb: clients.probeSourceDdb } : {}),
  };
  const target: CutoverSide = {
    label: 'target',
    ddb: clients.targetDdb,
    streams: clients.targetStreams,
    tableName: input.target.tableName,
    tableArn: arnOf(facts.target, 'target'),
    table: facts.target,
    callerArn: facts.targetCallerArn,
    ...(clients.probeTargetDdb ? { probeDdb: clients.probeTargetDdb } : {}),
  };
  return direction === 'forward' ? { from: source, to: target } : { from: target, to: source };
}

function arnOf(table: TableDescription, side: string): string {
  if (!table.TableArn) throw new InternalError(`DescribeTable of the ${side} returned no TableArn`);
  return table.TableArn;
}

/** Forward CDC in local mode: migrate's stream, checkpoint and cut-off. */
export function forwardLane(
  state: MigrationState,
  sides: { from: CutoverSide; to: CutoverSide },
  input: CutoverInput,
  clients: CutoverClients,
): LocalLane {
  const streamArn = state.stream?.streamArn;
  const checkpointFile = state.cdc?.checkpointDir;
  if (!streamArn || !checkpointFile)
    throw new InternalError('local cutover without a recorded stream and checkpoint');
  // The cut-off CDC runs with: T, or T2 after an incremental catch-up.
  const exportTime = cdcExportTime(state);
  const viewType = sides.from.table.StreamSpecification?.StreamViewType ?? state.stream?.viewType;
  return {
    streams: sides.from.streams,
    streamArn,
    fromDdb: sides.from.ddb,
    fromTableName: sides.from.tableName,
    keySchema: sides.from.table.KeySchema ?? [],
    toDdb: sides.to.ddb,
    toTableName: sides.to.tableName,
    checkpointFile,
    // Replaying more than migrate skipped is harmless; the checkpoint is past the cut-off anyway.
    ...(exportTime
      ? {
          cutoffEpochSeconds: cutoffEpochSeconds(
            Date.parse(exportTime) / 1000,
            DEFAULT_EXPORT_TIME_MARGIN_SECONDS,
          ),
        }
      : {}),
    fetchOnChange: viewType === 'KEYS_ONLY' || viewType === 'OLD_IMAGE',
    sqs: clients.sourceSqs,
    ...(input.options.dlqUrl ? { dlqUrl: input.options.dlqUrl } : {}),
  };
}

/**
 * Reverse replication: the target's stream into the source table, from the moment forward CDC
 * stopped at the fence (minus the handler's smallest margin: what is replayed twice is the
 * target's copy of the source's own images, in order).
 */
export function reverseLane(
  state: MigrationState,
  input: CutoverInput,
  clients: CutoverClients,
  facts: CutoverFacts,
): LocalLane {
  const reverse = state.cutover?.reverse;
  const stoppedAt = state.cutover?.cdcStopped?.at ?? state.cutover?.fence?.seenAt;
  if (!reverse?.streamArn) throw new InternalError('reverse replication without a recorded stream');
  const checkpointFile =
    reverse.checkpointFile ??
    join(
      input.options.stateDir,
      StateStore.checkpointFileName(state.key).replace(/\.cdc-checkpoint\.json$/, '.reverse-checkpoint.json'),
    );
  reverse.checkpointFile = checkpointFile;
  return {
    streams: clients.targetStreams,
    streamArn: reverse.streamArn,
    fromDdb: clients.targetDdb,
    fromTableName: input.target.tableName,
    keySchema: facts.target.KeySchema ?? [],
    toDdb: clients.sourceDdb,
    toTableName: input.source.tableName,
    checkpointFile,
    ...(stoppedAt
      ? {
          cutoffEpochSeconds: cutoffEpochSeconds(
            Date.parse(stoppedAt) / 1000,
            MIN_EXPORT_TIME_MARGIN_SECONDS,
          ),
        }
      : {}),
    fetchOnChange: false,
  };
}
