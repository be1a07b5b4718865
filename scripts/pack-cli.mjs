#!/usr/bin/env node
/**
 * Packs the ddb-migrate CLI as a self-contained npm tarball:
 *   1. esbuild bundles apps/cli/src/bin.ts with every workspace package and dependency (AWS SDK,
 *      yargs) into one ESM file, dist/bin.js (the `source` condition resolves workspace packages
 *      to their TypeScript sources, so no prior build is needed);
 *   2. the CloudFormation templates go to dist/cfn/, where `ddb-migrate bootstrap` looks first;
 *   3. a package.json with the `ddb-migrate` bin and no dependencies; then `npm pack`.
 *
 * Usage: node scripts/pack-cli.mjs [--out DIR]   (default DIR: .release/)
 * Prints the tarball's absolute path on stdout (progress goes to stderr).
 */
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const cliDir = join(root, 'apps', 'cli');
const args = process.argv.slice(2);
const outIndex = args.indexOf('--out');
const outDir = resolve(outIndex >= 0 && args[outIndex + 1] ? args[outIndex + 1] : join(root, '.release'));

const cliPackage = JSON.parse(readFileSync(join(cliDir, 'package.json'), 'utf8'));
const staging = mkdtempSync(join(tmpdir(), 'ddb-migrate-pack-'));
try {
  process.stderr.write(`pack-cli: bundling ${cliPackage.name}@${cliPackage.version}\n`);
  await build({
    entryPoints: [join(cliDir, 'src', 'bin.ts')],
    outfile: join(staging, 'dist', 'bin.js'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    conditions: ['source'],
    // CommonJS dependencies bundled into ESM still call require() for Node built-ins.
    banner: {
      js: "import { createRequire as __ddbMigrateCreateRequire } from 'node:module';\nconst require = __ddbMigrateCreateRequire(import.meta.url);",
    },
    keepNames: true,
    legalComments: 'none',
    logLevel: 'warning',
  });
  const bin = join(staging, 'dist', 'bin.js');
  const code = readFileSync(bin, 'utf8');
  // esbuild keeps the entry's hashbang; make sure it is the first line either way.
  if (!code.startsWith('#!')) writeFileSync(bin, `#!/usr/bin/env node\n${code}`);
  chmodSync(bin, 0o755);

  mkdirSync(join(staging, 'dist', 'cfn'), { recursive: true });
  for (const template of ['source.yaml', 'target.yaml']) {
    copyFileSync(join(root, 'cfn', template), join(staging, 'dist', 'cfn', template));
  }
  for (const doc of [join(cliDir, 'README.md'), join(root, 'README.md')]) {
    if (existsSync(doc)) {
      copyFileSync(doc, join(staging, 'README.md'));
      break;
    }
  }
  // Everything is bundled: no dependencies, so installing the tarball needs no registry.
  const packed = {
    name: cliPackage.name,
    version: cliPackage.version,
    description: cliPackage.description,
    license: cliPackage.license,
    type: 'module',
    bin: { 'ddb-migrate': 'dist/bin.js' },
    files: ['dist', 'README.md'],
    engines: { node: '>=22.12.0' },
  };
  writeFileSync(join(staging, 'package.json'), `${JSON.stringify(packed, null, 2)}\n`);

  mkdirSync(outDir, { recursive: true });
  const result = JSON.parse(
    execFileSync('npm', ['pack', '--json', '--pack-destination', outDir], {
      cwd: staging,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    }),
  );
  const tarball = join(outDir, result[0].filename);
  process.stderr.write(`pack-cli: ${tarball} (${result[0].size} bytes, ${result[0].entryCount} files)\n`);
  process.stdout.write(`${tarball}\n`);
} finally {
  rmSync(staging, { recursive: true, force: true });
}
