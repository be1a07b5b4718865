import { setMaxListeners } from 'node:events';
import { createInterface } from 'node:readline/promises';
import { createReportWriter } from '@ddb-migrate/consistency-checker';
import { ConfigError, isMigrationError, MigrationError, PreflightError } from '@ddb-migrate/core';
import {
  type AbortResult,
  abortCutover,
  applyCutover,
  type CutoverDirection,
  type CutoverPlan,
  type CutoverRecord,
  type CutoverResult,
  openCutoverClients,
  planCutover,
  StateStore,
} from '@ddb-migrate/migration';
import type { SideFlagValues } from '../../command-line.js';
import type { CliContext } from '../../context.js';
import { ExitCode } from '../../exit-codes.js';
import type { CommandResult } from '../../output.js';
import { type ResolvedSides, resolveSides } from '../../sides.js';
import type { AppCutoverResult } from '../app/app-cutover.js';
import { freezeNotices } from './freeze-notice.js';
import { runHook } from './switch-hook.js';
import { type CutoverArgv, toCutoverInput, toCutoverOptions } from './options.js';
import { renderAbort, renderCutover, renderCutoverPlan } from './render.js';

/** What cutover and rollback print with --output json. */
export interface CutoverCommandResult {
  command: 'cutover' | 'rollback';
  /** `planned` (--dry-run), `switched`, `differences` (exit 1: the freeze stays), `aborted`. */
  outcome: 'planned' | 'proved' | 'switched' | 'differences' | 'aborted';
  steps: CutoverPlan['steps'];
  warnings: string[];
  /** The moment from which the side switched to is the source of truth. */
  switchedAt?: string;
  record?: CutoverRecord;
  /** The first 100 differences the proof found (all of them are in `report`). */
  differences?: { kind: string; key: Record<string, unknown>; attributes: string[] }[];
  report?: string;
  replicatedBack?: CutoverResult['replicatedBack'];
  abort?: Omit<AbortResult, 'record'>;
  stateFile: string;
  nextSteps: string[];
}

/** Runs `ddb-migrate cutover` (direction forward) or `rollback` (back). */
export async function runCutoverCommand(
  argv: CutoverArgv,
  ctx: CliContext,
  direction: CutoverDirection,
): Promise<CommandResult<CutoverCommandResult | AppCutoverResult>> {
  const command = direction === 'forward' ? 'cutover' : 'rollback';
  if (typeof argv.file === 'string') {
    const { runAppCutover } = await import('../app/app-cutover.js');
    return runAppCutover(argv.file, argv, ctx, direction);
  }
  if (!argv.sourceTableName) {
    throw new ConfigError('--source-table-name is required', {
      hint: 'Pass --source-table-name <table> (or --file <plan file>)',
    });
  }
  const options = toCutoverOptions(argv, command);
  const sides = resolveSides(argv, ctx.env);
  const input = toCutoverInput(argv, options, sides);
  const { clients, destroy } = openCutoverClients(input);
  const controller = new AbortController();
  setMaxListeners(100, controller.signal);
  const onSignal = () =>
    controller.abort(
      new MigrationError('INTERRUPTED', `${command} was interrupted (Ctrl-C) at a saved state`, {
        hint: `Run the same command again to go on, or \`${command} --abort\` to lift the freeze`,
      }),
    );
  process.once('SIGINT', onSignal);
  try {
    const plan = await planCutover(input, {
      clients,
      logger: ctx.logger,
      direction,
      purpose: options.abort ? 'abort' : 'run',
    });
    if (options.abort) {
      const result = await abortCutover(plan, { clients, logger: ctx.logger, signal: controller.signal });
      const { record, ...abort } = result;
      const data: CutoverCommandResult = {
        command,
        outcome: 'aborted',
        steps: plan.steps,
        warnings: plan.warnings,
        ...(record ? { record } : {}),
        abort,
        stateFile: result.stateFile,
        nextSteps: abortNextSteps(command, result),
      };
      return { data, text: renderAbort(data) };
    }
    if (options.dryRun) {
      const data: CutoverCommandResult = {
        command,
        outcome: 'planned',
        steps: plan.steps,
        warnings: plan.warnings,
        stateFile: plan.stateFile,
        nextSteps: [`Run without --dry-run to ${command}`],
      };
      return { data, text: renderCutoverPlan(data) };
    }
    if (!options.yes) await confirm(plan, command, ctx);
    const reportFile =
      options.engine.reportFile ?? plan.stateFile.replace(/\.json$/, `.${command}-differences.ndjson`);
    const writer = createReportWriter(reportFile);
    const listed: NonNullable<CutoverCommandResult['differences']> = [];
    let result: CutoverResult;
    try {
      result = await applyCutover(plan, {
        clients,
        logger: ctx.logger,
        signal: controller.signal,
        onProgress: (event) => {
          if (event.type !== 'update') ctx.stderr.write(`${command}: ${event.message}\n`);
        },
        onDifference: async (difference) => {
          if (listed.length < 100) {
            const { toDynamoJson } = await import('@ddb-migrate/core');
            listed.push({
              kind: difference.kind,
              key: toDynamoJson(difference.key),
              attributes: difference.attributes,
            });
          }
          await writer.write(difference);
        },
        ...(options.exec
          ? {
              onSwitch: (moment) =>
                runHook(
                  options.exec as string,
                  moment,
                  { source: input.source.tableName, target: input.target.tableName },
                  ctx,
                ),
            }
          : {}),
      });
    } catch (error) {
      throw await withFreezeHint(error, plan, argv, sides);
    } finally {
      await writer.close();
    }
    const data: CutoverCommandResult = {
      command,
      outcome: result.outcome,
      steps: plan.steps,
      warnings: plan.warnings,
      ...(result.record.switchedAt ? { switchedAt: result.record.switchedAt } : {}),
      record: result.record,
      ...(result.outcome === 'differences' ? { differences: listed, report: reportFile } : {}),
      ...(result.replicatedBack ? { replicatedBack: result.replicatedBack } : {}),
      stateFile: result.stateFile,
      nextSteps: nextSteps(command, result),
    };
    return {
      data,
      text: renderCutover(data),
      exitCode: result.outcome === 'differences' ? ExitCode.Differences : ExitCode.Ok,
    };
  } finally {
    process.removeListener('SIGINT', onSignal);
    destroy();
  }
}

