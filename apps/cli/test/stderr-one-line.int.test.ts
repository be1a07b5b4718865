import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { isolatedSides, motoEndpoint, sideEnv, uniqueName } from '@ddb-migrate/test-kit';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const cliDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(cliDir, 'src', 'bin.ts');

/**
 * Runs the real entry (`bin.ts`) in a child process on the Node.js that runs the tests, with an
 * environment that does not silence the AWS SDK's NodeVersionSupportWarning.
 */
async function ddbMigrate(
  args: string[],
  env: Record<string, string>,
  nodeFlags: string[] = [],
): Promise<{ code: number; stdout: string; stderr: string }> {
  const childEnv: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    ...env,
  };
  try {
    const out = await run(
      process.execPath,
      ['--import', 'tsx', '--conditions=source', ...nodeFlags, bin, ...args],
      { cwd: cliDir, env: childEnv, timeout: 120_000 },
    );
    return { code: 0, stdout: out.stdout, stderr: out.stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

describe('a refusal prints exactly one line on stderr (no Node.js version warning)', () => {
  it('runs on Node.js 22 or newer (the floor in package.json engines)', () => {
    expect(Number(process.versions.node.split('.')[0])).toBeGreaterThanOrEqual(22);
  });

  it('plan of a table that does not exist: exit 2 and one line, after real AWS calls to moto', async () => {
    const sides = isolatedSides();
    const table = uniqueName('absent');
    const result = await ddbMigrate(
      [
        'plan',
        '--endpoint-url',
        motoEndpoint(),
        '--source-region',
        sides.source.region,
        '--source-table-name',
        table,
        '--target-account-id',
        sides.targetAccount,
      ],
      await sideEnv(sides.source),
    );
    expect(result.code).toBe(2);
    const lines = result.stderr.split('\n').filter((line) => line !== '');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^Error: /);
    expect(lines[0]).toContain(table);
    expect(result.stderr).not.toMatch(/NodeVersionSupportWarning|node >=/);
  });

  it('refuses an older Node.js in one line (exit 2) before anything loads', async () => {
    // Stands in for Node 20: bin.ts reads process.versions.node before it imports the CLI.
    const preload = `data:text/javascript,${encodeURIComponent(
      "Object.defineProperty(process.versions, 'node', { value: '20.19.0' }); Object.defineProperty(process, 'version', { value: 'v20.19.0' });",
    )}`;
    const result = await ddbMigrate(['--version'], {}, ['--import', preload]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr.split('\n').filter((line) => line !== '')).toEqual([
      expect.stringMatching(/^Error: ddb-migrate needs Node\.js 22\.12 or newer; this is v20\.19\.0\. /),
    ]);
  });
});
