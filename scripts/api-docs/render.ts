/**
 * Renders entry points' exports as a README's API section, puts it between the markers, and
 * tells, one line per export, how a README's section differs from the generated one.
 */
import type { ApiEntry } from './extract.js';

export const API_START = '<!-- api:start -->';
export const API_END = '<!-- api:end -->';
const GENERATED_NOTE =
  '<!-- Generated from the TSDoc in src/ by `pnpm docs:api`; edit the comments there, not here. -->';

/** One entry point of a package (`.` or an `exports` subpath) and its exports. */
export interface EntryPointDoc {
  /** The import specifier: `@ddb-migrate/core`, `@ddb-migrate/test-kit/global-setup`. */
  specifier: string;
  entries: ApiEntry[];
}

/** The Markdown between the markers (without them). */
export function renderApiSection(entryPoints: EntryPointDoc[]): string {
  const out: string[] = [GENERATED_NOTE, ''];
  for (const point of entryPoints) {
    out.push(`### \`${point.specifier}\``, '');
    const groups = groupByFolder(point.entries);
    for (const [folder, entries] of groups) {
      if (groups.size > 1) out.push(`#### ${folder}`, '');
      for (const entry of entries) out.push(...renderEntry(entry));
    }
  }
  while (out.at(-1) === '') out.pop();
  return out.join('\n');
}

/** Exports grouped by the folder of their declaring file (`src/write`), in first-seen order. */
function groupByFolder(entries: ApiEntry[]): Map<string, ApiEntry[]> {
  const groups = new Map<string, ApiEntry[]>();
  for (const entry of entries) {
    const folder = entry.file.includes('/') ? entry.file.slice(0, entry.file.lastIndexOf('/')) : '.';
    const group = groups.get(folder) ?? [];
    group.push(entry);
    groups.set(folder, group);
  }
  return groups;
}

function renderEntry(entry: ApiEntry): string[] {
  const out = [
    `**\`${entry.name}\`** ${entry.kind}, [${entry.file}](${entry.file})`,
    '',
    '```ts',
    entry.signature,
    '```',
    '',
  ];
  if (entry.deprecated !== undefined) out.push(`**Deprecated.** ${entry.deprecated}`, '');
  if (entry.summary !== '') out.push(entry.summary, '');
  for (const example of entry.examples) out.push('Example:', '', '```ts', example, '```', '');
  return out;
}

/** Replaces what is between the markers with `section`; throws when the markers are missing. */
export function replaceApiSection(readme: string, section: string): string {
  const bounds = sectionBounds(readme);
  if (!bounds) throw new Error(`missing ${API_START} / ${API_END} markers`);
  return `${readme.slice(0, bounds.start)}\n${section}\n${readme.slice(bounds.end)}`;
}

function sectionBounds(readme: string): { start: number; end: number } | undefined {
  const startAt = readme.indexOf(API_START);
  const end = readme.indexOf(API_END);
  if (startAt < 0 || end < startAt) return undefined;
  return { start: startAt + API_START.length, end };
}

/**
 * How `readme`'s API section differs from `section`, one line per export (missing, stale, no
 * longer exported) or one for the whole section; empty when it is up to date.
 */
export function apiSectionDrift(readme: string, section: string, readmeName: string): string[] {
  const fix = 'run pnpm docs:api';
  const bounds = sectionBounds(readme);
  if (!bounds) {
    return [`${readmeName}: no ${API_START} / ${API_END} markers; add them where the API goes, then ${fix}`];
  }
  const current = readme.slice(bounds.start, bounds.end).trim();
  if (current === section.trim()) return [];
  const have = splitByEntry(current);
  const want = splitByEntry(section);
  const drift: string[] = [];
  for (const [name, block] of want) {
    const old = have.get(name);
    if (old === undefined)
      drift.push(`${readmeName}: \`${name}\` is exported but not documented here; ${fix}`);
    else if (old !== block) drift.push(`${readmeName}: \`${name}\` is out of date; ${fix}`);
  }
  for (const name of have.keys()) {
    if (!want.has(name))
      drift.push(`${readmeName}: \`${name}\` is documented but no longer exported; ${fix}`);
  }
  // Same entries, same text, but the order or the headings changed.
  if (drift.length === 0) drift.push(`${readmeName}: API section out of date; ${fix}`);
  return drift;
}

/** The section's text per export, keyed as users import it: `batchWrite`, `@scope/pkg/sub: setup`. */
function splitByEntry(section: string): Map<string, string> {
  const blocks = new Map<string, string>();
  let specifier = '';
  let key: string | undefined;
  let lines: string[] = [];
  const flush = () => {
    if (key !== undefined) blocks.set(key, lines.join('\n').trim());
    key = undefined;
    lines = [];
  };
  for (const line of section.split('\n')) {
    const point = /^### `(.+)`$/.exec(line);
    const entry = /^\*\*`(.+?)`\*\* /.exec(line);
    if (point) {
      flush();
      specifier = point[1]!;
    } else if (line.startsWith('#### ')) {
      flush();
    } else if (entry) {
      flush();
      key = isSubpath(specifier) ? `${specifier}: ${entry[1]!}` : entry[1]!;
      lines.push(line);
    } else if (key !== undefined) {
      lines.push(line);
    }
  }
  flush();
  return blocks;
}

/** `@scope/name/sub` or `name/sub`, not the package's main entry. */
function isSubpath(specifier: string): boolean {
  return specifier.split('/').length > (specifier.startsWith('@') ? 2 : 1);
}
