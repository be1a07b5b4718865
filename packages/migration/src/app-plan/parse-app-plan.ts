import { ConfigError } from '@ddb-migrate/core';
import { isMap, isSeq, LineCounter, parseDocument } from 'yaml';
import { type AppPlan, AppPlanSchema } from './app-plan-schema.js';

/** One problem of a plan file, with where it is. */
export interface PlanFileProblem {
  /** 1-based line (and column) in the file; undefined when the problem has no place. */
  line?: number;
  column?: number;
  /** The field, e.g. `tables[1].loadMode`. */
  path: string;
  message: string;
}

/** A plan file that is not valid: every problem, each with its line. */
export class PlanFileError extends ConfigError {
  readonly problems: readonly PlanFileProblem[];

  constructor(file: string, problems: PlanFileProblem[]) {
    const where = (p: PlanFileProblem) =>
      `${file}${p.line === undefined ? '' : `:${p.line}`}${p.path ? ` ${p.path}` : ''}: ${p.message}`;
    super(
      problems.length === 1
        ? `Plan file ${where(problems[0] as PlanFileProblem)}`
        : `Plan file ${file} has ${problems.length} problems: ${problems.map(where).join('; ')}`,
      {
        code: 'CONFIG_INVALID',
        hint: 'Fix the file and run again (see the README, "Migrating an application")',
      },
    );
    this.problems = problems;
  }
}

/**
 * Parses a plan file (YAML, of which JSON is a subset) and validates it against
 * {@link AppPlanSchema}. Every problem is reported at once, with its line number.
 *
 * @throws PlanFileError (a ConfigError: exit 2) listing every problem.
 */
export function parseAppPlan(text: string, file: string): AppPlan {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new PlanFileError(
      file,
      doc.errors.map((e) => {
        const at = e.linePos?.[0];
        return {
          ...(at ? { line: at.line, column: at.col } : {}),
          path: '',
          message: (e.message.split('\n')[0] ?? e.message).replace(/ at line \d+, column \d+:?$/, ''),
        };
      }),
    );
  }
  const result = AppPlanSchema.safeParse(doc.toJS());
  if (result.success) return result.data;
  throw new PlanFileError(
    file,
    result.error.issues.map((issue) => {
      // An unknown key points at itself, not at the object that holds it.
      const path =
        issue.code === 'unrecognized_keys' ? [...issue.path, ...issue.keys.slice(0, 1)] : issue.path;
      const node = nodeAt(doc.contents, path, issue.code === 'unrecognized_keys');
      const offset = node?.range?.[0];
      const pos = offset === undefined ? undefined : lines.linePos(offset);
      return {
        ...(pos ? { line: pos.line, column: pos.col } : {}),
        path: path
          .map((k) => (typeof k === 'number' ? `[${k}]` : `.${k}`))
          .join('')
          .replace(/^\./, ''),
        message: issue.message,
      };
    }),
  );
}

type YamlNode = { range?: [number, number, number] } | null | undefined;

/** The deepest node that exists along `path` (with `keyNode`, the last key's own node). */
function nodeAt(root: unknown, path: (string | number)[], keyNode = false): YamlNode {
  let node = root as YamlNode;
  for (const [index, key] of path.entries()) {
    let next: unknown;
    if (isMap(node)) {
      const pair = node.items.find((p) => (p.key as { value?: unknown } | null)?.value === key);
      const last = index === path.length - 1;
      next = pair ? (keyNode && last ? pair.key : (pair.value ?? pair.key)) : undefined;
    } else if (isSeq(node) && typeof key === 'number') next = node.items[key];
    if (next === undefined || next === null) return node;
    node = next as YamlNode;
  }
  return node;
}
