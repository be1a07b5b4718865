import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { templatePath } from './support/cfn-yaml.js';

describe('cfn-lint', () => {
  it('reports nothing for source.yaml, target.yaml and verify-fanout.yaml', () => {
    const templates = (['source.yaml', 'target.yaml', 'verify-fanout.yaml'] as const).map(templatePath);
    const run = spawnSync('cfn-lint', templates, {
      encoding: 'utf8',
    });
    if (run.error && (run.error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new Error('cfn-lint is not on PATH; install it with `pip install cfn-lint`');
    }
    expect(run.stdout + run.stderr).toBe('');
    expect(run.status).toBe(0);
  });
});
