#!/usr/bin/env node
import { hideBin, runCli } from './cli.js';

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
