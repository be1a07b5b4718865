import { mkdtempSync, writeFileSync } from 'node:fs';
import { mkdir, open, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../src/errors.js';
import { localPathError } from '../src/local-path-error.js';

const scratch = () => mkdtempSync(join(tmpdir(), 'local-path-'));

async function failure(call: () => Promise<unknown>): Promise<unknown> {
  try {
    await call();
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail');
}

describe('localPathError', () => {
  it('a state dir that is a file: names the file and the flag', async () => {
    const dir = join(scratch(), 'state');
    writeFileSync(dir, 'x');
    const raw = await failure(() => readFile(join(dir, 'a.json'), 'utf8'));
    const error = localPathError(raw, { path: dir, label: 'State dir', flag: '--state-dir' });
    expect(error).toBeInstanceOf(ConfigError);
    expect(error?.code).toBe('LOCAL_PATH_INVALID');
    expect(error?.message).toBe(`State dir ${dir}: ${dir} is a file, not a directory`);
    expect(error?.hint).toBe(`Move ${dir} away or pass --state-dir another directory`);
    expect(error?.cause).toBe(raw);
    const listed = await failure(() => readdir(dir));
    expect(localPathError(listed, { path: dir, label: 'State dir' })?.hint).toBe(
      `Move ${dir} away or use another directory`,
    );
    const created = await failure(() => mkdir(join(dir, 'sub'), { recursive: true }));
    expect(localPathError(created, { path: dir, label: 'State dir' })?.message).toContain('is a file');
  });

  it('a report in a directory that does not exist: names the directory to create', async () => {
    const root = scratch();
    const report = join(root, 'missing', 'deeper', 'r.ndjson');
    const raw = await failure(() => open(report, 'w'));
    const error = localPathError(raw, { path: report, label: 'Report file', flag: '--report' });
    expect(error?.message).toBe(`Report file ${report}: directory ${join(root, 'missing')} does not exist`);
    expect(error?.hint).toBe(
      `Create it (mkdir -p ${join(root, 'missing', 'deeper')}) or pass --report a path in an existing directory`,
    );
  });

  it('a file to read that does not exist, and a directory where a file belongs', async () => {
    const root = scratch();
    const missing = join(root, 'r.ndjson');
    const notFound = localPathError(await failure(() => readFile(missing)), {
      path: missing,
      label: 'Report',
    });
    expect(notFound?.message).toBe(`Report ${missing}: ${missing} does not exist`);
    const isDir = localPathError(await failure(() => readFile(root)), { path: root, label: 'Report file' });
    expect(isDir?.message).toBe(`Report file ${root}: ${root} is a directory`);
  });

  it('leaves any other error alone', () => {
    expect(localPathError(new Error('boom'), { path: '/x', label: 'State dir' })).toBeUndefined();
    const reset = Object.assign(new Error('socket'), { code: 'ECONNRESET' });
    expect(localPathError(reset, { path: '/x', label: 'State dir' })).toBeUndefined();
  });
});
