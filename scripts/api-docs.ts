/**
 * The packages' README API sections, generated from the TSDoc where each export is declared.
 *
 *   pnpm docs:api                        write every listed README's section
 *   tsx scripts/api-docs.ts --check      fail on drift (run by `pnpm lint`)
 *
 * For each package below, every entry point of its `exports` map that has a `source` file is read
 * (one TypeScript program for all of them). Exit 1 when an export has no TSDoc summary, a README
 * lacks the `<!-- api:start -->` / `<!-- api:end -->` markers, or (with --check) a section differs
 * from what would be generated; one line per problem on stderr.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { API_COMPILER_OPTIONS, extractEntries } from './api-docs/extract.js';
import {
  apiSectionDrift,
  type EntryPointDoc,
  renderApiSection,
  replaceApiSection,
} from './api-docs/render.js';

/** Packages whose README carries a generated API section. */
const PACKAGES = [
  'packages/core',
  'packages/cdc-lambda',
  'packages/consistency-checker',
  'packages/migration',
  'packages/test-kit',
];

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

interface PackageEntryPoint {
  specifier: string;
  file: string;
}

/** The `exports` subpaths that point at a TypeScript source (`source` condition). */
function entryPointsOf(packageDir: string): PackageEntryPoint[] {
  const manifest = JSON.parse(readFileSync(path.join(packageDir, 'package.json'), 'utf8')) as {
    name: string;
    exports?: Record<string, string | { source?: string }>;
  };
  const points: PackageEntryPoint[] = [];
  for (const [subpath, target] of Object.entries(manifest.exports ?? {})) {
    const source = typeof target === 'string' ? target : target.source;
    if (source === undefined || !/\.tsx?$/.test(source)) continue;
    const specifier = subpath === '.' ? manifest.name : `${manifest.name}/${subpath.replace(/^\.\//, '')}`;
    points.push({ specifier, file: path.join(packageDir, source) });
  }
  return points;
}

function main(argv: string[]): number {
  const check = argv.includes('--check');
  const packages = PACKAGES.map((dir) => ({ dir, points: entryPointsOf(path.join(root, dir)) }));
  const program = ts.createProgram({
    rootNames: packages.flatMap((p) => p.points.map((point) => point.file)),
    options: API_COMPILER_OPTIONS,
  });

  const problems: string[] = [];
  for (const { dir, points } of packages) {
    const packageDir = path.join(root, dir);
    const docs: EntryPointDoc[] = points.map((point) => {
      const result = extractEntries(program, point.file, packageDir);
      problems.push(...result.problems.map((line) => `${dir}/${line}`));
      return { specifier: point.specifier, entries: result.entries };
    });
    const section = renderApiSection(docs);
    const readmePath = path.join(packageDir, 'README.md');
    const readmeName = `${dir}/README.md`;
    const readme = readFileSync(readmePath, 'utf8');
    if (check) {
      problems.push(...apiSectionDrift(readme, section, readmeName));
      continue;
    }
    try {
      const updated = replaceApiSection(readme, section);
      if (updated !== readme) {
        writeFileSync(readmePath, updated);
        console.error(`api-docs: wrote ${readmeName}`);
      }
    } catch (error) {
      problems.push(`${readmeName}: ${(error as Error).message}`);
    }
  }

  for (const line of problems) console.error(`api-docs: ${line}`);
  return problems.length === 0 ? 0 : 1;
}

process.exitCode = main(process.argv.slice(2));
