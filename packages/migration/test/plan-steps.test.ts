import { describe, expect, it } from 'vitest';
import type { EngineOptions } from '../src/migration-input.js';
import { DEFAULT_MIGRATION_OPTIONS } from '../src/migration-options.js';
import { PLAN_STEPS, planSteps } from '../src/preflight/plan-steps.js';
import type { PlanFacts } from '../src/preflight/preflight-types.js';
import type { MigrationState } from '../src/state/migration-state.js';

const options = {
  ...DEFAULT_MIGRATION_OPTIONS,
  cdcMode: 'local',
  sourceRegion: 'us-east-1',
  sourceTableName: 'orders',
  targetRegion: 'us-east-1',
  targetTableName: 'orders-copy',
} as EngineOptions;

const facts = (more: Partial<PlanFacts> = {}): PlanFacts => ({
  sourceAccountId: '111111111111',
  targetAccountId: '222222222222',
  source: { table: { TableName: 'orders' }, tags: [] },
  pitrEnabled: true,
  fetchOnChange: false,
  loadMode: 'import',
  replaceLoad: false,
  recordedMappingGone: false,
  bucket: 'exports',
  ...more,
});

const completed: MigrationState = {
  version: 1,
  key: {
    sourceAccountId: '111111111111',
    sourceRegion: 'us-east-1',
    sourceTableName: 'orders',
    targetAccountId: '222222222222',
    targetRegion: 'us-east-1',
    targetTableName: 'orders-copy',
  },
  runId: '20260101-abcdef',
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T01:00:00.000Z',
  loadMode: 'import',
  cdcMode: 'local',
  stream: {
    status: 'done',
    streamArn: 'arn:stream',
    viewType: 'NEW_AND_OLD_IMAGES',
    enabledAt: '2026-01-01T00:00:00.000Z',
    enabledByUs: true,
  },
  export: {
    status: 'done',
    clientToken: 't',
    bucket: 'exports',
    bucketOwner: '222222222222',
    prefix: 'ddb-migrate/orders/20260101-abcdef',
    requestedAt: '2026-01-01T00:01:05.000Z',
    exportArn: 'arn:export',
    exportTime: '2026-01-01T00:01:05.000Z',
  },
  load: { status: 'done', mode: 'import', importArn: 'arn:import', loadedFiles: [], itemsLoaded: 200 },
  settings: { status: 'done', applied: [], failed: [], notCarried: [] },
  cdc: { status: 'started', mode: 'local', applied: 12 },
  completedAt: '2026-01-01T01:00:00.000Z',
};

describe('planSteps', () => {
  it('lists every step in the order migrate runs them, all to do for a fresh migration', () => {
    const steps = planSteps(options, facts({ pitrEnabled: false }));
    expect(steps.map((s) => s.step)).toEqual([...PLAN_STEPS]);
    expect(steps.map((s) => s.status)).toEqual(['todo', 'todo', 'todo', 'todo', 'todo', 'todo']);
    expect(steps.find((s) => s.step === 'export')).toEqual({
      step: 'export',
      status: 'todo',
      bucket: 'exports',
      bucketOwner: '222222222222',
      prefixRoot: 'ddb-migrate/orders',
      streamSettleSeconds: 65,
    });
    expect(steps.find((s) => s.step === 'load')).toMatchObject({ mode: 'import', createsTable: true });
  });

  it('plans a recorded migration from its state: done steps with their ARNs, local CDC resumed', () => {
    const steps = planSteps(options, facts({ state: completed, targetTable: { TableName: 'orders-copy' } }));
    expect(Object.fromEntries(steps.map((s) => [s.step, s.status]))).toEqual({
      pitr: 'skip',
      stream: 'done',
      export: 'done',
      load: 'done',
      settings: 'done',
      cdc: 'resume',
    });
    expect(steps.find((s) => s.step === 'export')).toMatchObject({
      exportArn: 'arn:export',
      prefix: 'ddb-migrate/orders/20260101-abcdef',
    });
    expect(steps.find((s) => s.step === 'load')).toMatchObject({ importArn: 'arn:import', itemsLoaded: 200 });
    expect(steps.find((s) => s.step === 'cdc')).toMatchObject({ mode: 'local', recordsApplied: 12 });
  });

  it('resumes a started load and redoes a failed export', () => {
    const { load: _l, settings: _s, cdc: _c, completedAt: _d, ...base } = completed;
    const state: MigrationState = {
      ...base,
      export: {
        ...(completed.export as NonNullable<MigrationState['export']>),
        failure: { code: 'S3NoSuchBucket', message: 'x', at: 'y' },
      },
    };
    const steps = planSteps(options, facts({ state }));
    expect(steps.find((s) => s.step === 'export')).toMatchObject({
      status: 'todo',
      replacesFailedExport: 'arn:export',
    });
    const loading: MigrationState = {
      ...base,
      loadMode: 'write',
      load: {
        status: 'started',
        mode: 'write',
        loadedFiles: [{ key: 'a', items: 5 }],
        totalFiles: 3,
        itemsLoaded: 5,
        tableCreated: true,
      },
    };
    expect(
      planSteps(options, facts({ state: loading, loadMode: 'write' })).find((s) => s.step === 'load'),
    ).toMatchObject({
      status: 'resume',
      mode: 'write',
      createsTable: true,
      filesLoaded: 1,
      totalFiles: 3,
    });
  });

  it('makes a new mapping when the recorded one is gone, and skips CDC in mode none', () => {
    const lambda = { ...options, cdcMode: 'lambda' } as EngineOptions;
    const state: MigrationState = {
      ...completed,
      cdcMode: 'lambda',
      cdc: { status: 'done', mode: 'lambda', esmUuid: 'u-1', functionConfigured: true },
    };
    expect(planSteps(lambda, facts({ state })).at(-1)).toMatchObject({
      status: 'done',
      eventSourceMappingUuid: 'u-1',
    });
    const gone = planSteps(lambda, facts({ state, recordedMappingGone: true })).at(-1);
    expect(gone).toMatchObject({
      status: 'resume',
      functionName: 'dynamodb-cross-account-cdc-lambda-function',
    });
    expect(gone).not.toHaveProperty('eventSourceMappingUuid');
    const none = { ...options, cdcMode: 'none' } as EngineOptions;
    expect(planSteps(none, facts()).at(-1)).toEqual({ step: 'cdc', status: 'skip', mode: 'none' });
  });
});
