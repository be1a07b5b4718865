import { type ErrorCode, PreflightError } from '@ddb-migrate/core';

/** One problem preflight found: what is wrong and how to fix it. */
export interface Refusal {
  code: ErrorCode;
  message: string;
  fix: string;
}

/**
 * Preflight refused the migration; nothing was changed. `problems` holds every blocking finding
 * with its fix, so one run names everything to correct. One problem keeps its own code, message
 * and fix; several are `PREFLIGHT_REFUSED` with all of them in one line.
 *
 * @example
 * try { await planMigration(input); } catch (e) {
 *   if (e instanceof MigrationRefusedError) for (const p of e.problems) console.error(p.code, p.fix);
 * }
 */
export class MigrationRefusedError extends PreflightError {
  readonly problems: readonly Refusal[];

  constructor(problems: readonly Refusal[]) {
    const [first] = problems;
    if (first === undefined || problems.length === 1) {
      super(first?.code ?? 'PREFLIGHT_REFUSED', first?.message ?? 'Preflight refused the migration', {
        hint: first?.fix ?? 'Run with --verbose and report it',
      });
    } else {
      super(
        'PREFLIGHT_REFUSED',
        `preflight found ${problems.length} problems: ${problems.map((p, i) => `(${i + 1}) ${p.message}: ${p.fix}`).join('; ')}`,
        { hint: 'Nothing was changed; fix them and run again' },
      );
    }
    // A refusal is a PreflightError to every caller (exit 2), whichever way they tell errors apart.
    this.name = 'PreflightError';
    this.problems = Object.freeze(problems.map((p) => ({ code: p.code, message: p.message, fix: p.fix })));
  }
}
