// Bundles the fan-out worker Lambda (src/worker/handler.ts: the verify worker index.handler and
// index.merge, the write-mode load worker index.load and index.loadMerge) with
// esbuild and zips it to dist/worker.zip, the way packages/cdc-lambda builds dist/function.zip.
// The AWS SDK and Powertools are bundled so the function runs with pinned versions.
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { zipSync } from 'fflate';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const outfile = join(dist, 'worker-bundle', 'index.mjs');
const zipFile = join(dist, 'worker.zip');
// Zip entries carry a fixed time so identical sources give an identical artifact.
const FIXED_MTIME = new Date('2024-01-01T00:00:00Z');

const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8'));
await mkdir(dirname(outfile), { recursive: true });

const result = await build({
  entryPoints: [join(root, 'src/worker/handler.ts')],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node22',
  minify: true,
  keepNames: true,
  sourcemap: 'external',
  // Workspace packages resolve to their TypeScript sources, so no prior build of core is needed.
  conditions: ['source'],
  mainFields: ['module', 'main'],
  legalComments: 'none',
  // Some bundled CommonJS dependencies call require() for Node built-ins.
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  },
  define: { 'process.env.DDB_MIGRATE_VERIFY_VERSION': JSON.stringify(pkg.version) },
  metafile: true,
  logLevel: 'warning',
});

const code = await readFile(outfile);
const map = await readFile(`${outfile}.map`);
const zip = zipSync(
  {
    'index.mjs': [code, { mtime: FIXED_MTIME }],
    'index.mjs.map': [map, { mtime: FIXED_MTIME }],
  },
  { level: 9 },
);
await writeFile(zipFile, zip);

const inputs = Object.keys(result.metafile.inputs).length;
const kb = (n) => `${(n / 1024).toFixed(0)} KB`;
console.log(
  `${pkg.name}@${pkg.version}: dist/worker.zip ${kb((await stat(zipFile)).size)} (index.mjs ${kb(code.length)}, ${inputs} modules bundled)`,
);
