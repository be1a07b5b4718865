import { spawn } from 'node:child_process';
import type { CutoverDirection } from '@ddb-migrate/migration';
import type { CliContext } from '../../context.js';

/**
 * Runs the --exec hook in a shell; its output goes to stderr (stdout carries the JSON document).
 * For a plan file the tables are comma-separated lists, in the file's order.
 */
export function runHook(
  commandLine: string,
  moment: { switchedAt: string; direction: CutoverDirection },
  tables: { source: string; target: string },
  ctx: CliContext,
): Promise<{ command: string; exitCode: number | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(commandLine, {
      shell: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...ctx.env,
        DDB_MIGRATE_SWITCHED_AT: moment.switchedAt,
        DDB_MIGRATE_DIRECTION: moment.direction,
        DDB_MIGRATE_SOURCE_TABLE: tables.source,
        DDB_MIGRATE_TARGET_TABLE: tables.target,
        DDB_MIGRATE_ACTIVE_TABLE: moment.direction === 'forward' ? tables.target : tables.source,
      },
    });
    child.stdout.on('data', (chunk: Buffer) => ctx.stderr.write(chunk));
    child.stderr.on('data', (chunk: Buffer) => ctx.stderr.write(chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ command: commandLine, exitCode: code }));
  });
}
