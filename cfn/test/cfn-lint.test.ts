import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readTemplateText, type TemplateName, templatePath } from './support/cfn-yaml.js';

/**
 * cfn-lint checks a template with its parameters' defaults (it evaluates every combination of
 * conditions itself, but resolves Refs to defaults). The copies with `CdcAccount` defaulting to
 * `target` lint the target layout with its own defaults too.
 */
function targetLayoutCopy(name: TemplateName, dir: string): string {
  const text = readTemplateText(name);
  const declaration = /(\n {2}CdcAccount:\n(?: {4}.*\n| {6}.*\n)*? {4}Default: )source\n/;
  if (!declaration.test(text)) throw new Error(`${name} declares no CdcAccount defaulting to source`);
  const file = join(dir, `target-layout-${name}`);
  writeFileSync(file, text.replace(declaration, '$1target\n'));
  return file;
}

describe('cfn-lint', () => {
  it('reports nothing for source.yaml, target.yaml and verify-fanout.yaml, in both CDC layouts', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfn-lint-'));
    const templates = [
      ...(['source.yaml', 'target.yaml', 'verify-fanout.yaml'] as const).map(templatePath),
      targetLayoutCopy('source.yaml', dir),
      targetLayoutCopy('target.yaml', dir),
    ];
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
