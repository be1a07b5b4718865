import type { Logger } from '@ddb-migrate/core';
import { ExitCode } from './exit-codes.js';
import type { GlobalOptions } from './options.js';
import { type CommandResult, printResult, reportError } from './output.js';
import { createStderrLogger } from './stderr-logger.js';

/** What the entry hands to every command: streams, env, a logger. Tests pass their own. */
export interface CliContext {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  logger: Logger;
  /** Set by a command handler; read by the entry to exit. */
  exitCode: number;
}

export function createCliContext(overrides: Partial<CliContext> = {}, verbose = false): CliContext {
  const stderr = overrides.stderr ?? process.stderr;
  return {
    stdout: overrides.stdout ?? process.stdout,
    stderr,
    env: overrides.env ?? process.env,
    logger: overrides.logger ?? createStderrLogger(stderr, verbose),
    exitCode: ExitCode.Ok,
  };
}

/**
 * Runs a command's run function, prints its result and records the exit code; errors become one
 * line (the stack only with --verbose) and the mapped exit code.
 */
export async function runAndReport<T>(
  ctx: CliContext,
  options: GlobalOptions,
  run: (ctx: CliContext) => Promise<CommandResult<T>>,
): Promise<void> {
  if (options.verbose) ctx.logger = createStderrLogger(ctx.stderr, true);
  try {
    const result = await run(ctx);
    printResult(result, options.output, ctx.stdout);
    ctx.exitCode = result.exitCode ?? ExitCode.Ok;
  } catch (error) {
    ctx.exitCode = reportError(error, { ...ctx, output: options.output, verbose: options.verbose });
  }
}
