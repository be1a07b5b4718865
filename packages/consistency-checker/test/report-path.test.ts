import { mkdtemp, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '@ddb-migrate/core';
import { describe, expect, it } from 'vitest';
import { createReportWriter } from '../src/report.js';

describe('a --report path that cannot be written fails at once as bad input', () => {
  it('a report in a directory that does not exist names the directory, before any write', async () => {
    const root = await mkdtemp(join(tmpdir(), 'report-path-'));
    const report = join(root, 'missing', 'r.ndjson');
    let error: unknown;
    try {
      createReportWriter(report);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({
      code: 'LOCAL_PATH_INVALID',
      message: `Report file ${report}: directory ${join(root, 'missing')} does not exist`,
      hint: expect.stringContaining('--report'),
    });
  });

  it('a report path that is a directory', async () => {
    const root = await mkdtemp(join(tmpdir(), 'report-path-'));
    await mkdir(join(root, 'out'));
    expect(() => createReportWriter(join(root, 'out'))).toThrow(/is a directory/);
  });
});
