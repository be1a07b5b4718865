import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isolatedSides, motoEndpoint, sideEnv, uniqueName } from '@ddb-migrate/test-kit';
import { beforeAll, describe, expect, it } from 'vitest';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * The release's CLI tarball (scripts/pack-cli.mjs, the pack step of `pnpm release`) installed
 * with plain npm into an empty folder: one bundled file plus the templates, no dependencies.
 */
describe('packed CLI tarball', () => {
  let bin: string;
  let tarball: string;

  beforeAll(() => {
    const out = mkdtempSync(join(tmpdir(), 'ddb-migrate-release-'));
    tarball = execFileSync('node', [join(repoRoot, 'scripts', 'pack-cli.mjs'), '--out', out], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    }).trim();
    const app = mkdtempSync(join(tmpdir(), 'ddb-migrate-install-'));
    // --offline: the packed package has no dependencies, so nothing is fetched.
    execFileSync('npm', ['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts', tarball], {
      cwd: app,
      stdio: 'pipe',
    });
    bin = join(app, 'node_modules', '.bin', 'ddb-migrate');
  }, 240_000);

  it('ships only the bundle, the templates and the manifest', () => {
    const files = execFileSync('tar', ['tzf', tarball], { encoding: 'utf8' }).trim().split('\n').sort();
    expect(files).toEqual(
      expect.arrayContaining([
        'package/dist/bin.js',
        'package/dist/cfn/source.yaml',
        'package/dist/cfn/target.yaml',
      ]),
    );
    expect(files.filter((f) => f.includes('node_modules'))).toEqual([]);
  });

  it('runs ddb-migrate --help from node_modules/.bin and lists the commands', () => {
    const run = spawnSync(bin, ['--help'], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    for (const command of ['migrate', 'verify', 'plan', 'bootstrap'])
      expect(run.stdout).toContain(`ddb-migrate ${command}`);
  });

  it('deploys its bundled target template with bootstrap (moto)', async () => {
    const sides = isolatedSides();
    const env = { ...process.env, ...(await sideEnv(sides.source)) };
    delete env.AWS_PROFILE;
    const run = spawnSync(
      bin,
      [
        'bootstrap',
        '--stacks',
        'target',
        '--endpoint-url',
        motoEndpoint(),
        '--source-region',
        'us-east-1',
        '--target-account-id',
        sides.targetAccount,
        '--target-role-name',
        'OrganizationAccountAccessRole',
        '--target-table-name',
        'orders',
        '--target-stack-name',
        uniqueName('packed'),
        '--poll-interval',
        '0.1',
        '--output',
        'json',
      ],
      { encoding: 'utf8', env },
    );
    expect(run.stderr).not.toMatch(/^Error/m);
    expect(run.status).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result.templatesDir).toMatch(/node_modules[/\\]ddb-migrate[/\\]dist[/\\]cfn$/);
    expect(result.target.outputs.RoleArn).toBe(
      `arn:aws:iam::${sides.targetAccount}:role/cross_account_assume_role`,
    );
  });
});
