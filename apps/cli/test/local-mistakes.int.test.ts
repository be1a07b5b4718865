import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { StateStore } from '@ddb-migrate/migration';
import { createTable, findFreePort, motoEndpoint, uniqueName } from '@ddb-migrate/test-kit';
import { describe, expect, it } from 'vitest';
import { type CliRun, cli, createFixture, type MigrationFixture } from './migrate-fixtures.js';

/** A regular file where the user meant a directory. */
function fileNotDirectory(): string {
  const path = join(mkdtempSync(join(tmpdir(), 'ddb-migrate-mistake-')), 'state');
  writeFileSync(path, 'a file, not a directory\n');
  return path;
}

/** The source/target flags of the fixture (what every command takes), without migrate's own. */
function sideArgs(fx: MigrationFixture): string[] {
  return fx.args.slice(0, 12);
}

/** Replaces the value of `flag` in args. */
function withFlag(args: string[], flag: string, value: string): string[] {
  const copy = [...args];
  copy[copy.indexOf(flag) + 1] = value;
  return copy;
}

/** Bad input: exit 2, exactly one stderr line naming what is wrong and the fix, no raw Node error. */
function expectOneLineBadInput(run: CliRun, ...parts: string[]): string {
  expect(run.code, run.stderr).toBe(2);
  const lines = run.stderr.split('\n').filter((line) => line !== '');
  expect(lines, run.stderr).toHaveLength(1);
  const line = lines[0] as string;
  expect(line).toMatch(/^Error: /);
  expect(line).not.toMatch(/^Error: (Error|ENOTDIR|EISDIR|ENOENT|QueueDoesNotExist)\b/);
  for (const part of parts) expect(line).toContain(part);
  return line;
}

describe('local mistakes are bad input (exit 2, one line, the path and the fix), not exit 3 with a raw Node error', () => {
  it('a --state-dir that is a file: status, plan and migrate refuse, naming the file; migrate changes nothing', async () => {
    const fx = await createFixture({ items: 5 });
    const stateDir = fileNotDirectory();
    const fix = `Move ${stateDir} away or pass --state-dir another directory`;

    expectOneLineBadInput(
      await cli(['status', '--state-dir', stateDir], fx.env),
      `${stateDir} is a file`,
      fix,
    );
    const args = withFlag(fx.args, '--state-dir', stateDir);
    expectOneLineBadInput(await cli(['plan', ...args], fx.env), `${stateDir} is a file`, fix);
    expectOneLineBadInput(await cli(['migrate', ...args, '--yes', '--cdc-mode', 'none'], fx.env), fix);

    const table = await fx.src.send(new DescribeTableCommand({ TableName: fx.table }));
    expect(table.Table?.StreamSpecification?.StreamEnabled ?? false).toBe(false);
  });

  it('a corrupt state file: plan and status refuse with its path and how to start over', async () => {
    const fx = await createFixture({ items: 5 });
    const key = {
      sourceAccountId: fx.sides.sourceAccount,
      sourceRegion: fx.sides.source.region,
      sourceTableName: fx.table,
      targetAccountId: fx.sides.targetAccount,
      targetRegion: fx.sides.target.region,
      targetTableName: fx.targetTable,
    };
    const file = new StateStore(fx.stateDir).pathFor(key);
    writeFileSync(file, '{"version": 1, "key": ');

    const plan = await cli(['plan', ...fx.args], fx.env);
    expectOneLineBadInput(plan, `State file ${file} is not a ddb-migrate state`, 'Move the file away');
    const status = await cli(['status', '--state-dir', fx.stateDir, '--output', 'json'], fx.env);
    expect(status.code).toBe(2);
    expect(JSON.parse(status.stdout)).toMatchObject({ error: { code: 'STATE_UNREADABLE', exitCode: 2 } });
  });

  it('a --report in a directory that does not exist: verify refuses before it scans', async () => {
    const fx = await createFixture({ items: 5 });
    await createTable(fx.tgt, { name: fx.targetTable });
    const missing = join(mkdtempSync(join(tmpdir(), 'ddb-migrate-report-')), 'no-such-dir');
    const report = join(missing, 'diff.ndjson');
    const run = await cli(['verify', ...sideArgs(fx), '--report', report, '--recheck-attempts', '0'], fx.env);
    expectOneLineBadInput(run, `Report file ${report}: directory ${missing} does not exist`, 'mkdir -p');
  });

  it('a queue that does not exist: replay-dlq and cdc run --dlq-url refuse, naming the URL', async () => {
    const fx = await createFixture({ items: 5, table: { stream: 'NEW_AND_OLD_IMAGES' } });
    await createTable(fx.tgt, { name: fx.targetTable });
    const queueUrl = `${motoEndpoint()}/${fx.sides.sourceAccount}/${uniqueName('no-queue')}`;

    const replay = await cli(['replay-dlq', ...sideArgs(fx), '--queue-url', queueUrl], fx.env);
    expectOneLineBadInput(replay, `The queue ${queueUrl} (--dlq-url) does not exist`, 'Check --dlq-url');

    const cdc = await cli(
      [
        'cdc',
        'run',
        ...sideArgs(fx),
        '--dlq-url',
        queueUrl,
        '--stop-after-idle',
        '1',
        '--checkpoint-dir',
        fx.stateDir,
      ],
      fx.env,
    );
    expectOneLineBadInput(cdc, `The queue ${queueUrl} (--dlq-url) does not exist`);
  });

  it('a cdc run --checkpoint-dir that is a file: refused, naming the file', async () => {
    const fx = await createFixture({ items: 5, table: { stream: 'NEW_AND_OLD_IMAGES' } });
    await createTable(fx.tgt, { name: fx.targetTable });
    const dir = fileNotDirectory();
    const run = await cli(
      ['cdc', 'run', ...sideArgs(fx), '--checkpoint-dir', dir, '--stop-after-idle', '1'],
      fx.env,
    );
    expect(run.code, run.stderr).toBe(2);
    const errors = run.stderr.split('\n').filter((line) => line.startsWith('Error: '));
    expect(errors).toEqual([expect.stringContaining(`${dir} is a file, not a directory. Move ${dir} away`)]);
    expect(run.stderr).not.toMatch(/Error: (Error|ENOTDIR)/);
  });
});

describe('a closed endpoint is named as such, not as bad credentials', () => {
  it('plan against a loopback port nobody listens on: "cannot reach" with the address, in text and in JSON', async () => {
    const fx = await createFixture({ items: 1 });
    const port = await findFreePort();
    const endpoint = `http://127.0.0.1:${port}`;

    const text = await cli(['plan', ...fx.args, '--endpoint-url', endpoint], fx.env);
    const line = expectOneLineBadInput(text, `127.0.0.1:${port}`, 'connection refused', '--endpoint-url');
    expect(line).toMatch(/Cannot reach the source AWS endpoint/);
    expect(line).not.toMatch(/credentials do not work/);

    const json = await cli(['plan', ...fx.args, '--endpoint-url', endpoint, '--output', 'json'], fx.env);
    expect(json.code).toBe(2);
    const doc = JSON.parse(json.stdout) as { error: { problems?: { code: string }[] } };
    expect(doc.error.problems?.map((p) => p.code)).toContain('ENDPOINT_UNREACHABLE');
    expect(doc.error.problems?.map((p) => p.code)).not.toContain('SOURCE_CREDENTIALS');
  });
});
