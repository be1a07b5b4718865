import aslValidator from 'asl-validator';
import { describe, expect, it } from 'vitest';
import { loadTemplate } from './support/cfn-yaml.js';
import {
  exampleSubstitutions,
  resolveFanoutDefinition,
  undefinedSubstitutions,
} from './support/fanout-definition.js';

type State = Record<string, unknown>;
const definition = resolveFanoutDefinition(exampleSubstitutions({ MaxConcurrency: 37 }));
const states = definition.States as Record<string, State>;
const map = states.VerifyRanges as State & {
  ItemReader: State;
  ItemProcessor: { ProcessorConfig: State; StartAt: string; States: Record<string, State> };
};

describe('verify-fanout.yaml state machine definition', () => {
  it('passes asl-validator (schemas and path checks)', () => {
    // A copy: asl-validator annotates the states it checks.
    const { isValid, errorsText } = aslValidator(structuredClone(definition));
    expect(errorsText('\n')).toBe('');
    expect(isValid).toBe(true);
  });

  it('asl-validator rejects a broken variant (the check itself works)', () => {
    const broken = structuredClone(definition) as { States: Record<string, State> };
    (broken.States.VerifyRanges as State).Next = 'NoSuchState';
    expect(aslValidator(broken).isValid).toBe(false);
  });

  it('uses only the substitutions the template defines', () => {
    expect(undefinedSubstitutions()).toEqual([]);
  });

  it('is a DISTRIBUTED map over a JSONL item list in the work bucket, MaxConcurrency from the parameter', () => {
    expect(map.Type).toBe('Map');
    expect(map.ItemProcessor.ProcessorConfig).toEqual({ Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' });
    expect(map.ItemReader).toEqual({
      Resource: 'arn:aws:states:::s3:getObject',
      ReaderConfig: { InputType: 'JSONL' },
      Parameters: { Bucket: 'ddb-migrate-verify-work-example', 'Key.$': '$.itemList.Key' },
    });
    expect(map.ItemSelector).toEqual({ 'job.$': '$.job', 'range.$': '$$.Map.Item.Value' });
    expect(map.MaxConcurrency).toBe(37);
    // Absent = 0: one failed range fails the whole map (a verify missing a range proves nothing).
    expect(map.ToleratedFailurePercentage).toBeUndefined();
    expect(map.ResultWriter).toEqual({
      Resource: 'arn:aws:states:::s3:putObject',
      Parameters: { Bucket: 'ddb-migrate-verify-work-example', Prefix: 'map-results' },
    });
  });

  it('loops on the worker while it answers "continue", retrying Lambda faults and timeouts', () => {
    const { StartAt, States } = map.ItemProcessor;
    expect(StartAt).toBe('VerifyRange');
    const task = States.VerifyRange as State & { Parameters: State; Retry: { ErrorEquals: string[] }[] };
    expect(task.Resource).toBe('arn:aws:states:::lambda:invoke');
    expect(task.Parameters).toEqual({
      FunctionName: 'arn:aws:lambda:us-east-1:123456789012:function:ddb-migrate-verify-worker',
      'Payload.$': '$',
    });
    expect(task.OutputPath).toBe('$.Payload');
    expect(task.Next).toBe('RangeLeft');
    expect(task.Retry.flatMap((r) => r.ErrorEquals)).toEqual(
      expect.arrayContaining(['Lambda.TooManyRequestsException', 'Sandbox.Timedout', 'States.Timeout']),
    );
    expect(States.RangeLeft).toEqual({
      Type: 'Choice',
      Choices: [{ Variable: '$.status', StringEquals: 'continue', Next: 'VerifyRange' }],
      Default: 'RangeDone',
    });
    expect(States.RangeDone).toEqual({ Type: 'Succeed' });
  });

  it('merges the reports after the map with the merge function', () => {
    expect(map.Next).toBe('MergeReports');
    expect(map.ResultPath).toBe('$.map');
    expect(states.MergeReports).toMatchObject({
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: {
        FunctionName: 'arn:aws:lambda:us-east-1:123456789012:function:ddb-migrate-verify-merge',
        Payload: { 'job.$': '$.job', 'results.$': '$.map.ResultWriterDetails' },
      },
      End: true,
    });
  });

  it('runs both functions from the published zip: index.handler (worker) and index.merge', () => {
    const template = loadTemplate('verify-fanout.yaml');
    const worker = template.Resources.WorkerFunction?.Properties ?? {};
    const merge = template.Resources.MergeFunction?.Properties ?? {};
    expect(worker.Handler).toBe('index.handler');
    expect(merge.Handler).toBe('index.merge');
    expect(worker.Code).toEqual({ S3Bucket: { Ref: 'CodeS3Bucket' }, S3Key: { Ref: 'CodeS3Key' } });
    expect(merge.Code).toEqual(worker.Code);
    expect(worker.Timeout).toEqual({ Ref: 'WorkerTimeout' });
    expect(template.Parameters?.WorkerTimeout?.MaxValue).toBe(900);
  });
});
