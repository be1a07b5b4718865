import { PreflightError } from '@ddb-migrate/core';
import { type FinishResult, finishMigration, openCutoverClients, planCutover } from '@ddb-migrate/migration';
import type { CliContext } from '../../context.js';
import type { CommandResult } from '../../output.js';
import { resolveSides } from '../../sides.js';
import { type CutoverArgv, toCutoverInput, toCutoverOptions } from '../cutover/options.js';

/** Raw argv of finish. */
export interface FinishArgv extends CutoverArgv {
  disableStream?: boolean;
}

/** What finish prints with --output json. */
export type FinishCommandResult = FinishResult;

/** Runs `ddb-migrate finish`. */
export async function runFinish(
  argv: FinishArgv,
  ctx: CliContext,
): Promise<CommandResult<FinishCommandResult>> {
  const options = toCutoverOptions(argv, 'cutover');
  const sides = resolveSides(argv, ctx.env);
  const input = toCutoverInput(argv, options, sides);
  const { clients, destroy } = openCutoverClients(input);
  try {
    const plan = await planCutover(input, {
      clients,
      logger: ctx.logger,
      direction: 'forward',
      purpose: 'finish',
    });
    const cutover = plan.facts.state.cutover;
    if (!argv.yes && cutover?.status !== 'switched') {
      throw new PreflightError(
        'NOT_SWITCHED',
        'This migration has not been cut over: finish would stop CDC and lift the freeze',
        {
          hint: 'Run `ddb-migrate cutover` first, or pass --yes to clean up anyway',
        },
      );
    }
    const result = await finishMigration(plan, {
      clients,
      logger: ctx.logger,
      disableStreams: argv.disableStream === true,
    });
    const text = [
      result.removed.length ? 'finish removed:' : 'finish: nothing left to remove',
      ...result.removed.map((r) => `  ${r}`),
      ...result.kept.map((k) => `  kept: ${k}`),
    ].join('\n');
    return { data: result, text };
  } finally {
    destroy();
  }
}
