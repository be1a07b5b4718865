import { PassThrough } from 'node:stream';
import { runCli } from '../../src/cli.js';

/** What one in-process CLI run printed, and its exit code. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in-process with capturing streams (non-TTY stderr, so progress prints plain lines). */
export async function cli(args: string[], env: NodeJS.ProcessEnv): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const out = new PassThrough().on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  const err = new PassThrough().on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const code = await runCli(args, { stdout: out, stderr: err, env });
  return { code, stdout, stderr };
}
