import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const cliDir = join(dirname(fileURLToPath(import.meta.url)), '..');

describe('pnpm ddb-migrate from apps/cli (as its README says)', () => {
  it('runs the sources without a build, on the Node.js 22 pnpm brings', async () => {
    const { version } = JSON.parse(readFileSync(join(cliDir, 'package.json'), 'utf8')) as { version: string };
    // bin.ts refuses (exit 2) below Node 22.12, so exit 0 also proves the script's Node.
    const out = await run('pnpm', ['--silent', 'ddb-migrate', '--version'], {
      cwd: cliDir,
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: '' },
      timeout: 120_000,
    });
    expect(out.stdout.trim()).toBe(version);
    expect(out.stderr).toBe('');
  });
});
