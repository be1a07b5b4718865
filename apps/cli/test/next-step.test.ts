import type { MigrationState } from '@ddb-migrate/migration';
import { describe, expect, it } from 'vitest';
import { formatCommand, shellQuote } from '../src/command-line.js';
import { toMigrateOptions } from '../src/commands/migrate/options.js';
import { migrateCommand, migrateNextStep } from '../src/commands/migrate/next-step.js';
import { syncState } from '../src/commands/status/run.js';

const options = (extra: Record<string, unknown> = {}) =>
  toMigrateOptions(
    {
      sourceTableName: 'orders',
      targetAccountId: '222222222222',
      output: 'text',
      verbose: false,
      ...extra,
    } as never,
    { env: { AWS_REGION: 'eu-west-1' } },
  );

const state = (extra: Partial<MigrationState>): MigrationState =>
  ({
    version: 1,
    key: {
      sourceAccountId: '111111111111',
      sourceRegion: 'eu-west-1',
      sourceTableName: 'orders',
      targetAccountId: '222222222222',
      targetRegion: 'eu-west-1',
      targetTableName: 'orders',
    },
    runId: 'r1',
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    loadMode: 'import',
    cdcMode: 'local',
    completedAt: '2026-01-01T01:00:00.000Z',
    ...extra,
  }) as MigrationState;

describe('the commands printed as next steps', () => {
  it('repeat the source region however it was given, and every flag that differs from its default', () => {
    const command = migrateCommand(
      options({ cdcMode: 'local', stateDir: '/var/state dir', maxWcu: 500, yes: true, pollSeconds: 10 }),
    );
    expect(command).toBe(
      "ddb-migrate migrate --source-region eu-west-1 --source-table-name orders --target-account-id 222222222222 --cdc-mode local --state-dir '/var/state dir' --max-wcu 500 --yes",
    );
  });

  it('quote what a shell would split or expand', () => {
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
    expect(shellQuote('$HOME')).toBe("'$HOME'");
    expect(
      formatCommand(
        ['cdc', 'run'],
        [
          ['--a', 'x'],
          ['--b', false],
          ['--c', true],
          ['--d', undefined],
        ],
      ),
    ).toBe('ddb-migrate cdc run --a x --c');
  });
});

describe('whether the target is kept in sync', () => {
  it('lambda mode: kept in sync by the mapping', () => {
    const next = migrateNextStep(
      { state: state({ cdcMode: 'lambda', cdc: { status: 'done', mode: 'lambda', esmUuid: 'u-1' } }) },
      options(),
    );
    expect(next).toEqual({
      keptInSync: true,
      sync: expect.stringMatching(/event source mapping u-1 keeps the target in sync/),
    });
    expect(
      syncState(
        state({ cdcMode: 'lambda', cdc: { status: 'done', mode: 'lambda', esmUuid: 'u-1' } }),
        '.ddb-migrate',
      ),
    ).toMatchObject({ keptInSync: true });
  });

  it('local mode once CDC stopped, and mode none: not kept in sync, with the cdc run command', () => {
    const local = migrateNextStep(
      {
        state: state({ cdc: { status: 'started', mode: 'local', drainedAt: 'x' } }),
        cdc: { records: 3, stoppedBy: 'idle' },
      },
      options({ cdcMode: 'local' }),
    );
    expect(local.keptInSync).toBe(false);
    expect(local.sync).toMatch(/local CDC has stopped \(idle\): the target is no longer kept in sync/);
    expect(local.cdcRunCommand).toBe(
      'ddb-migrate cdc run --source-region eu-west-1 --source-table-name orders --target-account-id 222222222222',
    );
    const none = migrateNextStep({ state: state({ cdcMode: 'none' }) }, options({ cdcMode: 'none' }));
    expect(none).toMatchObject({
      keptInSync: false,
      sync: expect.stringMatching(/nothing keeps it in sync/),
    });
  });

  it('an unfinished run: the command that resumes it', () => {
    const next = migrateNextStep({ state: state({ completedAt: undefined }) }, options({ yes: true }));
    expect(next.resumeCommand).toBe(
      'ddb-migrate migrate --source-region eu-west-1 --source-table-name orders --target-account-id 222222222222 --yes',
    );
    expect(next.sync).toMatch(/^Not finished: resume with ddb-migrate migrate /);
  });
});
