import { describe, expect, it } from 'vitest';
import type { ErrorCode } from '../src/error-codes.js';
import {
  AwsCallError,
  BUG_REPORT_HINT,
  ConfigError,
  InternalError,
  isMigrationError,
  MigrationError,
  PreflightError,
} from '../src/errors.js';

describe('InternalError', () => {
  it('is a MigrationError with the code INTERNAL whose hint asks for a bug report', () => {
    const cause = new Error('underneath');
    const error = new InternalError('The load step ran before the export was recorded', { cause });
    expect(error).toBeInstanceOf(MigrationError);
    expect(error.name).toBe('InternalError');
    expect(error.code).toBe('INTERNAL');
    expect(error.hint).toBe(BUG_REPORT_HINT);
    expect(error.hint).toMatch(/bug in ddb-migrate.*report it/);
    expect(error.cause).toBe(cause);
    expect(isMigrationError(error)).toBe(true);
  });

  it('belongs to no user-facing family', () => {
    const error = new InternalError('x');
    expect(error).not.toBeInstanceOf(ConfigError);
    expect(error).not.toBeInstanceOf(PreflightError);
    expect(error).not.toBeInstanceOf(AwsCallError);
  });
});

describe('MigrationError', () => {
  it('names the subclass and keeps code, hint and cause', () => {
    const error = new PreflightError('TABLE_NOT_FOUND', 'Table t does not exist', {
      hint: 'Check --source-table-name',
    });
    expect(error.name).toBe('PreflightError');
    expect(error.code).toBe('TABLE_NOT_FOUND');
    expect(error.hint).toBe('Check --source-table-name');
    expect(new ConfigError('bad').code).toBe('CONFIG_INVALID');
  });
});

describe('ErrorCode', () => {
  it('is a closed union: a code outside it does not compile (checked by pnpm check-types)', () => {
    // @ts-expect-error 'NOT_A_CODE' is not an ErrorCode
    const error = new MigrationError('NOT_A_CODE', 'x');
    expect(error.code).toBe('NOT_A_CODE');
    const known: ErrorCode = new ConfigError('bad').code;
    expect(known).toBe('CONFIG_INVALID');
  });
});
