import { loadTemplate } from './cfn-yaml.js';

/** The state machines of verify-fanout.yaml: the verify's and the write-mode load's. */
export type FanoutStateMachine = 'StateMachine' | 'LoadStateMachine';

/** A state machine's DefinitionString (a Fn::Sub string) as written in verify-fanout.yaml. */
export function fanoutDefinitionTemplate(resource: FanoutStateMachine = 'StateMachine'): string {
  const template = loadTemplate('verify-fanout.yaml');
  const definition = template.Resources[resource]?.Properties?.DefinitionString as { 'Fn::Sub'?: unknown };
  if (typeof definition?.['Fn::Sub'] !== 'string')
    throw new Error(`${resource}.DefinitionString is not a !Sub string`);
  return definition['Fn::Sub'];
}

/**
 * The definition with every `${...}` of its Fn::Sub replaced (as CloudFormation would); throws on a
 * variable without a value, so the test notices a new one.
 */
export function resolveFanoutDefinition(
  values: Record<string, string | number>,
  resource: FanoutStateMachine = 'StateMachine',
): Record<string, unknown> {
  const text = fanoutDefinitionTemplate(resource).replace(/\$\{([^}!]+)\}/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`no value for \${${name}} in the definition`);
    return String(value);
  });
  return JSON.parse(text) as Record<string, unknown>;
}

/** Values CloudFormation would put into the definition, for a stack in us-east-1 / 123456789012. */
export function exampleSubstitutions(
  overrides: Record<string, string | number> = {},
): Record<string, string | number> {
  return {
    'AWS::Partition': 'aws',
    WorkBucket: 'ddb-migrate-verify-work-example',
    'WorkerFunction.Arn': 'arn:aws:lambda:us-east-1:123456789012:function:ddb-migrate-verify-worker',
    'MergeFunction.Arn': 'arn:aws:lambda:us-east-1:123456789012:function:ddb-migrate-verify-merge',
    'LoadWorkerFunction.Arn': 'arn:aws:lambda:us-east-1:123456789012:function:ddb-migrate-verify-load-worker',
    'LoadMergeFunction.Arn': 'arn:aws:lambda:us-east-1:123456789012:function:ddb-migrate-verify-load-merge',
    WorkerTimeout: 900,
    MaxConcurrency: 100,
    LoadMaxConcurrency: 50,
    ...overrides,
  };
}

/** The `${...}` names a state machine's definition uses that the template defines neither as a parameter nor a resource. */
export function undefinedSubstitutions(resource: FanoutStateMachine = 'StateMachine'): string[] {
  const template = loadTemplate('verify-fanout.yaml');
  const used = new Set(
    [...fanoutDefinitionTemplate(resource).matchAll(/\$\{([^}!]+)\}/g)].map((m) => String(m[1])),
  );
  return [...used].filter(
    (name) =>
      name !== 'AWS::Partition' &&
      template.Parameters?.[name] === undefined &&
      template.Resources[name.split('.')[0]!] === undefined,
  );
}
