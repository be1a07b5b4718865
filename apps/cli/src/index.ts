export { runCli } from './cli.js';
export { ExitCode, exitCodeFor, formatErrorLine } from './exit-codes.js';
export type { CommandResult } from './output.js';
