import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { expectTablesEqual } from '@ddb-migrate/test-kit';
import { describe, expect, it } from 'vitest';
import { cli, createFixture } from './migrate-fixtures.js';

describe('migrate --load-engine local', () => {
  it('loads the export on worker processes, records every file in the state and verifies identical', async () => {
    const f = await createFixture({ items: 300 });
    const args = [
      'migrate',
      ...f.args,
      '--load-mode',
      'write',
      '--cdc-mode',
      'none',
      '--load-engine',
      'local',
      '--load-workers',
      '2',
      '--yes',
      '--output',
      'json',
    ];
    // A 1 ms turn: every worker invocation loads one file and answers "continue" (the Choice loop).
    const env = { ...f.env, DDB_MIGRATE_LOAD_INVOCATION_MS: '1' };

    const run = await cli(args, env);

    expect(run.code, run.stderr).toBe(0);
    const state = f.readState()!;
    expect(state.load).toMatchObject({ status: 'done', mode: 'write', itemsLoaded: 300 });
    expect(state.load!.loadedFiles.length).toBe(state.load!.totalFiles);
    await expectTablesEqual(f.src, f.table, f.tgt, f.targetTable);
    // The workers' done-markers, one per data file, under the run's work directory.
    const markers = join(f.stateDir, 'load-work', state.runId, 'load', 'done');
    expect(existsSync(markers)).toBe(true);
    expect(readdirSync(markers)).toHaveLength(state.load!.totalFiles!);

    const verify = await cli(
      [
        'verify',
        '--source-region',
        f.sides.source.region,
        '--source-table-name',
        f.table,
        '--target-table-name',
        f.targetTable,
        '--target-account-id',
        f.sides.targetAccount,
        '--state-dir',
        f.stateDir,
        '--output',
        'json',
      ],
      f.env,
    );
    expect(verify.code, verify.stderr).toBe(0);
    expect(JSON.parse(verify.stdout)).toMatchObject({
      identical: true,
      sourceScanned: 300,
      targetScanned: 300,
    });

    // A second migrate finds the load done and loads nothing again.
    const again = await cli(args, env);
    expect(again.code, again.stderr).toBe(0);
    expect(f.readState()!.load!.loadedFiles).toEqual(state.load!.loadedFiles);
  }, 240_000);

  it.each([
    [['--load-mode', 'import', '--load-engine', 'local'], /--load-engine is for write mode/],
    [['--load-workers', '3'], /--load-workers only applies to --load-engine local/],
    [['--load-engine', 'stepfunctions'], /--load-engine stepfunctions needs --load-state-machine-arn/],
    [['--load-engine', 'cluster'], /--load-engine must be one of local, stepfunctions/],
    [
      ['--load-engine', 'local', '--load-state-machine-arn', 'arn:aws:states:us-east-1:1:stateMachine:x'],
      /--load-state-machine-arn only applies to --load-engine stepfunctions/,
    ],
  ])('refuses %j in one line with exit 2 and changes nothing', async (extra, message) => {
    const f = await createFixture({ items: 5 });

    const run = await cli(['migrate', ...f.args, '--cdc-mode', 'none', '--yes', ...extra], f.env);

    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stderr.trim().split('\n')[0]).toMatch(message);
    expect(f.readState()).toBeUndefined();
  });

  it('refuses --load-engine when --load-mode auto plans an ImportTable load', async () => {
    const f = await createFixture({ items: 5 });

    const run = await cli(
      ['migrate', ...f.args, '--cdc-mode', 'none', '--yes', '--load-engine', 'local'],
      f.env,
    );

    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /--load-engine local is for write mode, and this migration loads with ImportTable/,
    );
    expect(f.readState()).toBeUndefined();
  });
});
