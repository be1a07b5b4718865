// biome-ignore-all lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub strings, not JS templates
import aslValidator from 'asl-validator';
import { describe, expect, it } from 'vitest';
import { loadTemplate } from './support/cfn-yaml.js';
import {
  exampleSubstitutions,
  resolveFanoutDefinition,
  undefinedSubstitutions,
} from './support/fanout-definition.js';
import { actionsOf, collectStatements, resourcesOf } from './support/iam-statements.js';

type State = Record<string, unknown>;
const definition = resolveFanoutDefinition(
  exampleSubstitutions({ LoadMaxConcurrency: 23 }),
  'LoadStateMachine',
);
const states = definition.States as Record<string, State>;
const map = states.LoadFiles as State & {
  ItemReader: State;
  ItemProcessor: { ProcessorConfig: State; StartAt: string; States: Record<string, State> };
};
const template = loadTemplate('verify-fanout.yaml');
const statement = (sid: string) => {
  const found = collectStatements(template).find((s) => s.statement.Sid === sid);
  if (!found) throw new Error(`no statement ${sid}`);
  return found;
};

describe('verify-fanout.yaml load state machine', () => {
  it('passes asl-validator, and a broken variant does not', () => {
    const { isValid, errorsText } = aslValidator(structuredClone(definition));
    expect(errorsText('\n')).toBe('');
    expect(isValid).toBe(true);
    const broken = structuredClone(definition) as { States: Record<string, State> };
    (broken.States.LoadFiles as State).Next = 'NoSuchState';
    expect(aslValidator(broken).isValid).toBe(false);
  });

  it('uses only the substitutions the template defines', () => {
    expect(undefinedSubstitutions('LoadStateMachine')).toEqual([]);
  });

  it('is a DISTRIBUTED map over a JSONL list of file batches, MaxConcurrency from LoadMaxConcurrency', () => {
    expect(map.ItemProcessor.ProcessorConfig).toEqual({ Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' });
    expect(map.ItemReader).toEqual({
      Resource: 'arn:aws:states:::s3:getObject',
      ReaderConfig: { InputType: 'JSONL' },
      Parameters: { Bucket: 'ddb-migrate-verify-work-example', 'Key.$': '$.itemList.Key' },
    });
    expect(map.ItemSelector).toEqual({ 'job.$': '$.job', 'batch.$': '$$.Map.Item.Value' });
    expect(map.MaxConcurrency).toBe(23);
    expect(map.ToleratedFailurePercentage).toBeUndefined();
    expect(map.ResultWriter).toMatchObject({ Parameters: { Prefix: 'load-map-results' } });
  });

  it('loops on the load worker while it answers "continue", then sums the batch summaries', () => {
    const { StartAt, States } = map.ItemProcessor;
    expect(StartAt).toBe('LoadBatch');
    expect(States.LoadBatch).toMatchObject({
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: {
        FunctionName: 'arn:aws:lambda:us-east-1:123456789012:function:ddb-migrate-verify-load-worker',
        'Payload.$': '$',
      },
      OutputPath: '$.Payload',
      Next: 'BatchLeft',
    });
    expect(States.BatchLeft).toEqual({
      Type: 'Choice',
      Choices: [{ Variable: '$.status', StringEquals: 'continue', Next: 'LoadBatch' }],
      Default: 'BatchDone',
    });
    expect(map.Next).toBe('SumLoad');
    expect(states.SumLoad).toMatchObject({
      Parameters: {
        FunctionName: 'arn:aws:lambda:us-east-1:123456789012:function:ddb-migrate-verify-load-merge',
      },
      End: true,
    });
    expect(template.Resources.LoadWorkerFunction?.Properties?.Handler).toBe('index.load');
    expect(template.Resources.LoadMergeFunction?.Properties?.Handler).toBe('index.loadMerge');
  });

  it('lets the load workers write the target with BatchWriteItem only, on the target table ARN', () => {
    const writes = collectStatements(template)
      .filter((found) => found.where.startsWith('LoadWorkerRole.Policies'))
      .filter((found) => actionsOf(found.statement).some((a) => a.startsWith('dynamodb:')));
    expect(writes.map((f) => f.statement.Sid)).toEqual(['LoadWriteTargetTable']);
    expect(actionsOf(writes[0]!.statement)).toEqual(['dynamodb:BatchWriteItem']);
    expect(JSON.stringify(resourcesOf(writes[0]!.statement))).toContain('table/${TargetTableName}');
    expect(resourcesOf(statement('LoadAssumeTargetRole').statement)).toEqual([{ Ref: 'TargetRoleArn' }]);
    expect(actionsOf(statement('LoadReadExport').statement)).toEqual(['s3:GetObject']);
    expect(resourcesOf(statement('LoadReadExport').statement)).toEqual([
      { 'Fn::Sub': 'arn:${AWS::Partition}:s3:::${ExportBucketName}/*' },
    ]);
    expect(resourcesOf(statement('LoadChildExecutions').statement)).toEqual([
      {
        'Fn::Sub':
          'arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:stateMachine:${StateMachineName}-load',
      },
    ]);
    expect(resourcesOf(statement('InvokeLoadWorkers').statement)).toEqual([
      { 'Fn::GetAtt': ['LoadWorkerFunction', 'Arn'] },
      { 'Fn::Sub': '${LoadWorkerFunction.Arn}:*' },
      { 'Fn::GetAtt': ['LoadMergeFunction', 'Arn'] },
      { 'Fn::Sub': '${LoadMergeFunction.Arn}:*' },
    ]);
  });
});
