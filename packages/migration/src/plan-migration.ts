import type { TargetAccess } from '@ddb-migrate/core';
import { type MigrationClients, openClients } from './migration-clients.js';
import {
  engineOptions,
  type MigrationInput,
  type MigrationSide,
  type MigrationTarget,
} from './migration-input.js';
import { DEFAULT_MIGRATION_OPTIONS, type LoadMode, type MigrationOptions } from './migration-options.js';
import type { Estimate } from './preflight/estimate.js';
import type { Finding, PlanFacts } from './preflight/preflight-types.js';
import { keyOf, runPreflight } from './preflight/run-preflight.js';
import { lastFinishedStep, type MigrationKey } from './state/migration-state.js';
import { StateStore } from './state/state-store.js';

/** What {@link planMigration} plans: the two sides and the options (defaults fill the rest). */
export interface PlanMigrationInput {
  source: MigrationSide;
  target: MigrationTarget;
  options?: Partial<MigrationOptions>;
}

/** What {@link planMigration} may be given: clients to use instead of building them from the sides. */
export interface PlanMigrationDeps {
  /** Clients to call instead of ones built from the sides' configs (each one that is absent is built). */
  clients?: Partial<MigrationClients>;
}

/**
 * A migration as preflight found it: what it will do (all JSON-safe, what `ddb-migrate plan`
 * prints) and, in `input` and `facts`, everything {@link applyMigration} acts on.
 */
export interface MigrationPlan {
  /** Identifies the migration: the same key always finds the same state file. */
  key: MigrationKey;
  source: {
    account: string;
    region: string;
    table: string;
    tableArn?: string;
    itemCount: number;
    /** e.g. `pk (partition), sk (sort)`. */
    keySchema: string;
    gsis: number;
    lsis: number;
    billing: string;
    pitr: boolean;
    /** The stream view type, or what migrate will enable. */
    stream: string;
  };
  target: { account: string; region: string; table: string; access: string; exists: boolean };
  bucket: string;
  loadMode: LoadMode;
  cdcMode: string;
  fetchOnChange: boolean;
  /** What migrate will change, in the order of its steps. */
  actions: string[];
  /** Every warning and note (a plan has no errors: those stop preflight). */
  findings: Finding[];
  estimate?: Estimate;
  /** The run a previous migrate of this key left (apply resumes it). */
  resume?: { runId: string; lastStep: string };
  /** The input the plan was made from, options complete. Holds credentials: never print it. */
  input: MigrationInput;
  /** What preflight read (source description, accounts, function, queue, recorded state). */
  facts: PlanFacts;
}

/**
 * Checks everything a migration needs and returns the complete plan; reads only, changes
 * nothing in either account nor in the state directory. Every refusal is a PreflightError naming
 * the problem and the fix (the first blocking finding, with the codes of the others).
 *
 * @throws PreflightError when a check refuses; AwsCallError/MigrationError on faults.
 * @example
 * const plan = await planMigration({
 *   source: { config: { region: 'us-east-1' }, tableName: 'orders' },
 *   target: {
 *     config: { region: 'us-east-1', credentials: assumeRoleCredentials(source, { roleArn }) },
 *     tableName: 'orders',
 *     access: { kind: 'assume-role', roleArn },
 *   },
 *   options: { cdcMode: 'local', stateDir: '.ddb-migrate' },
 * });
 * console.log(plan.loadMode, plan.actions);
 */
export async function planMigration(
  input: PlanMigrationInput,
  deps: PlanMigrationDeps = {},
): Promise<MigrationPlan> {
  const planned: MigrationInput = {
    source: input.source,
    target: input.target,
    options: Object.freeze({ ...DEFAULT_MIGRATION_OPTIONS, ...input.options }),
  };
  const options = engineOptions(planned);
  const { clients, destroy } = openClients(
    { source: input.source.config, target: input.target.config },
    deps.clients,
  );
  try {
    const { facts, findings, actions, estimate } = await runPreflight(
      { options, targetAccess: input.target.access, clients },
      new StateStore(options.stateDir),
    );
    const table = facts.source.table;
    const keys = (table.KeySchema ?? []).map(
      (k) => `${k.AttributeName} (${k.KeyType === 'HASH' ? 'partition' : 'sort'})`,
    );
    return {
      key: keyOf(options, facts),
      source: {
        account: facts.sourceAccountId,
        region: options.sourceRegion,
        table: options.sourceTableName,
        ...(table.TableArn ? { tableArn: table.TableArn } : {}),
        itemCount: Number(table.ItemCount ?? 0),
        keySchema: keys.join(', '),
        gsis: table.GlobalSecondaryIndexes?.length ?? 0,
        lsis: table.LocalSecondaryIndexes?.length ?? 0,
        billing:
          table.BillingModeSummary?.BillingMode ??
          (table.ProvisionedThroughput?.ReadCapacityUnits ? 'PROVISIONED' : 'PAY_PER_REQUEST'),
        pitr: facts.pitrEnabled,
        stream: facts.streamViewType ?? 'none (will enable NEW_AND_OLD_IMAGES)',
      },
      target: {
        account: facts.targetAccountId,
        region: options.targetRegion,
        table: options.targetTableName,
        access: describeAccess(input.target.access),
        exists: facts.targetTable !== undefined,
      },
      bucket: facts.bucket,
      loadMode: facts.loadMode,
      cdcMode: options.cdcMode,
      fetchOnChange: facts.fetchOnChange,
      actions,
      findings,
      ...(estimate ? { estimate } : {}),
      ...(facts.state
        ? { resume: { runId: facts.state.runId, lastStep: lastFinishedStep(facts.state) } }
        : {}),
      input: planned,
      facts,
    };
  } finally {
    destroy();
  }
}

function describeAccess(access: TargetAccess): string {
  if (access.kind === 'assume-role') return `assume ${access.roleArn}`;
  if (access.kind === 'profile') return `profile ${access.profile}`;
  return 'source credentials';
}
