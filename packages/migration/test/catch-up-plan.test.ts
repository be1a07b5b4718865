import { describe, expect, it } from 'vitest';
import { catchUpApplies, prepareCdcStart } from '../src/catch-up/catch-up-step.js';
import type { EngineOptions } from '../src/migration-input.js';
import { DEFAULT_MIGRATION_OPTIONS } from '../src/migration-options.js';
import { planSteps } from '../src/preflight/plan-steps.js';
import type { PlanFacts } from '../src/preflight/preflight-types.js';
import { cdcExportTime, type CatchUpWindow, type MigrationState } from '../src/state/migration-state.js';
import { cdcFunctionEnvironment } from '../src/steps/cdc-lambda-mode.js';
import { fakeMigrationState, fakeStepContext } from './support/fake-step-context.js';

const HOUR = 3_600_000;
const T = Date.parse('2026-11-01T00:00:00.000Z');
const options = {
  ...DEFAULT_MIGRATION_OPTIONS,
  cdcMode: 'lambda',
  sourceRegion: 'us-east-1',
  sourceTableName: 'orders',
  targetRegion: 'us-east-1',
  targetTableName: 'orders-copy',
} as EngineOptions;

const facts = (more: Partial<PlanFacts> = {}, table: Record<string, unknown> = {}): PlanFacts => ({
  sourceAccountId: '111111111111',
  targetAccountId: '222222222222',
  source: { table: { TableName: 'orders', ItemCount: 1000, TableSizeBytes: 1_000_000, ...table }, tags: [] },
  pitrEnabled: true,
  fetchOnChange: false,
  loadMode: 'write',
  replaceLoad: false,
  recordedMappingGone: false,
  bucket: 'exports',
  ...more,
});

const exported = (extra: Partial<MigrationState> = {}) =>
  fakeMigrationState({
    loadMode: 'write',
    export: {
      status: 'done',
      clientToken: 't',
      bucket: 'exports',
      bucketOwner: '222222222222',
      prefix: 'ddb-migrate/orders/r1',
      requestedAt: new Date(T).toISOString(),
      exportArn: 'arn:aws:dynamodb:us-east-1:111111111111:table/orders/export/01',
      exportTime: new Date(T).toISOString(),
    },
    load: { status: 'done', mode: 'write', loadedFiles: [], itemsLoaded: 1000 },
    ...extra,
  });

const window = (from: number, to: number, status: CatchUpWindow['status']): CatchUpWindow => ({
  status,
  from: new Date(from).toISOString(),
  to: new Date(to).toISOString(),
  clientToken: `tok-${from}`,
  prefix: 'p',
  requestedAt: new Date(to).toISOString(),
  exportArn: `arn:aws:dynamodb:us-east-1:111111111111:table/orders/export/${from}`,
});

const catchUpStep = (o: Partial<EngineOptions>, f: PlanFacts, now: number) =>
  planSteps({ ...options, ...o }, f, now).find((s) => s.step === 'catch-up');

