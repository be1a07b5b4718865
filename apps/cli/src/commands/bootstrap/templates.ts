import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, MigrationError } from '@ddb-migrate/core';

/** The two CloudFormation templates bootstrap deploys. */
export interface StackTemplates {
  dir: string;
  source: string;
  target: string;
}

const hasTemplates = (dir: string) =>
  existsSync(join(dir, 'source.yaml')) && existsSync(join(dir, 'target.yaml'));

/**
 * Finds the directory holding `source.yaml` and `target.yaml`: `override` when given, else the
 * nearest `cfn/` next to or above this module. That is `dist/cfn/` in the packed CLI (the
 * release bundles the templates there) and the repository's `cfn/` package in a checkout, so the
 * CLI always deploys the templates it was built with.
 *
 * @throws ConfigError when `override` lacks a template; MigrationError TEMPLATES_NOT_FOUND otherwise.
 */
export function findTemplatesDir(override?: string, from: string = fileURLToPath(import.meta.url)): string {
  if (override !== undefined) {
    const dir = resolve(override);
    if (!hasTemplates(dir)) {
      throw new ConfigError(`--template-dir ${dir} has no source.yaml and target.yaml`, {
        hint: 'Point --template-dir at a copy of the cfn/ folder, or omit it to use the bundled templates',
      });
    }
    return dir;
  }
  let dir = dirname(from);
  for (;;) {
    if (hasTemplates(join(dir, 'cfn'))) return join(dir, 'cfn');
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new MigrationError(
    'TEMPLATES_NOT_FOUND',
    `No cfn/source.yaml and cfn/target.yaml found above ${dirname(from)}`,
    {
      hint: 'Reinstall the CLI (the package ships dist/cfn/) or pass --template-dir',
    },
  );
}

/** Reads both templates (as CloudFormation TemplateBody text). */
export function readTemplates(override?: string): StackTemplates {
  const dir = findTemplatesDir(override);
  return {
    dir,
    source: readFileSync(join(dir, 'source.yaml'), 'utf8'),
    target: readFileSync(join(dir, 'target.yaml'), 'utf8'),
  };
}
