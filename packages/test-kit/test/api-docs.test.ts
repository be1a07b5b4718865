// Tests of the repo's API-docs generator (scripts/api-docs.ts), run here because `pnpm test` runs
// package test suites only. Pure: in-memory sources, no moto.
import { describe, expect, it } from 'vitest';
import { createInMemoryProgram, extractEntries } from '../../../scripts/api-docs/extract.js';
import {
  API_END,
  API_START,
  apiSectionDrift,
  renderApiSection,
  replaceApiSection,
} from '../../../scripts/api-docs/render.js';

const dir = '/virtual/pkg';

function entriesOf(files: Record<string, string>) {
  const absolute = Object.fromEntries(Object.entries(files).map(([name, text]) => [`${dir}/${name}`, text]));
  const program = createInMemoryProgram(absolute, [`${dir}/src/index.ts`]);
  return extractEntries(program, `${dir}/src/index.ts`, dir);
}

const sources = {
  'src/index.ts': [
    "export { copyTable, TABLE_LIMIT } from './copy/copy-table.js';",
    "export type { CopyOptions } from './copy/copy-table.js';",
    "export { Meter as RateMeter } from './meter.js';",
  ].join('\n'),
  'src/copy/copy-table.ts': `
/** Options of {@link copyTable}. */
export interface CopyOptions {
  /** Items per call. */
  batchSize?: number;
}

/**
 * Copies one table into another and returns the number of items copied.
 *
 * @throws RangeError when \`from\` is empty.
 * @example
 * const copied = await copyTable('a', 'b', { batchSize: 25 });
 */
export async function copyTable(from: string, to: string, options: CopyOptions = {}): Promise<number> {
  return from.length + to.length + (options.batchSize ?? 0);
}

export const TABLE_LIMIT = 16 * 1024;
`,
  'src/meter.ts': `
/** Counts events per second. */
export class Meter {
  private count = 0;
  constructor(readonly windowMs: number) {}
  /** Records one event. */
  mark(): void {
    this.count += 1;
  }
  #reset(): void {}
}
`,
};

describe('extractEntries', () => {
  it('lists the entry file exports in order with kind, signature, summary and example', () => {
    const { entries } = entriesOf(sources);

    expect(entries.map((e) => [e.name, e.kind, e.file])).toEqual([
      ['copyTable', 'function', 'src/copy/copy-table.ts'],
      ['TABLE_LIMIT', 'const', 'src/copy/copy-table.ts'],
      ['CopyOptions', 'interface', 'src/copy/copy-table.ts'],
      ['RateMeter', 'class', 'src/meter.ts'],
    ]);
    const [copyTable, limit, options, meter] = entries;
    expect(copyTable?.signature).toBe(
      'function copyTable(from: string, to: string, options?: CopyOptions): Promise<number>;',
    );
    expect(copyTable?.summary).toBe(
      'Copies one table into another and returns the number of items copied.\n\nThrows RangeError when `from` is empty.',
    );
    expect(copyTable?.examples).toEqual(["const copied = await copyTable('a', 'b', { batchSize: 25 });"]);
    expect(limit?.signature).toBe('const TABLE_LIMIT = 16 * 1024;');
    expect(options?.summary).toBe('Options of `copyTable`.');
    expect(options?.signature).toBe(
      ['interface CopyOptions {', '  /** Items per call. */', '  batchSize?: number;', '}'].join('\n'),
    );
    // Private and #private members are left out; member TSDoc stays.
    expect(meter?.signature).toBe(
      [
        'class Meter {',
        '  constructor(readonly windowMs: number);',
        '  /** Records one event. */',
        '  mark(): void;',
        '}',
      ].join('\n'),
    );
  });

  it('reports every export without a TSDoc summary, with its file and line', () => {
    const { problems } = entriesOf(sources);

    expect(problems).toEqual(['src/copy/copy-table.ts:19: `TABLE_LIMIT` (const) has no TSDoc summary']);
  });

  it('reports an export * in the entry file', () => {
    const { problems } = entriesOf({
      'src/index.ts': "export * from './a.js';",
      'src/a.ts': '/** A. */\nexport const a = 1;',
    });

    expect(problems).toEqual([
      "src/index.ts: `export *` from './a.js': list the names instead (STYLE.md Layout)",
    ]);
  });
});

describe('API section drift', () => {
  const section = renderApiSection([{ specifier: '@x/pkg', entries: entriesOf(sources).entries }]);
  const readme = `# @x/pkg\n\nPurpose.\n\n## API\n\n${API_START}\n${section}\n${API_END}\n\n## Example\n`;

  it('finds no drift in a README generated from the same sources', () => {
    expect(apiSectionDrift(readme, section, 'README.md')).toEqual([]);
    expect(replaceApiSection(readme, section)).toBe(readme);
  });

  it('keeps the text around the markers when writing the section', () => {
    const stale = `# @x/pkg\n\nPurpose.\n\n${API_START}\nold\n${API_END}\n\n## Example\n`;

    expect(replaceApiSection(stale, section)).toBe(
      `# @x/pkg\n\nPurpose.\n\n${API_START}\n${section}\n${API_END}\n\n## Example\n`,
    );
  });

  it('names each export whose documentation changed, appeared or disappeared', () => {
    const changed = entriesOf({
      ...sources,
      'src/copy/copy-table.ts': sources['src/copy/copy-table.ts'].replace(
        'Copies one table',
        'Copies a table',
      ),
      'src/index.ts': sources['src/index.ts']
        .replace('copyTable, TABLE_LIMIT', 'copyTable')
        .concat("\nexport { Meter } from './meter.js';"),
    }).entries;
    const current = renderApiSection([{ specifier: '@x/pkg', entries: changed }]);

    expect(apiSectionDrift(readme, current, 'README.md')).toEqual([
      'README.md: `copyTable` is out of date; run pnpm docs:api',
      'README.md: `Meter` is exported but not documented here; run pnpm docs:api',
      'README.md: `TABLE_LIMIT` is documented but no longer exported; run pnpm docs:api',
    ]);
  });

  it('asks for the markers when the README has none', () => {
    expect(apiSectionDrift('# @x/pkg\n', section, 'README.md')).toEqual([
      `README.md: no ${API_START} / ${API_END} markers; add them where the API goes, then run pnpm docs:api`,
    ]);
  });
});
