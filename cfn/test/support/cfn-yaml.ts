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
