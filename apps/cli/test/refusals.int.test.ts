import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { uniqueName, scanAll } from '@ddb-migrate/test-kit';
import { describe, expect, it } from 'vitest';
import { cli, createFixture } from './migrate-fixtures.js';

/** Replaces the value of `flag` in args. */
function withFlag(args: string[], flag: string, value: string): string[] {
  const i = args.indexOf(flag);
  const copy = [...args];
  copy[i + 1] = value;
  return copy;
}

interface ErrorJson {
  error: { code: string; message: string; problems?: { code: string; message: string; fix: string }[] };
}

describe('a refusal names every problem with its fix, in one line and in JSON', () => {
  it('plan and migrate: PITR off, no bucket and no CDC function are all named, each with its fix', async () => {
    const fx = await createFixture({ items: 10, pitr: false });
    const bucket = uniqueName('nobucket');
    const fn = uniqueName('nofn');
    const args = [
      ...withFlag(fx.args, '--target-s3-bucket-name', bucket),
      '--cdc-mode',
      'lambda',
      '--cdc-lambda-function-name',
      fn,
    ];
    for (const command of ['plan', 'migrate']) {
      const text = await cli([command, ...args, '--yes'], fx.env);
      expect(text.code, text.stderr).toBe(2);
      const lines = text.stderr.split('\n').filter((l) => l !== '');
      expect(lines).toHaveLength(1);
      const [line] = lines;
      expect(line).toMatch(/^Error: preflight found 3 problems: \(1\) /);
      expect(line).toMatch(
        /\(1\) Point-in-time recovery is off on source table \S+; the export needs it: Re-run with --enable-pitr/,
      );
      expect(line).toContain(
        `(2) Export bucket ${bucket} does not exist: Create it in the target account ${fx.sides.targetAccount}`,
      );
      expect(line).toContain(`(3) CDC Lambda function ${fn} does not exist in the source account: Deploy it`);
      expect(line).not.toMatch(/and \d more/);

      const json = await cli([command, ...args, '--yes', '--output', 'json'], fx.env);
      expect(json.code).toBe(2);
      const doc = JSON.parse(json.stdout) as ErrorJson;
      expect(doc.error.code).toBe('PREFLIGHT_REFUSED');
      expect(doc.error.problems?.map((p) => p.code)).toEqual([
        'PITR_DISABLED',
        'BUCKET_NOT_FOUND',
        'FUNCTION_NOT_FOUND',
      ]);
      for (const p of doc.error.problems ?? []) {
        expect(p.message).not.toBe('');
        expect(p.fix).not.toBe('');
      }
      expect(doc.error.problems?.[1]?.fix).toContain('--target-s3-bucket-name');
    }
    expect(readdirSync(fx.stateDir)).toEqual([]);
  });

  it('one problem keeps its own code, message and fix', async () => {
    const fx = await createFixture({ items: 10, pitr: false });
    const json = await cli(['plan', ...fx.args, '--cdc-mode', 'local', '--output', 'json'], fx.env);
    expect(json.code).toBe(2);
    const doc = JSON.parse(json.stdout) as ErrorJson;
    expect(doc.error.code).toBe('PITR_DISABLED');
    expect(doc.error.problems).toEqual([
      expect.objectContaining({ code: 'PITR_DISABLED', fix: expect.stringContaining('--enable-pitr') }),
    ]);
  });

  it('refuses a target that is the source table itself (same account, Region and table), not "delete its items"', async () => {
    const fx = await createFixture({ items: 15 });
    const stateDir = mkdtempSync(join(tmpdir(), 'ddb-migrate-self-'));
    // The source's own account as the target account (a role in it), the same Region and table name.
    const args = [
      '--source-region',
      fx.sides.source.region,
      '--source-table-name',
      fx.table,
      '--target-account-id',
      fx.sides.sourceAccount,
      '--state-dir',
      stateDir,
      '--cdc-mode',
      'local',
      '--load-mode',
      'write',
    ];
    for (const command of ['plan', 'migrate']) {
      const run = await cli([command, ...args, '--yes'], fx.env);
      expect(run.code, run.stderr).toBe(2);
      const lines = run.stderr.split('\n').filter((l) => l.startsWith('Error'));
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(
        `The target is the source table itself (${fx.table} in account ${fx.sides.sourceAccount}, ${fx.sides.source.region}): Name another table, Region or account for the target`,
      );
      expect(lines[0]).not.toMatch(/delete its items|already holds items/);
    }
    expect(await scanAll(fx.src, fx.table)).toHaveLength(15);
    expect(readdirSync(stateDir)).toEqual([]);
  });
});
