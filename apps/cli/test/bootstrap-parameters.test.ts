import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  parseParameterFlags,
  parseS3Uri,
  principalArnFromCaller,
} from '../src/commands/bootstrap/parameters.js';
import { findTemplatesDir } from '../src/commands/bootstrap/templates.js';

describe('bootstrap parameters', () => {
  it('turns an assumed-role session into the role ARN that policies name', () => {
    expect(principalArnFromCaller('arn:aws:sts::111111111111:assumed-role/Operator/alice')).toBe(
      'arn:aws:iam::111111111111:role/Operator',
    );
    expect(principalArnFromCaller('arn:aws-cn:sts::111111111111:assumed-role/Op/s')).toBe(
      'arn:aws-cn:iam::111111111111:role/Op',
    );
  });

  it('keeps IAM users and refuses the root user', () => {
    expect(principalArnFromCaller('arn:aws:iam::111111111111:user/ops/bob')).toBe(
      'arn:aws:iam::111111111111:user/ops/bob',
    );
    expect(principalArnFromCaller('arn:aws:iam::111111111111:root')).toBeUndefined();
  });

  it('parses Key=Value flags, keeping "=" inside values', () => {
    expect(parseParameterFlags('--source-parameter', ['MemorySize=1024', 'X=a=b', 'Empty='])).toEqual({
      MemorySize: '1024',
      X: 'a=b',
      Empty: '',
    });
    expect(() => parseParameterFlags('--source-parameter', ['MemorySize'])).toThrow(/not Key=Value/);
  });

  it('splits s3:// URIs and refuses other forms', () => {
    expect(parseS3Uri('s3://code-bucket/ddb-migrate/fn-1.0.0.zip')).toEqual({
      bucket: 'code-bucket',
      key: 'ddb-migrate/fn-1.0.0.zip',
    });
    expect(() => parseS3Uri('https://code-bucket/x.zip')).toThrow(/s3:\/\/bucket\/key/);
  });
});

describe('bootstrap templates', () => {
  it("finds the repository's cfn/ templates from the command's source folder", () => {
    expect(findTemplatesDir()).toMatch(/[/\\]cfn$/);
  });

  it('finds dist/cfn next to a bundled entry file (the packed CLI layout)', () => {
    const root = mkdtempSync(join(tmpdir(), 'packed-'));
    mkdirSync(join(root, 'dist', 'cfn'), { recursive: true });
    writeFileSync(join(root, 'dist', 'cfn', 'source.yaml'), 'x');
    writeFileSync(join(root, 'dist', 'cfn', 'target.yaml'), 'x');
    expect(findTemplatesDir(undefined, join(root, 'dist', 'bin.js'))).toBe(join(root, 'dist', 'cfn'));
  });

  it('refuses a --template-dir without both templates', () => {
    expect(() => findTemplatesDir(mkdtempSync(join(tmpdir(), 'empty-')))).toThrow(
      /no source.yaml and target.yaml/,
    );
  });
});
