import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parameterProblems, readTemplateParameters } from '../src/commands/bootstrap/template-parameters.js';

const cfnDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'cfn');
const template = (name: string) => readFileSync(join(cfnDir, name), 'utf8');

describe('the template parameter constraints bootstrap checks before deploying', () => {
  it('reads every parameter of the shipped templates with its constraints and default', () => {
    const source = readTemplateParameters(template('source.yaml'));
    const target = readTemplateParameters(template('target.yaml'));
    expect(Object.keys(source ?? {})).toHaveLength(29);
    expect(Object.keys(target ?? {})).toHaveLength(35);
    expect(source?.FunctionName).toEqual({
      type: 'String',
      default: 'dynamodb-cross-account-cdc-lambda-function',
      allowedPattern: '^[a-zA-Z0-9_-]{1,64}$',
    });
    expect(source?.Runtime?.allowedValues).toEqual(['nodejs22.x', 'nodejs24.x']);
    expect(source?.MemorySize).toMatchObject({ type: 'Number', minValue: 256, maxValue: 10240 });
    expect(target?.RoleName?.default).toBe('cross_account_assume_role');
    expect(target?.OperatorPrincipalArns?.type).toBe('CommaDelimitedList');
    // The CDC layout, read from both templates as bootstrap passes it.
    for (const declared of [source, target]) {
      expect(declared?.CdcAccount).toEqual({
        type: 'String',
        default: 'source',
        allowedValues: ['source', 'target'],
      });
    }
    expect(target?.FunctionName?.default).toBe('dynamodb-cross-account-cdc-lambda-function');
    expect(target?.SourceRegion).toMatchObject({
      default: '',
      allowedPattern: '^$|^[a-z]{2}(-[a-z]+)+-[0-9]+$',
    });
  });

  it('reports unknown keys and values outside patterns, lists, lengths and ranges', () => {
    const source = readTemplateParameters(template('source.yaml')) ?? {};
    expect(
      parameterProblems('source', source, {
        SourceTableName: 'ab',
        MemorySize: '128',
        Timeout: 'soon',
        Runtime: 'nodejs20.x',
        TargetAccountId: '12345',
        Nope: '1',
        FunctionName: 'ok-name',
      }),
    ).toEqual([
      'source parameter SourceTableName="ab" does not match ^[a-zA-Z0-9_.-]{3,255}$',
      'source parameter MemorySize="128" is below 256',
      'source parameter Timeout="soon" is not a number',
      'source parameter Runtime="nodejs20.x" is not one of nodejs22.x, nodejs24.x',
      'source parameter TargetAccountId="12345" does not match ^$|^[0-9]{12}$',
      expect.stringMatching(
        /^stack source has no parameter Nope \(it has CdcAccount, OperatorRoleNames, CodeS3Bucket, /,
      ),
    ]);
    const target = readTemplateParameters(template('target.yaml')) ?? {};
    expect(
      parameterProblems('target', target, {
        OperatorPrincipalArns: 'arn:aws:iam::111111111111:role/ops,arn:aws:sts::1:assumed-role/x',
      }),
    ).toEqual([expect.stringContaining('has entries that do not match')]);
  });

  it('reads JSON templates, and gives up (undefined) on a Parameters layout it does not know', () => {
    const json = JSON.stringify({ Parameters: { Size: { Type: 'Number', MaxValue: 3, Default: 1 } } });
    expect(readTemplateParameters(json)).toEqual({ Size: { type: 'Number', default: '1', maxValue: 3 } });
    expect(readTemplateParameters('Parameters: {Size: {Type: Number}}\nResources: {}\n')).toBeUndefined();
    expect(readTemplateParameters('Resources: {}\n')).toEqual({});
  });
});
