import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type CollectionTag, parse, type ScalarTag, type Tags } from 'yaml';

/** CloudFormation short-form tags and their long-form (JSON) function names. */
const SHORT_FORMS: Record<string, string> = {
  '!Ref': 'Ref',
  '!Sub': 'Fn::Sub',
  '!GetAtt': 'Fn::GetAtt',
  '!If': 'Fn::If',
  '!Equals': 'Fn::Equals',
  '!Not': 'Fn::Not',
  '!And': 'Fn::And',
  '!Or': 'Fn::Or',
  '!Join': 'Fn::Join',
  '!Select': 'Fn::Select',
  '!Split': 'Fn::Split',
  '!FindInMap': 'Fn::FindInMap',
  '!ImportValue': 'Fn::ImportValue',
  '!Condition': 'Condition',
  '!Base64': 'Fn::Base64',
  '!GetAZs': 'Fn::GetAZs',
  '!Cidr': 'Fn::Cidr',
};

/** yaml custom tags turning `!Ref X` into `{ Ref: 'X' }` etc., for scalars, sequences and maps. */
export const cloudFormationTags: Tags = Object.entries(SHORT_FORMS).flatMap(
  ([tag, fn]): (ScalarTag | CollectionTag)[] => [
    {
      tag,
      // `!GetAtt Res.Attr` is the scalar form of `Fn::GetAtt: [Res, Attr]`.
      resolve: (value: string) => ({ [fn]: fn === 'Fn::GetAtt' ? splitGetAtt(value) : value }),
    },
    { tag, collection: 'seq', resolve: (value) => ({ [fn]: value.toJSON() }) },
    { tag, collection: 'map', resolve: (value) => ({ [fn]: value.toJSON() }) },
  ],
);

function splitGetAtt(value: string): string[] {
  const dot = value.indexOf('.');
  return dot < 0 ? [value] : [value.slice(0, dot), value.slice(dot + 1)];
}

/** A parsed template: the long (JSON) form of the YAML. */
export interface Template {
  Parameters?: Record<string, Record<string, unknown>>;
  Conditions?: Record<string, unknown>;
  Resources: Record<string, { Type: string; Condition?: string; Properties?: Record<string, unknown> }>;
  Outputs?: Record<string, { Value: unknown; Condition?: string }>;
  Rules?: Record<string, unknown>;
}

/** Parses CloudFormation YAML (short-form tags included) to its JSON form. */
export function parseTemplate(text: string): Template {
  return parse(text, { customTags: cloudFormationTags }) as Template;
}

/** The templates shipped in this package. */
export type TemplateName = 'source.yaml' | 'target.yaml' | 'verify-fanout.yaml';

/** Absolute path of a template shipped in this package (`source.yaml`, `target.yaml`, `verify-fanout.yaml`). */
export function templatePath(name: TemplateName): string {
  return fileURLToPath(new URL(`../../${name}`, import.meta.url));
}

export function readTemplateText(name: TemplateName): string {
  return readFileSync(templatePath(name), 'utf8');
}

export function loadTemplate(name: TemplateName): Template {
  return parseTemplate(readTemplateText(name));
}

/** Parameter values of one deployment (others take the template's Default). */
export type ParameterValues = Record<string, string>;

/**
 * Whether a template's condition holds for these parameter values, as CloudFormation evaluates
 * it: Fn::Equals / Not / And / Or, `Condition` references, `Ref` to a parameter (its value or
 * Default) and `Fn::Join` of a list parameter. Anything else throws, so a test notices it.
 */
export function conditionHolds(template: Template, name: string, values: ParameterValues = {}): boolean {
  const expression = template.Conditions?.[name];
  if (expression === undefined) throw new Error(`no condition ${name}`);
  return evaluate(template, expression, values) === true;
}

/** Logical ids of the resources a stack creates with these parameter values. */
export function resourcesFor(template: Template, values: ParameterValues = {}): string[] {
  return Object.entries(template.Resources)
    .filter(([, r]) => r.Condition === undefined || conditionHolds(template, r.Condition, values))
    .map(([id]) => id);
}

/** Output keys a stack has with these parameter values. */
export function outputsFor(template: Template, values: ParameterValues = {}): string[] {
  return Object.entries(template.Outputs ?? {})
    .filter(([, o]) => o.Condition === undefined || conditionHolds(template, o.Condition, values))
    .map(([key]) => key);
}

function evaluate(template: Template, expression: unknown, values: ParameterValues): unknown {
  if (typeof expression === 'string' || typeof expression === 'number') return String(expression);
  const node = expression as Record<string, unknown>;
  const [fn] = Object.keys(node);
  const arg = fn === undefined ? undefined : node[fn];
  const all = () => (arg as unknown[]).map((a) => evaluate(template, a, values));
  switch (fn) {
    case 'Ref': {
      const key = arg as string;
      const value = values[key] ?? template.Parameters?.[key]?.Default;
      if (value === undefined) throw new Error(`no value for parameter ${key}`);
      return String(value);
    }
    case 'Condition':
      return conditionHolds(template, arg as string, values);
    case 'Fn::Equals': {
      const [a, b] = all();
      return a === b;
    }
    case 'Fn::Not':
      return !all()[0];
    case 'Fn::And':
      return all().every(Boolean);
    case 'Fn::Or':
      return all().some(Boolean);
    case 'Fn::Join': {
      const [separator, list] = arg as [string, unknown];
      // A CommaDelimitedList parameter: its value is the comma-joined text.
      return (evaluate(template, list, values) as string).split(',').join(separator);
    }
    default:
      throw new Error(`cannot evaluate ${JSON.stringify(expression)}`);
  }
}
