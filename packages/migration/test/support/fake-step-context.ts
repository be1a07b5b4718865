import { noopLogger } from '@ddb-migrate/core';
import type { FakeClient } from '@ddb-migrate/test-kit/fakes';
import type { MigrationClients } from '../../src/migration-clients.js';
import type { EngineOptions } from '../../src/migration-input.js';
import type { MigrationProgress } from '../../src/migration-progress.js';
import type { PlanFacts } from '../../src/preflight/preflight-types.js';
import type { MigrationState } from '../../src/state/migration-state.js';
import type { StepContext } from '../../src/step-context.js';

/** A recorded migration of src (111111111111) to dst (222222222222), import + lambda unless overridden. */
export function fakeMigrationState(overrides: Partial<MigrationState> = {}): MigrationState {
  return {
    version: 1,
    key: {
      sourceAccountId: '111111111111',
      sourceRegion: 'us-east-1',
      sourceTableName: 'src',
      targetAccountId: '222222222222',
      targetRegion: 'us-east-1',
      targetTableName: 'dst',
    },
    runId: 'r1',
    createdAt: new Date().toISOString(),
    updatedAt: new Date().toISOString(),
    loadMode: 'import',
    cdcMode: 'lambda',
    ...overrides,
  } as MigrationState;
}

/** A StepContext over fake clients; sleeps are instant and counted; saves and progress are recorded. */
export function fakeStepContext(input: {
  clients: Partial<Record<keyof MigrationClients, FakeClient>>;
  state?: Partial<MigrationState>;
  facts?: Partial<PlanFacts>;
  options?: Partial<EngineOptions>;
}) {
  const sleeps: number[] = [];
  const saves: string[] = [];
  const progress: MigrationProgress[] = [];
  const state = fakeMigrationState(input.state);
  const options = {
    sourceTableName: 'src',
    targetTableName: 'dst',
    targetRegion: 'us-east-1',
    s3Prefix: 'ddb-migrate',
    pollSeconds: 1,
    streamSettleSeconds: 0,
    exportTimeMarginSeconds: 120,
    cdcLambdaFunctionName: 'cdc-fn',
    lambdaEventSourceBatchSize: 100,
    parallelizationFactor: 1,
    maxRetryAttempts: -1,
    cdcAccount: 'source',
    ...input.options,
  } as EngineOptions;
  const facts: PlanFacts = {
    sourceAccountId: '111111111111',
    targetAccountId: '222222222222',
    source: { table: { TableName: 'src' }, tags: [] },
    pitrEnabled: false,
    fetchOnChange: false,
    loadMode: 'import',
    replaceLoad: false,
    recordedMappingGone: false,
    bucket: 'target-bucket',
    ...input.facts,
  };
  const ctx = {
    options,
    targetAccess: { kind: 'same-credentials' },
    clients: input.clients,
    facts,
    state,
    logger: noopLogger,
    async save() {
      saves.push(JSON.stringify(ctx.state));
    },
    progress: (event: MigrationProgress) => {
      progress.push(event);
    },
    async sleep(ms: number) {
      sleeps.push(ms);
    },
  } as unknown as StepContext;
  return { ctx, sleeps, saves, progress };
}
