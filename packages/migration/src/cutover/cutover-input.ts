import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { STSClient } from '@aws-sdk/client-sts';
import {
  type AwsSideConfig,
  createDynamoDbClient,
  createStreamsClient,
  createStsClient,
  type Item,
  sideClientConfig,
} from '@ddb-migrate/core';
import { cdcSideClients } from '../migration-clients.js';
import type { MigrationSide, MigrationTarget } from '../migration-input.js';
import { cdcAccountOf, type MigrationState } from '../state/migration-state.js';

/** How a cutover runs; {@link DEFAULT_CUTOVER_OPTIONS} fills in what a caller leaves out. */
export interface CutoverOptions {
  /** Where the migration's state is (the same as migrate's). */
  stateDir: string;
  /** Refuse when CDC is further behind than this (seconds). */
  maxLagSeconds: number;
  /** Go on although the DLQ holds messages (they are keys whose changes may be missing). */
  allowDlq: boolean;
  /** Principals (ARNs) that may still write while the table is frozen; the tool's own is always exempt. */
  allowPrincipals: readonly string[];
  /** `policy`: freeze with a resource policy; `none`: the owner has stopped the writers. */
  freeze: 'policy' | 'none';
  /** The fence marker's key (raw AttributeValues); default a reserved key of the table's schema. */
  fenceKey?: Item;
  /** Prove the keys changed since the last clean verify, or the whole table. */
  verify: 'changed' | 'full';
  /** Enable the new table's stream and replicate back, so the old table stays current. */
  reverse: boolean;
  /** Without a probe principal: how long the freeze is given to take effect (policies are eventually consistent). */
  freezeSettleSeconds: number;
  /** With a probe principal: how long to wait for a probe write to be refused. */
  freezeTimeoutSeconds: number;
  /** How long to wait for the fence marker to reach the other side. */
  fenceTimeoutSeconds: number;
  /** Reverse replication in this process stops once the stream was idle this long; default: until aborted. */
  stopAfterIdleSeconds?: number;
  /** Interval of the fence and probe polls. */
  pollMilliseconds: number;
  /** Local CDC's DLQ (the lambda mode's is read from the function). */
  dlqUrl?: string;
  /** Where `prove` writes the differences it finds (NDJSON); default next to the state. */
  reportFile?: string;
}

/** Defaults of {@link CutoverOptions}. */
export const DEFAULT_CUTOVER_OPTIONS: Readonly<CutoverOptions> = Object.freeze({
  stateDir: '.ddb-migrate',
  maxLagSeconds: 60,
  allowDlq: false,
  allowPrincipals: [],
  freeze: 'policy',
  verify: 'changed',
  reverse: false,
  freezeSettleSeconds: 60,
  freezeTimeoutSeconds: 300,
  fenceTimeoutSeconds: 900,
  pollMilliseconds: 1000,
});

/** What a cutover, rollback or finish is asked for: the migration's two sides and the options. */
export interface CutoverInput {
  source: MigrationSide;
  target: MigrationTarget;
  /**
   * Credentials of a principal the freeze does NOT exempt (e.g. a role of the application), used
   * only for probe writes that can never change an item (their condition cannot hold). Without
   * one, the freeze is given `freezeSettleSeconds` to take effect and reported as unverified.
   */
  probe?: AwsSideConfig;
  options: Readonly<CutoverOptions>;
}

/** Every client a cutover calls, as `send` only (tests pass fakes or proxies). */
export interface CutoverClients {
  sourceDdb: Pick<DynamoDBClient, 'send'>;
  sourceStreams: Pick<DynamoDBStreamsClient, 'send'>;
  sourceSts: Pick<STSClient, 'send'>;
  sourceLambda: Pick<LambdaClient, 'send'>;
  sourceSqs: Pick<SQSClient, 'send'>;
  /** Lambda mode's lag: the function's IteratorAge. */
  sourceCloudWatch: Pick<CloudWatchClient, 'send'>;
  targetDdb: Pick<DynamoDBClient, 'send'>;
  targetStreams: Pick<DynamoDBStreamsClient, 'send'>;
  targetSts: Pick<STSClient, 'send'>;
  /** The CDC function, queue and mapping when the migration put them in the target account. */
  targetLambda: Pick<LambdaClient, 'send'>;
  targetSqs: Pick<SQSClient, 'send'>;
  targetCloudWatch: Pick<CloudWatchClient, 'send'>;
  /** Absent without a probe side. */
  probeSourceDdb?: Pick<DynamoDBClient, 'send'>;
  probeTargetDdb?: Pick<DynamoDBClient, 'send'>;
}

/** The injected clients, and one built from its side for each that is missing. */
export function openCutoverClients(
  input: CutoverInput,
  injected: Partial<CutoverClients> = {},
): { clients: CutoverClients; destroy(): void } {
  const built: { destroy(): void }[] = [];
  const pick = <K extends keyof CutoverClients>(
    key: K,
    build: () => NonNullable<CutoverClients[K]> & { destroy(): void },
  ): NonNullable<CutoverClients[K]> => {
    const given = injected[key];
    if (given !== undefined) return given as NonNullable<CutoverClients[K]>;
    const client = build();
    built.push(client);
    return client;
  };
  const source = input.source.config;
  const target = input.target.config;
  const probe = input.probe;
  const clients: CutoverClients = {
    sourceDdb: pick('sourceDdb', () => createDynamoDbClient(source)),
    sourceStreams: pick('sourceStreams', () => createStreamsClient(source)),
    sourceSts: pick('sourceSts', () => createStsClient(source)),
    sourceLambda: pick('sourceLambda', () => new LambdaClient(sideClientConfig(source))),
    sourceSqs: pick('sourceSqs', () => new SQSClient(sideClientConfig(source))),
    sourceCloudWatch: pick('sourceCloudWatch', () => new CloudWatchClient(sideClientConfig(source))),
    targetDdb: pick('targetDdb', () => createDynamoDbClient(target)),
    targetStreams: pick('targetStreams', () => createStreamsClient(target)),
    targetSts: pick('targetSts', () => createStsClient(target)),
    targetLambda: pick('targetLambda', () => new LambdaClient(sideClientConfig(target))),
    targetSqs: pick('targetSqs', () => new SQSClient(sideClientConfig(target))),
    targetCloudWatch: pick('targetCloudWatch', () => new CloudWatchClient(sideClientConfig(target))),
    ...(probe || injected.probeSourceDdb
      ? { probeSourceDdb: pick('probeSourceDdb', () => createDynamoDbClient(probe ?? source)) }
      : {}),
    ...(probe || injected.probeTargetDdb
      ? {
          probeTargetDdb: pick('probeTargetDdb', () =>
            createDynamoDbClient({ ...(probe ?? target), region: target.region }),
          ),
        }
      : {}),
  };
  return {
    clients,
    destroy() {
      for (const c of built) c.destroy();
    },
  };
}

/**
 * The Lambda, SQS and CloudWatch clients of the account holding the migration's CDC function, queue
 * and mapping (`--cdc-account` as recorded in the state; local CDC's queue is the source's).
 */
export function cdcClients(
  clients: CutoverClients,
  state: Pick<MigrationState, 'cdc'>,
): {
  lambda: Pick<LambdaClient, 'send'>;
  sqs: Pick<SQSClient, 'send'>;
  cloudWatch: Pick<CloudWatchClient, 'send'>;
} {
  const account = cdcAccountOf(state);
  return {
    ...cdcSideClients(clients, account),
    cloudWatch: account === 'target' ? clients.targetCloudWatch : clients.sourceCloudWatch,
  };
}
