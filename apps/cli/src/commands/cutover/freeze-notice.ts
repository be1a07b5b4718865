import type { MigrationState } from '@ddb-migrate/migration';
import { formatCommand, type SideFlagValues, sideFlags } from '../../command-line.js';

/** A freeze a cutover or rollback may have left in force, and the command that lifts it. */
export interface FreezeNotice {
  command: 'cutover' | 'rollback';
  /** The frozen table's ARN. */
  table: string;
  /** Why it is (possibly) in force: the step it stopped at, or the switch. */
  since: string;
  /** `--abort` before the switch; `finish` once switched (the application moved). */
  liftCommand: string;
}

/**
 * What the state says about freezes in force: recorded before the policy is put, so a crash at any
 * point is covered ("possibly" until the put is recorded as done).
 */
export function freezeNotices(
  state: MigrationState,
  sides: SideFlagValues,
  stateDir: string,
): FreezeNotice[] {
  const notices: FreezeNotice[] = [];
  for (const [command, record] of [
    ['cutover', state.cutover],
    ['rollback', state.rollback],
  ] as const) {
    const freeze = record?.freeze;
    if (
      !record ||
      !freeze ||
      freeze.mode !== 'policy' ||
      freeze.originalPolicy === undefined ||
      freeze.liftedAt
    )
      continue;
    if (record.status === 'aborted') continue;
    const flags = [...sideFlags(sides), ['--state-dir', stateDir] as [string, string]];
    notices.push({
      command,
      table: freeze.tableArn ?? '(unknown)',
      since:
        record.status === 'switched'
          ? `switched at ${record.switchedAt}`
          : `${command} stopped at step "${record.status}"${freeze.appliedAt ? ` (frozen since ${freeze.appliedAt})` : ' (the freeze may be in force)'}`,
      liftCommand:
        record.status === 'switched' && command === 'cutover' && !state.rollback
          ? formatCommand(['finish'], flags)
          : formatCommand([command, '--abort'], flags),
    });
  }
  return notices;
}
