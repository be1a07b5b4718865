/**
 * Command lines the CLI prints as the next step ("resume with", "keep it in sync with"): built
 * from validated options, so what is printed is exactly what to run (shell-quoted).
 */

/** A flag and its value; `true` prints the bare flag, `false`/undefined leave it out. */
export type Flag = readonly [name: string, value: string | number | boolean | undefined];

/** The program name in printed commands (from a checkout: `pnpm --silent ddb-migrate ...`). */
export const PROGRAM = 'ddb-migrate';

/** Quotes a word for a POSIX shell, leaving plain words bare. */
export function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

/**
 * `ddb-migrate <words> --flag value ...`.
 *
 * @example
 * formatCommand(['cdc', 'run'], [['--source-region', 'eu-west-1'], ['--yes', true]])
 * // "ddb-migrate cdc run --source-region eu-west-1 --yes"
 */
export function formatCommand(words: readonly string[], flags: readonly Flag[]): string {
  const parts = [PROGRAM, ...words];
  for (const [name, value] of flags) {
    if (value === undefined || value === false) continue;
    parts.push(name);
    if (value !== true) parts.push(shellQuote(String(value)));
  }
  return parts.join(' ');
}

/** The source and target flags of a command, as validated (the source region resolved). */
export interface SideFlagValues {
  endpointUrl?: string | undefined;
  sourceRegion: string;
  sourceTableName: string;
  sourceAccountId?: string | undefined;
  sourceProfile?: string | undefined;
  targetRegion?: string | undefined;
  targetTableName?: string | undefined;
  targetAccountId?: string | undefined;
  targetRoleName?: string | undefined;
  targetRoleArn?: string | undefined;
  targetExternalId?: string | undefined;
  targetProfile?: string | undefined;
}

/**
 * The flags that name both sides the same way again: the source region always explicit (it may
 * have come from --region or AWS_REGION), the target's only where they differ from the defaults.
 * `--profile` is printed as `--source-profile` (the same thing).
 */
export function sideFlags(v: SideFlagValues): Flag[] {
  const targetRegion = v.targetRegion ?? v.sourceRegion;
  const targetTable = v.targetTableName ?? v.sourceTableName;
  return [
    ['--endpoint-url', v.endpointUrl],
    ['--source-region', v.sourceRegion],
    ['--source-table-name', v.sourceTableName],
    ['--source-account-id', v.sourceAccountId],
    ['--source-profile', v.sourceProfile],
    ['--target-region', targetRegion === v.sourceRegion ? undefined : targetRegion],
    ['--target-table-name', targetTable === v.sourceTableName ? undefined : targetTable],
    ['--target-account-id', v.targetAccountId],
    ['--target-role-name', v.targetRoleName],
    ['--target-role-arn', v.targetRoleArn],
    ['--target-external-id', v.targetExternalId],
    ['--target-profile', v.targetProfile],
  ];
}

/** Options of {@link cdcRunCommand}. */
export interface CdcRunCommandOptions {
  /** The state dir, printed unless it is the default `.ddb-migrate`. */
  stateDir?: string;
  dlqUrl?: string | undefined;
  streamArn?: string | undefined;
  /** Further flags to repeat (non-default values of the run being resumed). */
  extra?: readonly Flag[];
}

/**
 * `ddb-migrate cdc run ...`: keeps the target in sync in the foreground (until Ctrl-C), resuming
 * from the checkpoint a local-mode migrate (or an earlier cdc run) left in the state dir.
 */
export function cdcRunCommand(sides: SideFlagValues, options: CdcRunCommandOptions = {}): string {
  return formatCommand(
    ['cdc', 'run'],
    [
      ...sideFlags(sides),
      ['--state-dir', options.stateDir === '.ddb-migrate' ? undefined : options.stateDir],
      ['--dlq-url', options.dlqUrl],
      ['--stream-arn', options.streamArn],
      ...(options.extra ?? []),
    ],
  );
}

/** `ddb-migrate verify ... --repair`: re-syncs every differing key from the source's current item. */
export function verifyRepairCommand(sides: SideFlagValues): string {
  return formatCommand(['verify'], [...sideFlags(sides), ['--repair', true]]);
}