/**
 * A failure after the freeze says that the freeze is in force and the exact command that lifts it
 * (the state records it before the policy is put, so this holds after a crash too).
 */
async function withFreezeHint(
  error: unknown,
  plan: CutoverPlan,
  argv: CutoverArgv,
  sides: ResolvedSides,
): Promise<unknown> {
  if (!isMigrationError(error)) return error;
  const state = await new StateStore(plan.input.options.stateDir).load(plan.key).catch(() => undefined);
  if (!state) return error;
  const sideValues: SideFlagValues = {
    endpointUrl: argv.endpointUrl,
    sourceRegion: sides.source.region,
    sourceTableName: argv.sourceTableName,
    sourceProfile: argv.sourceProfile ?? argv.profile,
    targetRegion: sides.target.region,
    targetTableName: argv.targetTableName,
    targetAccountId: argv.targetAccountId,
    targetRoleName: argv.targetRoleName,
    targetRoleArn: argv.targetRoleArn,
    targetExternalId: argv.targetExternalId,
    targetProfile: argv.targetProfile,
  };
  const [notice] = freezeNotices(state, sideValues, plan.input.options.stateDir);
  if (!notice) return error;
  const hint = `${error.hint ? `${error.hint.replace(/\.$/, '')}. ` : ''}Writes to ${notice.table} stay frozen; lift the freeze with: ${notice.liftCommand}`;
  Object.defineProperty(error, 'hint', { value: hint, enumerable: true });
  return error;
}

function nextSteps(command: 'cutover' | 'rollback', result: CutoverResult): string[] {
  if (result.outcome === 'differences') {
    return [
      `The proof found ${result.differences.length} difference(s); the freeze stays in force`,
      'Repair them (`ddb-migrate verify --repair`), then run the same command again',
      `or lift the freeze with \`ddb-migrate ${command} --abort\``,
    ];
  }
  if (command === 'cutover' && result.record.reverse?.streamArn) {
    return [
      'Point the application at the target table (if the --exec hook did not)',
      'The way back is open: run `ddb-migrate cutover` again (same flags) to keep replicating target -> source',
      '`ddb-migrate rollback` returns to the source; `ddb-migrate finish` cleans up once you stay',
    ];
  }
  if (command === 'cutover') {
    return [
      'Point the application at the target table (if the --exec hook did not)',
      '`ddb-migrate finish` removes the mapping, the fence and the freeze',
    ];
  }
  return ['The source table is writable again and current', '`ddb-migrate finish` cleans up'];
}

function abortNextSteps(command: 'cutover' | 'rollback', result: AbortResult): string[] {
  const steps = [
    result.freeze === 'lifted'
      ? "The freeze is lifted: the table's own policy is back"
      : 'No freeze was in force',
  ];
  if (result.mappingReenabled) steps.push('Forward CDC runs again (its mapping is enabled)');
  if (result.wasSwitched)
    steps.push('The cutover had already switched: make sure the application writes to one table only');
  steps.push(`Run \`ddb-migrate ${command}\` again when ready`);
  return steps;
}

async function confirm(plan: CutoverPlan, command: string, ctx: CliContext): Promise<void> {
  if (!process.stdin.isTTY || !ctx.stderr.isTTY) {
    throw new PreflightError(
      'CONFIRMATION_REQUIRED',
      `${command} freezes writes on a live table and there is no terminal to confirm on`,
      {
        hint: `Review \`ddb-migrate ${command} --dry-run\` and pass --yes`,
      },
    );
  }
  ctx.stderr.write(
    `${renderCutoverPlan({ command: command as 'cutover', outcome: 'planned', steps: plan.steps, warnings: plan.warnings, stateFile: plan.stateFile, nextSteps: [] })}\n\n`,
  );
  const rl = createInterface({ input: process.stdin, output: ctx.stderr });
  let answer: string;
  try {
    answer = await rl.question(`Proceed with the ${command}? [y/N] `);
  } finally {
    rl.close();
  }
  if (!/^y(es)?$/i.test(answer.trim())) {
    throw new PreflightError('NOT_CONFIRMED', `${command} not confirmed; nothing was changed`, {
      hint: 'Run again and answer y, or pass --yes',
    });
  }
}
