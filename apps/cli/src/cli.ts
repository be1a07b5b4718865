import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { loadCommands } from './commands/index.js';
import { type CliContext, createCliContext } from './context.js';
import { UsageError } from './errors.js';
import { type OutputFormat, withGlobal } from './options.js';
import { reportError } from './output.js';
import { readCliVersion } from './version.js';

/**
 * Parses argv, runs one command and returns the exit code. Never calls process.exit (bin.ts does),
 * so tests can call it in-process. Every failure, a usage error included, is reported the same
 * way: one line on stderr and, with --output json, one JSON error document on stdout.
 */
export async function runCli(argv: string[], overrides: Partial<CliContext> = {}): Promise<number> {
  const verbose = argv.includes('--verbose');
  const ctx = createCliContext(overrides, verbose);
  try {
    const commands = await loadCommands(ctx);
    const parser = withGlobal(yargs(argv))
      .scriptName('ddb-migrate')
      .usage(
        '$0 <command> [options]\n\nMove a live DynamoDB table to another AWS account with zero downtime.',
      )
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
    await parser.parseAsync();
  } catch (error) {
    return reportError(error, { ...ctx, output: outputFormatOf(argv), verbose });
  }
  return ctx.exitCode;
}

/**
 * The --output the command line asks for, read without yargs (whose parse may be what failed):
 * the last `--output X` or `--output=X` wins, as in yargs.
 */
function outputFormatOf(argv: readonly string[]): OutputFormat {
  let format: OutputFormat = 'text';
  argv.forEach((arg, i) => {
    const value = arg === '--output' ? argv[i + 1] : arg.startsWith('--output=') ? arg.slice(9) : undefined;
    if (value === 'json' || value === 'text') format = value;
  });
  return format;
}

export { hideBin };
