import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { loadCommands } from './commands/index.js';
import { type CliContext, createCliContext, setCliContext } from './context.js';
import { ExitCode } from './exit-codes.js';
import { withGlobal } from './options.js';
import { readCliVersion } from './version.js';

/**
 * Parses argv, runs one command and returns the exit code. Never calls process.exit (bin.ts does),
 * so tests can call it in-process.
 */
export async function runCli(argv: string[], overrides: Partial<CliContext> = {}): Promise<number> {
  const ctx = createCliContext(overrides, argv.includes('--verbose'));
  setCliContext(ctx);
  const commands = await loadCommands();
  let usageError: string | undefined;
  const parser = withGlobal(yargs(argv))
    .scriptName('ddb-migrate')
    .usage('$0 <command> [options]\n\nMove a live DynamoDB table to another AWS account with zero downtime.')
    .command(commands)
    .demandCommand(1, 'Name a command, e.g. ddb-migrate migrate --help')
    .strict()
    .recommendCommands()
    .help()
    .version(readCliVersion())
    .wrap(Math.min(110, process.stdout.columns ?? 100))
    .fail((message, error) => {
      // Throwing stops yargs before any handler runs, so a usage error prints one line only.
      throw error ?? new UsageError(message);
    })
    .exitProcess(false);
  try {
    await parser.parseAsync();
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    usageError = error.message;
  }
  if (usageError !== undefined) {
    ctx.stderr.write(`Error: ${usageError}. Run ddb-migrate <command> --help for the flags.\n`);
    return ExitCode.BadInput;
  }
  return ctx.exitCode;
}

export { hideBin };

/** A yargs parse failure: unknown flag, missing argument, bad choice. */
class UsageError extends Error {}
