import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import yargs from 'yargs';
import { describe, expect, it } from 'vitest';
import { findTemplatesDir } from '../src/commands/bootstrap/templates.js';
import { withMigrateFlags } from '../src/commands/migrate/flags.js';
import { toMigrateOptions } from '../src/commands/migrate/options.js';

// Lambda for DynamoDB streams (services-ddb-params): MaximumRetryAttempts -1 retries until the
// record expires; a bounded count discards whole batches, sending only their metadata to the
// on-failure destination.
describe('retries until the record expires by default', () => {
  it('defaults --max-retry-attempts to -1 and accepts -1', async () => {
    const argv = await withMigrateFlags(
      yargs([
        '--source-region',
        'us-east-1',
        '--source-table-name',
        'src',
        '--target-table-name',
        'dst',
      ]).exitProcess(false),
    ).parse();
    expect(argv.maxRetryAttempts).toBe(-1);
    const base = {
      sourceRegion: 'us-east-1',
      sourceTableName: 'src',
      targetRegion: 'us-east-1',
      targetTableName: 'dst',
      targetAccountId: '222222222222',
    };
    expect(toMigrateOptions(base as never).maxRetryAttempts).toBe(-1);
    expect(toMigrateOptions({ ...base, maxRetryAttempts: -1 } as never).maxRetryAttempts).toBe(-1);
    expect(toMigrateOptions({ ...base, maxRetryAttempts: 5 } as never).maxRetryAttempts).toBe(5);
    expect(() => toMigrateOptions({ ...base, maxRetryAttempts: -2 } as never)).toThrow(/max-retry-attempts/);
  });

  it("the source template's optional mapping retries until records expire", () => {
    const text = readFileSync(join(findTemplatesDir(), 'source.yaml'), 'utf8');
    const param = /\n {2}MaximumRetryAttempts:\n((?: {4}.*\n)+)/.exec(text)?.[1] ?? '';
    expect(param).toMatch(/Default: -1\n/);
    expect(param).toMatch(/MinValue: -1\n/);
    const mapping = /\n {2}StreamMapping:\n((?: {4,}.*\n|\s*\n)+)/.exec(text)?.[1] ?? '';
    expect(mapping).toMatch(/MaximumRecordAgeInSeconds: -1\n/);
  });
});