describe('the plan shows the catch-up before anything runs', () => {
  it('has no catch-up step when export and load fit in the stream window', () => {
    expect(catchUpStep({}, facts(), T)).toBeUndefined();
  });

  it('expects windows when the estimated write-mode load outlasts the stream, with their price', () => {
    // 400 M items of 1 KB written at about 2,000 WCU/s: some 55 h of load.
    const big = facts({}, { ItemCount: 400_000_000, TableSizeBytes: 400_000_000 * 1024 });
    const step = catchUpStep({}, big, T);
    expect(step).toMatchObject({ status: 'todo', mode: 'incremental', basis: 'estimate', windowsApplied: 0 });
    expect(step?.windows).toBeGreaterThanOrEqual(3);
    expect(step?.estimate).toMatchObject({ windows: step?.windows, usdPerGbChanged: 0.1 });
    expect(step?.estimate.minimumUsd).toBeGreaterThan(0);
    expect(step?.estimate.maximumUsd).toBeUndefined();
    // A provisioned table's write capacity bounds what can change: 100 WCU for h hours.
    const provisioned = facts(
      {},
      {
        ItemCount: 400_000_000,
        TableSizeBytes: 400_000_000 * 1024,
        BillingModeSummary: { BillingMode: 'PROVISIONED' },
        ProvisionedThroughput: { WriteCapacityUnits: 100 },
      },
    );
    const priced = catchUpStep({}, provisioned, T);
    const hours = priced?.estimate.hours ?? 0;
    expect(priced?.estimate.maximumUsd).toBeCloseTo(((100 * 3600 * hours) / 1024 ** 2) * 0.1, 1);
  });

  it('with --catch-up refuse says migrate would stop instead (skip)', () => {
    const big = facts({}, { ItemCount: 400_000_000, TableSizeBytes: 400_000_000 * 1024 });
    expect(catchUpStep({ catchUp: 'refuse' }, big, T)).toMatchObject({ status: 'skip', mode: 'refuse' });
  });

  it('on resume decides from the recorded export time: just inside none, just outside a window', () => {
    const margin = options.exportTimeMarginSeconds * 1000;
    const deadline = T - margin + 23 * HOUR;
    expect(catchUpStep({}, facts({ state: exported() }), deadline)).toBeUndefined();
    expect(catchUpStep({}, facts({ state: exported() }), deadline + 1)).toMatchObject({
      status: 'todo',
      basis: 'recorded',
      windows: 1,
    });
    expect(catchUpStep({}, facts({ state: exported() }), T + 50 * HOUR)).toMatchObject({ windows: 3 });
  });

  it('resumes a recorded catch-up (windows on record plus those still to request) and shows a finished one as done', () => {
    const w0 = window(T - 300_000, T - 300_000 + 24 * HOUR, 'applied');
    const started = exported({ catchUp: { status: 'started', startedAt: 'x', windows: [w0] } });
    expect(catchUpStep({}, facts({ state: started }), T + 30 * HOUR)).toMatchObject({
      status: 'resume',
      windows: 1,
      windowsApplied: 1,
    });
    expect(catchUpStep({}, facts({ state: started }), T + 60 * HOUR)).toMatchObject({
      status: 'resume',
      windows: 3,
      windowsApplied: 1,
    });
    const done = exported({
      catchUp: { status: 'done', startedAt: 'x', windows: [w0], cdcExportTime: w0.to },
    });
    expect(catchUpStep({}, facts({ state: done }), T + 30 * HOUR)).toMatchObject({
      status: 'done',
      windows: 1,
    });
  });

  it('has no catch-up once CDC has read the stream (its own position decides)', () => {
    const mapped = exported({ cdc: { status: 'started', mode: 'lambda', esmUuid: 'u-1' } });
    expect(catchUpApplies(mapped)).toBe(false);
    expect(catchUpStep({}, facts({ state: mapped }), T + 30 * HOUR)).toBeUndefined();
  });
});

describe("CDC's cut-off after a catch-up", () => {
  const w0 = window(T - 300_000, T - 300_000 + 24 * HOUR, 'applied');
  const done = { status: 'done' as const, startedAt: 'x', windows: [w0], cdcExportTime: w0.to };

  it("gives the function EXPORT_TIME = T2 (it replays from T2 minus the margin), not the export's T", () => {
    const { ctx } = fakeStepContext({ clients: {}, state: exported({ catchUp: done }) });
    expect(cdcExportTime(ctx.state)).toBe(w0.to);
    expect(cdcFunctionEnvironment(ctx)).toMatchObject({
      EXPORT_TIME: w0.to,
      EXPORT_TIME_MARGIN_SECONDS: String(ctx.options.exportTimeMarginSeconds),
    });
    const { ctx: plain } = fakeStepContext({ clients: {}, state: exported() });
    expect(cdcFunctionEnvironment(plain).EXPORT_TIME).toBe(new Date(T).toISOString());
  });

  it('refuses (STREAM_WINDOW_EXCEEDED, nothing requested) when CDC already read the stream, even with --catch-up incremental', async () => {
    const state = exported({
      cdc: { status: 'started', mode: 'lambda', esmRequestedAt: new Date(T).toISOString() },
    });
    const { ctx, saves } = fakeStepContext({
      clients: {},
      state,
      options: { cdcMode: 'lambda', catchUp: 'incremental' },
    });
    await expect(prepareCdcStart(ctx, () => T + 30 * HOUR)).rejects.toMatchObject({
      code: 'STREAM_WINDOW_EXCEEDED',
      hint: expect.stringMatching(/no catch-up applies/),
    });
    expect(saves).toEqual([]);
  });
});
