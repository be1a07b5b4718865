#!/usr/bin/env node
// Checked before the CLI (and the AWS SDK) loads: an old Node gets one line and exit 2, not the
// SDK's NodeVersionSupportWarning. The floor is package.json's engines (>=22.12.0).
const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 12)) {
  process.stderr.write(
    `Error: ddb-migrate needs Node.js 22.12 or newer; this is ${process.version}. ` +
      'Install Node.js 22 (e.g. nvm install 22), or in a checkout run it as pnpm ddb-migrate (pnpm install brings Node 22)\n',
  );
  process.exitCode = 2;
} else {
  const { hideBin, runCli } = await import('./cli.js');
  // The only place that exits the process.
  runCli(hideBin(process.argv)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`Error: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 3;
    },
  );
}
