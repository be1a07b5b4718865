// biome-ignore-all lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub strings, not JS templates
import { describe, expect, it } from 'vitest';
import { loadTemplate, parseTemplate } from './support/cfn-yaml.js';
import {
  actionsOf,
  collectStatements,
  DATA_PLANE_ACTION,
  findPolicyProblems,
  resourcesOf,
} from './support/iam-statements.js';

const source = loadTemplate('source.yaml');
const target = loadTemplate('target.yaml');
const fanout = loadTemplate('verify-fanout.yaml');

function statementBySid(template: ReturnType<typeof loadTemplate>, sid: string) {
  const found = collectStatements(template).find((s) => s.statement.Sid === sid);
  if (!found) throw new Error(`no statement ${sid}`);
  return found.statement;
}

describe('IAM least privilege', () => {
  it('grants no action wildcard and nothing on Resource "*" in any template', () => {
    expect(findPolicyProblems(source)).toEqual([]);
    expect(findPolicyProblems(target)).toEqual([]);
    expect(findPolicyProblems(fanout)).toEqual([]);
  });

  it('lets the verify workers read only the two tables, their work bucket and their own logs', () => {
    const read = statementBySid(fanout, 'ReadSourceTable');
    expect(actionsOf(read).sort()).toEqual([
      'dynamodb:BatchGetItem',
      'dynamodb:DescribeTable',
      'dynamodb:GetItem',
      'dynamodb:Scan',
    ]);
    expect(resourcesOf(read)).toEqual([
      {
        'Fn::Sub': 'arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/${SourceTableName}',
      },
    ]);
    const targetRead = statementBySid(fanout, 'ReadTargetTable');
    expect(JSON.stringify(resourcesOf(targetRead))).toContain('table/${TargetTableName}');
    // Writes to the target only for --repair in the same account; across accounts the target role decides.
    expect(actionsOf(statementBySid(fanout, 'RepairTargetTable')).sort()).toEqual([
      'dynamodb:DeleteItem',
      'dynamodb:PutItem',
    ]);
    expect(resourcesOf(statementBySid(fanout, 'AssumeTargetRole'))).toEqual([{ Ref: 'TargetRoleArn' }]);
    expect(resourcesOf(statementBySid(fanout, 'WorkObjects'))).toEqual([
      { 'Fn::Sub': '${WorkBucket.Arn}/*' },
    ]);
    expect(resourcesOf(statementBySid(fanout, 'ListWork'))).toEqual([
      { 'Fn::GetAtt': ['WorkBucket', 'Arn'] },
    ]);
    const tableWrites = collectStatements(fanout)
      .filter((found) => found.where.startsWith('WorkerRole.Policies'))
      .filter((found) =>
        actionsOf(found.statement).some((a) => /^dynamodb:(Put|Delete|Update|BatchWrite)/.test(a)),
      );
    expect(tableWrites.map((found) => found.statement.Sid)).toEqual(['RepairTargetTable']);
  });

  it('lets the state machine invoke its two functions, use its bucket and run its own child executions only', () => {
    expect(resourcesOf(statementBySid(fanout, 'InvokeWorkers'))).toEqual([
      { 'Fn::GetAtt': ['WorkerFunction', 'Arn'] },
      { 'Fn::Sub': '${WorkerFunction.Arn}:*' },
      { 'Fn::GetAtt': ['MergeFunction', 'Arn'] },
      { 'Fn::Sub': '${MergeFunction.Arn}:*' },
    ]);
    expect(resourcesOf(statementBySid(fanout, 'ItemListAndResults'))).toEqual([
      { 'Fn::Sub': '${WorkBucket.Arn}/*' },
    ]);
    expect(resourcesOf(statementBySid(fanout, 'ChildExecutions'))).toEqual([
      {
        'Fn::Sub':
          'arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:stateMachine:${StateMachineName}',
      },
    ]);
    expect(resourcesOf(statementBySid(fanout, 'ManageChildExecutions'))).toEqual([
      {
        'Fn::Sub':
          'arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:execution:${StateMachineName}/*',
      },
    ]);
    // The merge step reads and writes the work bucket, nothing else.
    const merge = fanout.Resources.MergeRole?.Properties?.Policies as {
      PolicyDocument: { Statement: { Action: unknown }[] };
    }[];
    const actions = merge.flatMap((p) => p.PolicyDocument.Statement.flatMap((st) => [st.Action].flat()));
    expect(actions.sort()).toEqual([
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      's3:GetObject',
      's3:ListBucket',
      's3:PutObject',
    ]);
  });

  it('detects wildcard actions and data-plane grants on "*" (the check itself works)', () => {
    const bad = parseTemplate(`
Resources:
  R:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument: { Statement: [] }
      Policies:
        - PolicyName: p
          PolicyDocument:
            Statement:
              - Sid: Wild
                Effect: Allow
                Action: dynamodb:*
                Resource: !Sub 'arn:aws:dynamodb:\${AWS::Region}:1:table/t'
              - !If
                - C
                - Sid: Star
                  Effect: Allow
                  Action: [dynamodb:PutItem, sqs:SendMessage]
                  Resource: '*'
                - !Ref AWS::NoValue
              - Sid: DenyIsFine
                Effect: Deny
                Action: s3:*
                Resource: '*'
              - Sid: NoResourceType
                Effect: Allow
                Action: [lambda:CreateEventSourceMapping, lambda:ListEventSourceMappings]
                Resource: '*'
              - Sid: NoResourceTypeAndMore
                Effect: Allow
                Action: [lambda:CreateEventSourceMapping, lambda:InvokeFunction]
                Resource: '*'
`);
    expect(findPolicyProblems(bad)).toEqual([
      'R.Policies.p#Wild: wildcard action dynamodb:*',
      'R.Policies.p#Star: data-plane actions dynamodb:PutItem, sqs:SendMessage on Resource "*"',
      'R.Policies.p#NoResourceTypeAndMore: Resource "*"',
    ]);
  });

  it('limits the Lambda to its own table stream, the source table, its DLQ and its log group', () => {
    const stream = statementBySid(source, 'ReadSourceStream');
    expect(actionsOf(stream).sort()).toEqual([
      'dynamodb:DescribeStream',
      'dynamodb:GetRecords',
      'dynamodb:GetShardIterator',
      'dynamodb:ListStreams',
    ]);
    expect(resourcesOf(stream)).toEqual([
      {
        'Fn::Sub':
          'arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/${SourceTableName}/stream/*',
      },
    ]);
    expect(resourcesOf(statementBySid(source, 'FetchOnChange'))).toEqual([
      {
        'Fn::Sub': 'arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/${SourceTableName}',
      },
    ]);
    expect(resourcesOf(statementBySid(source, 'ParkFailedRecords'))).toEqual([
      { 'Fn::GetAtt': ['FailedEventsQueue', 'Arn'] },
    ]);
    expect(resourcesOf(statementBySid(source, 'OwnLogs'))).toEqual([
      { 'Fn::Sub': '${FunctionLogGroup.Arn}' },
    ]);
  });

  it('grants sts:AssumeRole on the named target role only, and target writes only in resource-policy mode', () => {
    const policies = source.Resources.FunctionRole?.Properties?.Policies as {
      PolicyDocument: { Statement: unknown[] };
    }[];
    const policy = policies[0]?.PolicyDocument.Statement ?? [];
    const assume = policy.find((s) => JSON.stringify(s).includes('AssumeTargetRole')) as {
      'Fn::If': unknown[];
    };
    expect(assume['Fn::If'][0]).toBe('AssumeRoleMode');
    expect((assume['Fn::If'][1] as { Resource: unknown }).Resource).toEqual({
      'Fn::Sub': 'arn:${AWS::Partition}:iam::${TargetAccountId}:role/${TargetRoleName}',
    });
    const writes = policy.find((s) => JSON.stringify(s).includes('WriteTargetTableByResourcePolicy')) as {
      'Fn::If': unknown[];
    };
    expect(writes['Fn::If'][0]).toBe('ResourcePolicyMode');
    expect(source.Conditions?.AssumeRoleMode).toEqual({
      'Fn::Equals': [{ Ref: 'AccessMode' }, 'assume-role'],
    });
  });

  it('scopes the target role to the target table, the export bucket and the import log groups', () => {
    const admin = statementBySid(target, 'ImportAndConfigureTargetTable');
    expect(actionsOf(admin)).toEqual(
      expect.arrayContaining(['dynamodb:ImportTable', 'dynamodb:DescribeImport', 'dynamodb:CreateTable']),
    );
    for (const resource of resourcesOf(admin))
      expect(JSON.stringify(resource)).toContain('table/${TargetTableName}');
    const items = statementBySid(target, 'TargetItemsForLoadCdcAndVerify');
    expect(actionsOf(items).sort()).toEqual(
      [
        'dynamodb:BatchGetItem',
        'dynamodb:BatchWriteItem',
        'dynamodb:DeleteItem',
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:Query',
        'dynamodb:Scan',
      ].sort(),
    );
    expect(resourcesOf(statementBySid(target, 'ReadExportObjects'))).toEqual([
      { 'Fn::Sub': '${ExportBucket.Arn}/*' },
    ]);
    expect(JSON.stringify(resourcesOf(statementBySid(target, 'ImportLogs')))).toContain(
      'log-group:/aws-dynamodb/*',
    );
  });

  it('trusts only the named source principals, with an optional ExternalId for operators', () => {
    const operators = statementBySid(target, 'Operators');
    expect(operators.Condition).toMatchObject({
      ArnLike: { 'aws:PrincipalArn': { Ref: 'OperatorPrincipalArns' } },
      StringEquals: {
        'Fn::If': ['HasExternalId', { 'sts:ExternalId': { Ref: 'ExternalId' } }, { Ref: 'AWS::NoValue' }],
      },
    });
    const lambda = statementBySid(target, 'CdcLambda');
    expect(lambda.Condition).toEqual({
      ArnEquals: {
        'aws:PrincipalArn': {
          'Fn::Sub': 'arn:${AWS::Partition}:iam::${SourceAccountId}:role/${CdcLambdaRoleName}',
        },
      },
    });
  });

  it('lets only the operators put export objects and denies plain-HTTP access to the bucket', () => {
    const put = statementBySid(target, 'SourceExportWrites');
    expect(put.Principal).toEqual({ AWS: { Ref: 'OperatorPrincipalArns' } });
    expect(actionsOf(put).sort()).toEqual(['s3:AbortMultipartUpload', 's3:PutObject', 's3:PutObjectAcl']);
    expect(resourcesOf(put)).toEqual([{ 'Fn::Sub': '${ExportBucket.Arn}/*' }]);
    const tls = statementBySid(target, 'DenyInsecureTransport');
    expect(tls).toMatchObject({
      Effect: 'Deny',
      Principal: '*',
      Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    });
  });

  it('limits the target-account Lambda to the source stream and table, BatchWriteItem on the local target, its DLQ and logs', () => {
    const sourceArn = (suffix: string) => ({
      'Fn::Sub': [
        `arn:\${AWS::Partition}:dynamodb:\${SourceTableRegion}:\${SourceAccountId}:table/\${SourceTableName}${suffix}`,
        {
          SourceTableRegion: {
            'Fn::If': ['HasSourceRegion', { Ref: 'SourceRegion' }, { Ref: 'AWS::Region' }],
          },
        },
      ],
    });
    const stream = statementBySid(target, 'ReadSourceStream');
    // What the stream's resource policy grants; both policies must allow a cross-account read.
    expect(actionsOf(stream).sort()).toEqual([
      'dynamodb:DescribeStream',
      'dynamodb:GetRecords',
      'dynamodb:GetShardIterator',
    ]);
    expect(resourcesOf(stream)).toEqual([sourceArn('/stream/*')]);
    const fetch = statementBySid(target, 'FetchOnChange');
    expect(actionsOf(fetch).sort()).toEqual(['dynamodb:BatchGetItem', 'dynamodb:GetItem']);
    expect(resourcesOf(fetch)).toEqual([sourceArn('')]);
    // The handler writes with BatchWriteItem only (core's chunk writer: put and delete requests).
    const write = statementBySid(target, 'WriteTargetTable');
    expect(actionsOf(write)).toEqual(['dynamodb:BatchWriteItem']);
    expect(resourcesOf(write)).toEqual([
      {
        'Fn::Sub': 'arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/${TargetTableName}',
      },
    ]);
    expect(resourcesOf(statementBySid(target, 'ParkFailedRecords'))).toEqual([
      { 'Fn::GetAtt': ['CdcFailedEventsQueue', 'Arn'] },
    ]);
    expect(resourcesOf(statementBySid(target, 'OwnLogs'))).toEqual([
      { 'Fn::Sub': '${CdcFunctionLogGroup.Arn}' },
    ]);
    const role = collectStatements(target).filter((s) => s.where.startsWith('CdcFunctionRole.Policies'));
    const actions = role.flatMap((s) => actionsOf(s.statement)).sort();
    expect(actions).toEqual(
      [
        'dynamodb:BatchGetItem',
        'dynamodb:BatchWriteItem',
        'dynamodb:DescribeStream',
        'dynamodb:GetItem',
        'dynamodb:GetRecords',
        'dynamodb:GetShardIterator',
        'kms:Decrypt',
        'kms:Decrypt',
        'kms:GenerateDataKey',
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        'sqs:SendMessage',
      ].sort(),
    );
    expect(resourcesOf(statementBySid(target, 'DecryptSourceTable'))).toEqual([{ Ref: 'SourceKmsKeyArn' }]);
    expect(resourcesOf(statementBySid(target, 'EncryptForDlq'))).toEqual([{ Ref: 'DlqKmsKeyArn' }]);
  });

  it("lets the migration role operate only the target-account function's configuration, mapping and DLQ", () => {
    const fnArn = { 'Fn::GetAtt': ['CdcFunction', 'Arn'] };
    expect(target.Resources.CdcOperationsPolicy).toMatchObject({
      Condition: 'CdcInTarget',
      Properties: { Roles: [{ Ref: 'CrossAccountRole' }] },
    });
    const configure = statementBySid(target, 'ConfigureCdcFunction');
    expect(actionsOf(configure).sort()).toEqual([
      'lambda:GetFunction',
      'lambda:GetFunctionConfiguration',
      'lambda:UpdateFunctionConfiguration',
    ]);
    expect(resourcesOf(configure)).toEqual([fnArn]);
    const manage = statementBySid(target, 'ManageCdcMapping');
    expect(manage.Condition).toEqual({ ArnEquals: { 'lambda:FunctionArn': fnArn } });
    expect(JSON.stringify(resourcesOf(manage))).toContain(':event-source-mapping:*');
    // No resource type in IAM: "*" narrowed to the function.
    expect(statementBySid(target, 'CreateCdcMapping')).toMatchObject({
      Action: 'lambda:CreateEventSourceMapping',
      Resource: '*',
      Condition: { ArnEquals: { 'lambda:FunctionArn': fnArn } },
    });
    const replay = statementBySid(target, 'ReplayCdcDlq');
    expect(resourcesOf(replay)).toEqual([{ 'Fn::GetAtt': ['CdcFailedEventsQueue', 'Arn'] }]);
    expect(actionsOf(replay)).not.toContain('sqs:SendMessage');
  });

  it("lets the source operator policy only read and put the source table's and its streams' resource policies", () => {
    expect(source.Resources.OperatorPolicy?.Condition).toBe('CdcInTarget');
    const policies = statementBySid(source, 'SourceResourcePolicies');
    expect(actionsOf(policies).sort()).toEqual([
      'dynamodb:DeleteResourcePolicy',
      'dynamodb:GetResourcePolicy',
      'dynamodb:PutResourcePolicy',
    ]);
    const scope = [
      {
        'Fn::Sub': 'arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/${SourceTableName}',
      },
      {
        'Fn::Sub':
          'arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/${SourceTableName}/stream/*',
      },
    ];
    expect(resourcesOf(policies)).toEqual(scope);
    const find = statementBySid(source, 'FindSourceStream');
    expect(actionsOf(find).sort()).toEqual(['dynamodb:DescribeStream', 'dynamodb:DescribeTable']);
    expect(resourcesOf(find)).toEqual(scope);
    const all = collectStatements(source).filter((s) => s.where.startsWith('OperatorPolicy'));
    expect(all.flatMap((s) => actionsOf(s.statement)).filter((a) => DATA_PLANE_ACTION.test(a))).toEqual([]);
  });
});
