/**
 * Runs every benchmark in bench/ one after another (each starts its own moto server and prints
 * ratios against a baseline measured in the same run). `pnpm bench` or `pnpm bench cdc-apply`.
 * Benchmarks never fail on time; a non-zero exit means the benchmark itself broke.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const wanted = process.argv.slice(2);
const benches = readdirSync(here)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts')
  .map((f) => f.replace(/\.ts$/, ''))
  .filter((name) => wanted.length === 0 || wanted.includes(name))
  .sort();

let failed = 0;
for (const name of benches) {
  process.stdout.write(`\n=== bench/${name} ===\n`);
  const result = spawnSync(
    process.execPath,
    ['--import', 'tsx', '--conditions=source', join(here, `${name}.ts`)],
    {
      stdio: 'inherit',
    },
  );
  if (result.status !== 0) {
    failed += 1;
    process.stdout.write(`bench/${name} exited with ${result.status ?? result.signal}\n`);
  }
}
process.exitCode = failed === 0 ? 0 : 1;
