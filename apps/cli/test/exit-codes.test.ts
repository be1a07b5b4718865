import { AwsCallError, ConfigError, InternalError, MigrationError, PreflightError } from '@ddb-migrate/core';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../src/errors.js';
import { ExitCode, exitCodeFor, formatErrorLine } from '../src/exit-codes.js';
import { errorDocument } from '../src/output.js';

describe('exitCodeFor', () => {
  it('maps bad input and refused preconditions to 2 by class', () => {
    expect(exitCodeFor(new ConfigError('--segments must be a positive integer'))).toBe(ExitCode.BadInput);
    expect(exitCodeFor(new PreflightError('TABLE_NOT_FOUND', 'no table'))).toBe(ExitCode.BadInput);
    expect(exitCodeFor(new UsageError('Unknown argument: bogus'))).toBe(ExitCode.BadInput);
  });

  it('follows the class, not the name: a renamed PreflightError is still 2, a name alone is not', () => {
    const renamed = new PreflightError('TABLE_NOT_FOUND', 'refused');
    renamed.name = 'SomethingElse';
    expect(exitCodeFor(renamed)).toBe(ExitCode.BadInput);
    const impostor = new MigrationError('EXPORT_FAILED', 'export failed');
    impostor.name = 'PreflightError';
    expect(exitCodeFor(impostor)).toBe(ExitCode.Failure);
  });

  it('maps the bad-input codes of plain MigrationErrors (typed env readers) to 2', () => {
    expect(exitCodeFor(new MigrationError('ENV_MISSING', 'TARGET_REGION is not set'))).toBe(
      ExitCode.BadInput,
    );
    expect(exitCodeFor(new MigrationError('ENV_INVALID', 'bad'))).toBe(ExitCode.BadInput);
  });

  it('maps a failure while running, an AWS failure and an unknown error to 3', () => {
    expect(exitCodeFor(new MigrationError('EXPORT_FAILED', 'export failed'))).toBe(ExitCode.Failure);
    expect(exitCodeFor(new AwsCallError('DescribeTable', new Error('boom')))).toBe(ExitCode.Failure);
    expect(exitCodeFor(new Error('boom'))).toBe(ExitCode.Failure);
    expect(exitCodeFor('a string')).toBe(ExitCode.Failure);
  });

  it('maps a broken invariant (InternalError) to 3', () => {
    expect(exitCodeFor(new InternalError('facts missing after preflight'))).toBe(ExitCode.Failure);
  });
});

describe('formatErrorLine', () => {
  it('prints message and hint as one line', () => {
    const error = new ConfigError('--sample must be in (0, 1], got 2', { hint: 'Pass e.g. --sample 0.1' });
    expect(formatErrorLine(error)).toBe('Error: --sample must be in (0, 1], got 2. Pass e.g. --sample 0.1');
  });

  it('never prints "Error: Error:" for a plain or a Node error', () => {
    expect(formatErrorLine(new Error('boom'))).toBe('Error: boom');
    const enotdir = Object.assign(new Error("ENOTDIR: not a directory, open '/x/y'"), { code: 'ENOTDIR' });
    expect(formatErrorLine(enotdir)).toBe("Error: ENOTDIR: not a directory, open '/x/y'");
  });

  it('asks for a bug report for an internal error', () => {
    expect(formatErrorLine(new InternalError('Load before the export was recorded'))).toMatch(
      /^Error: Load before the export was recorded\. This is a bug in ddb-migrate.*report it/,
    );
  });
});

describe('errorDocument', () => {
  it('carries the code, the printed line and the exit code', () => {
    const error = new PreflightError('TABLE_NOT_FOUND', 'Table t does not exist', {
      hint: 'Check --source-table-name',
    });
    expect(errorDocument(error, 2)).toEqual({
      error: {
        code: 'TABLE_NOT_FOUND',
        message: 'Table t does not exist. Check --source-table-name',
        exitCode: 2,
      },
    });
    expect(errorDocument(new Error('boom'), 3).error).toMatchObject({ code: 'INTERNAL', message: 'boom' });
  });
});
