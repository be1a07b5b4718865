import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { type CliRun, cli, createFixture, type MigrationFixture, waitForState } from './migrate-fixtures.js';

/** The words of a printed command after `ddb-migrate` (the fixture's paths hold no spaces or quotes). */
function words(command: string): string[] {
  const [program, ...rest] = command.trim().split(/\s+/);
  expect(program).toBe('ddb-migrate');
  return rest;
}

/** The command printed after `label` in `text`, up to the next " (" or the end of the line. */
function commandAfter(text: string, label: string): string {
  const line = text.split('\n').find((l) => l.includes(label)) ?? '';
  const rest = line.slice(line.indexOf(label) + label.length).trim();
  const command = rest.split(' (')[0] ?? '';
  expect(command, text).toMatch(/^ddb-migrate /);
  return command;
}

/** Sends SIGINT to this process once `cdc` is started in the state (the CLI's handler aborts the run). */
async function interruptWhenCdcStarted(fx: MigrationFixture, run: Promise<CliRun>): Promise<CliRun> {
  await waitForState(fx, (s) => s.cdc?.status === 'started', run);
  await new Promise((r) => setTimeout(r, 1000));
  expect(process.listenerCount('SIGINT')).toBeGreaterThan(0);
  process.emit('SIGINT');
  return run;
}

describe('after migrate, the CLI says whether the target is kept in sync and what keeps it so', () => {
  it('an interrupted migrate prints the exact command that resumes it, and that command finishes the migration', async () => {
    const fx = await createFixture({ items: 30 });

    const interrupted = await interruptWhenCdcStarted(
      fx,
      cli([...fx.args, 'migrate', '--load-mode', 'write', '--cdc-mode', 'local', '--yes'], fx.env),
    );

    expect(interrupted.code).toBe(3); // README: "migrate interrupted with Ctrl-C", state saved
    const resume = commandAfter(interrupted.stderr, 'resume with:');
    expect(resume).toContain(' migrate ');
    expect(resume).toContain('--cdc-mode local');
    expect(resume).toContain(`--state-dir ${fx.stateDir}`);
    expect(resume).toContain('--yes');
    const resumed = await cli([...words(resume), '--stop-after-idle', '2'], fx.env);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(fx.readState()?.completedAt).toBeTruthy();
  });

  it('a local-mode migrate whose CDC stopped says the target is no longer kept in sync (also status), and its cdc run command goes on from the checkpoint', async () => {
    const fx = await createFixture({ items: 30 });

    const run = cli(
      [
        ...fx.args,
        'migrate',
        '--load-mode',
        'write',
        '--cdc-mode',
        'local',
        '--stop-after-idle',
        '3',
        '--yes',
      ],
      fx.env,
    );
    // Changes the migration's local CDC applies (and checkpoints) before it stops.
    await waitForState(fx, (s) => s.cdc?.status === 'started', run);
    for (const pk of ['during-1', 'during-2', 'during-3']) {
      await fx.src.send(new PutItemCommand({ TableName: fx.table, Item: { pk: { S: pk } } }));
    }
    const done = await run;

    expect(done.code, done.stderr).toBe(0);
    expect(done.stdout).toMatch(/local CDC has stopped \(idle\): the target is no longer kept in sync/);
    expect(done.stdout).not.toMatch(/^Done\.$/m);
    const keepInSync = commandAfter(done.stdout, 'Keep it in sync with');
    expect(keepInSync).toMatch(/^ddb-migrate cdc run /);
    expect(keepInSync).toContain(`--state-dir ${fx.stateDir}`);
    const status = await cli(['status', '--state-dir', fx.stateDir, '--output', 'json'], fx.env);
    expect(JSON.parse(status.stdout).migrations[0]).toMatchObject({ keptInSync: false });
    const statusText = await cli(['status', '--state-dir', fx.stateDir], fx.env);
    expect(statusText.stdout).toMatch(
      /sync\s+not kept in sync since local CDC stopped .*ddb-migrate cdc run /,
    );

    expect(fx.readState()?.cdc?.applied).toBe(3);
    // Nothing is replayed: the run reads migrate's checkpoint, not a file of its own from TRIM_HORIZON
    // (which would deliver the three records again).
    const first = await cli([...words(keepInSync), '--stop-after-idle', '1', '--output', 'json'], fx.env);
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({
      checkpointOf: 'migration',
      records: 0,
      keptInSync: false,
    });
    await fx.src.send(new PutItemCommand({ TableName: fx.table, Item: { pk: { S: 'late' } } }));
    const second = await cli([...words(keepInSync), '--stop-after-idle', '1', '--output', 'json'], fx.env);
    expect(JSON.parse(second.stdout)).toMatchObject({ checkpointOf: 'migration', records: 1, applied: 1 });
    const verify = await cli(
      [
        'verify',
        '--source-table-name',
        fx.table,
        '--target-table-name',
        fx.targetTable,
        '--target-account-id',
        fx.sides.targetAccount,
        '--recheck-attempts',
        '0',
      ],
      fx.env,
    );
    expect(verify.code, verify.stdout).toBe(0);
  });
});
