import { describe, expect, it } from 'vitest';
import { cli } from './support/run-cli.js';

/** The stdout of a failed `--output json` run: exactly one JSON document. */
function onlyDocument(stdout: string): unknown {
  const lines = stdout.split('\n').filter((line) => line.trim() !== '');
  expect(lines).toHaveLength(1);
  return JSON.parse(lines[0] as string);
}

describe('with --output json every failure writes one JSON error document on stdout', () => {
  it('an unknown flag: exit 2, the USAGE document on stdout, one line on stderr', async () => {
    const result = await cli(['status', '--output', 'json', '--bogus'], {});
    expect(result.code).toBe(2);
    expect(onlyDocument(result.stdout)).toEqual({
      error: {
        code: 'USAGE',
        message: expect.stringMatching(/Unknown argument: bogus.*--help/),
        exitCode: 2,
      },
    });
    expect(result.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^Error: Unknown argument: bogus/),
    ]);
  });

  it('a missing required flag, with --output=json before the command', async () => {
    const result = await cli(['--output=json', 'cdc', 'run'], {});
    expect(result.code).toBe(2);
    expect(onlyDocument(result.stdout)).toMatchObject({
      error: { code: 'USAGE', message: expect.stringContaining('Missing required argument') },
    });
  });

  it('verify and cutover without a table (nor --file) name the flag', async () => {
    for (const command of ['verify', 'cutover']) {
      const result = await cli(['--output=json', command, '--source-region', 'us-east-1'], {});
      expect(result.code, command).toBe(2);
      expect(onlyDocument(result.stdout)).toMatchObject({
        error: {
          code: 'CONFIG_INVALID',
          message: expect.stringContaining('--source-table-name is required'),
        },
      });
    }
  });

  it('no command at all', async () => {
    const result = await cli(['--output', 'json'], {});
    expect(result.code).toBe(2);
    expect(onlyDocument(result.stdout)).toMatchObject({ error: { code: 'USAGE' } });
  });

  it('a bad choice prints nothing on stdout in text mode', async () => {
    const result = await cli(['status', '--output', 'xml'], {});
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^Error: Invalid values:/);
  });
});
