import { sdkError } from '@ddb-migrate/test-kit';
import { fakeClient } from '@ddb-migrate/test-kit/fakes';
import { describe, expect, it } from 'vitest';
import type { PreflightContext } from '../src/preflight/preflight-types.js';
import { checkRecordedExport, checkRecordedLoad } from '../src/preflight/resume-checks.js';
import type { LoadStep, MigrationState } from '../src/state/migration-state.js';
import { fakeMigrationState } from './support/fake-step-context.js';

const options = {
  stateDir: '/state',
  targetTableName: 'dst',
  targetRegion: 'us-east-1',
} as PreflightContext['options'];

const state = (load: LoadStep): MigrationState =>
  fakeMigrationState({
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T02:00:00.000Z',
    loadMode: load.mode,
    cdcMode: 'local',
    load,
  });

const importing: LoadStep = {
  status: 'started',
  mode: 'import',
  importArn: 'arn:import',
  loadedFiles: [],
  itemsLoaded: 0,
};

function check(load: LoadStep, importStatus: string | Error, table?: { CreationDateTime: Date }) {
  const targetDdb = fakeClient({
    DescribeImportCommand: [
      importStatus instanceof Error
        ? importStatus
        : { ImportTableDescription: { ImportStatus: importStatus } },
    ],
  });
  const facts = { targetAccountId: '222222222222', state: state(load) } as PreflightContext['facts'];
  const clients = { targetDdb } as unknown as PreflightContext['clients'];
  return checkRecordedLoad(options, clients, facts, load, { table: table as never });
}

describe('checkRecordedLoad', () => {
  it('refuses when the table of a completed import is gone before the run recorded it done', async () => {
    const findings = await check(importing, 'COMPLETED');
    expect(findings).toEqual([
      expect.objectContaining({
        level: 'error',
        code: 'TARGET_TABLE_GONE',
        message: expect.stringContaining('imported (arn:import)'),
      }),
    ]);
  });

  it('lets the import step report an import that failed, or is still running, without its table', async () => {
    for (const status of ['FAILED', 'IN_PROGRESS', sdkError('ImportNotFoundException')]) {
      expect((await check(importing, status)).map((f) => f.code)).toEqual(['LOAD_RESUMED']);
    }
  });

  it('resumes a write load that wrote no file yet without its table (it creates the table again)', async () => {
    const load: LoadStep = {
      status: 'started',
      mode: 'write',
      loadedFiles: [],
      itemsLoaded: 0,
      tableCreated: true,
    };
    expect((await check(load, 'COMPLETED')).map((f) => f.code)).toEqual(['LOAD_RESUMED']);
    const written = { ...load, loadedFiles: [{ key: 'f1', items: 10 }], itemsLoaded: 10 };
    expect((await check(written, 'COMPLETED')).map((f) => f.code)).toEqual(['TARGET_TABLE_GONE']);
  });

  it('accepts the loaded table, and refuses one created after the last record', async () => {
    const done: LoadStep = { ...importing, status: 'done', itemsLoaded: 5 };
    expect(await check(done, 'COMPLETED', { CreationDateTime: new Date('2026-01-01T00:30:00Z') })).toEqual(
      [],
    );
    expect(
      (await check(done, 'COMPLETED', { CreationDateTime: new Date('2026-01-01T03:00:00Z') })).map(
        (f) => f.code,
      ),
    ).toEqual(['TARGET_TABLE_REPLACED']);
  });
});

describe('checkRecordedExport', () => {
  it('refuses an export in flight that DynamoDB no longer knows, and trusts one it knows', async () => {
    const exp = {
      status: 'started' as const,
      clientToken: 't',
      bucket: 'b',
      bucketOwner: '222222222222',
      prefix: 'p',
      requestedAt: '2026-01-01T00:00:00Z',
      exportArn: 'arn:export',
    };
    const run = (reply: unknown) => {
      const sourceDdb = fakeClient({ DescribeExportCommand: [reply] });
      const facts = {
        state: { ...state(importing), load: undefined },
      } as unknown as PreflightContext['facts'];
      return checkRecordedExport(
        options,
        { sourceDdb } as unknown as PreflightContext['clients'],
        facts,
        exp,
      );
    };
    expect((await run(sdkError('ExportNotFoundException'))).map((f) => f.code)).toEqual(['EXPORT_GONE']);
    expect(await run({ ExportDescription: { ExportStatus: 'IN_PROGRESS' } })).toEqual([]);
    expect(await run(sdkError('ThrottlingException'))).toEqual([]);
  });
});
