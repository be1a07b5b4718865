import type { TargetAccess } from '@ddb-migrate/core';
import { type MigrationClients, openClients } from './migration-clients.js';
import {
  engineOptions,
  type MigrationInput,
  type MigrationSide,
  type MigrationTarget,
} from './migration-input.js';
import {
  type CdcAccount,
  type CdcMode,
  DEFAULT_MIGRATION_OPTIONS,
  type LoadMode,
  type MigrationOptions,
} from './migration-options.js';
import type { Estimate } from './preflight/estimate.js';
import type { PlanStep } from './preflight/plan-steps.js';
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
    sizeBytes: number;
    /** The key attributes, partition key first. */
    keys: PlanKey[];
    gsis: number;
    lsis: number;
    billing: 'PROVISIONED' | 'PAY_PER_REQUEST';
    pitr: boolean;
    /** The table's stream now; absent when it has none (the stream step enables one). */
    stream?: { arn: string; viewType: string };
  };
  target: {
    account: string;
    region: string;
    table: string;
    /** How the target's credentials are obtained (no secrets). */
    access: TargetAccess;
    /** The target table exists now. */
    exists: boolean;
  };
  bucket: string;
  loadMode: LoadMode;
  cdcMode: CdcMode;
  /** lambda mode: the account of the CDC function, its queue and mapping. */
  cdcAccount: CdcAccount;
  fetchOnChange: boolean;
  /**
   * Every step in the order migrate runs them, each with its status: what a previous run recorded
   * as done, what it left to resume, what is still to do.
   */
  steps: PlanStep[];
  /** Every warning and note (a plan has no errors: those stop preflight), each with its code. */
  findings: Finding[];
  estimate?: Estimate;
  /** The run a previous migrate of this key left (apply resumes it). */
  resume?: { runId: string; lastStep: string; stateFile: string };
  /** The input the plan was made from, options complete. Holds credentials: never print it. */
  input: MigrationInput;
  /** What preflight read (source description, accounts, function, queue, recorded state). */
  facts: PlanFacts;
}

/** One key attribute of the source table. */
export interface PlanKey {
  name: string;
  /** S, N or B. */
  type: string;
  role: 'partition' | 'sort';
}

/**
 * Checks everything a migration needs and returns the complete plan; reads only, changes
 * nothing in either account nor in the state directory. On resume the plan starts from the state
 * file (steps done, steps left) after checking that what it records still exists. A refusal is a
 * MigrationRefusedError naming every blocking problem, each with its fix.
 *
 * @throws MigrationRefusedError (a PreflightError) when a check refuses; AwsCallError/MigrationError on faults.
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
 * console.log(plan.loadMode, plan.steps.filter((s) => s.status === 'todo'));
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
    const store = new StateStore(options.stateDir);
    const { facts, findings, steps, estimate } = await runPreflight(
      { options, targetAccess: input.target.access, clients },
      store,
    );
    const table = facts.source.table;
    const keys: PlanKey[] = (table.KeySchema ?? []).map((k) => ({
      name: k.AttributeName ?? '',
      type: table.AttributeDefinitions?.find((a) => a.AttributeName === k.AttributeName)?.AttributeType ?? '',
      role: k.KeyType === 'HASH' ? 'partition' : 'sort',
    }));
    const key = keyOf(options, facts);
    return {
      key,
      source: {
        account: facts.sourceAccountId,
        region: options.sourceRegion,
        table: options.sourceTableName,
        ...(table.TableArn ? { tableArn: table.TableArn } : {}),
        itemCount: Number(table.ItemCount ?? 0),
        sizeBytes: Number(table.TableSizeBytes ?? 0),
        keys,
        gsis: table.GlobalSecondaryIndexes?.length ?? 0,
        lsis: table.LocalSecondaryIndexes?.length ?? 0,
        billing:
          table.BillingModeSummary?.BillingMode === 'PROVISIONED' ||
          (!table.BillingModeSummary?.BillingMode && table.ProvisionedThroughput?.ReadCapacityUnits)
            ? 'PROVISIONED'
            : 'PAY_PER_REQUEST',
        pitr: facts.pitrEnabled,
        ...(facts.streamArn
          ? { stream: { arn: facts.streamArn, viewType: facts.streamViewType ?? 'NEW_AND_OLD_IMAGES' } }
          : {}),
      },
      target: {
        account: facts.targetAccountId,
        region: options.targetRegion,
        table: options.targetTableName,
        access: { ...input.target.access },
        exists: facts.targetTable !== undefined,
      },
      bucket: facts.bucket,
      loadMode: facts.loadMode,
      cdcMode: options.cdcMode,
      cdcAccount: options.cdcAccount,
      fetchOnChange: facts.fetchOnChange,
      steps,
      findings,
      ...(estimate ? { estimate } : {}),
      ...(facts.state
        ? {
            resume: {
              runId: facts.state.runId,
              lastStep: lastFinishedStep(facts.state),
              stateFile: store.pathFor(key),
            },
          }
        : {}),
      input: planned,
      facts,
    };
  } finally {
    destroy();
  }
}
