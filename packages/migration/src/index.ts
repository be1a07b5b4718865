// Plan (reads only) and apply (steps, state, resume)
export { planMigration } from './plan-migration.js';
export type { MigrationPlan, PlanKey, PlanMigrationDeps, PlanMigrationInput } from './plan-migration.js';
export type { PlanStep, PlanStepName, PlanStepStatus } from './preflight/plan-steps.js';
export { MigrationRefusedError } from './errors.js';
export type { Refusal } from './errors.js';
export { applyMigration } from './apply-migration.js';
export type { ApplyMigrationDeps, MigrationResult } from './apply-migration.js';
export type { MigrationInput, MigrationSide, MigrationTarget } from './migration-input.js';
export { DEFAULT_MIGRATION_OPTIONS } from './migration-options.js';
export type { CdcAccount, CdcMode, LoadMode, MigrationOptions } from './migration-options.js';
export type { MigrationProgress } from './migration-progress.js';
export type { MigrationClients } from './migration-clients.js';
export type { Finding, PlanFacts } from './preflight/preflight-types.js';
export type { Estimate } from './preflight/estimate.js';

// The state file
export { StateStore } from './state/state-store.js';
export { lastFinishedStep } from './state/migration-state.js';
export type { ImportCounts, MigrationKey, MigrationState } from './state/migration-state.js';
export { describeImportCounts } from './steps/import-completeness.js';

// The write-mode loader (also benchmarked on its own)
export { loadExportFiles } from './loader/load-export-files.js';
export type { LoadExportFilesOptions, LoadExportFilesResult } from './loader/load-export-files.js';

// Cutover, rollback and finish
export { planCutover } from './cutover/cutover-plan.js';
export type { CutoverFacts, CutoverPlan, CutoverPlanStep } from './cutover/cutover-plan.js';
export { applyCutover } from './cutover/cutover-apply.js';
export type { ApplyCutoverDeps, CutoverProgress, CutoverResult } from './cutover/cutover-apply.js';
export { abortCutover } from './cutover/cutover-abort.js';
export type { AbortResult } from './cutover/cutover-abort.js';
export { finishMigration } from './cutover/finish-migration.js';
export type { FinishResult } from './cutover/finish-migration.js';
export { DEFAULT_CUTOVER_OPTIONS, openCutoverClients } from './cutover/cutover-input.js';
export type { CutoverClients, CutoverInput, CutoverOptions } from './cutover/cutover-input.js';
export type {
  CutoverDirection,
  CutoverRecord,
  CutoverStatus,
  FenceRecord,
  FreezeRecord,
  ProofRecord,
  ReverseRecord,
  VerifyRecord,
} from './cutover/cutover-state.js';
export { recordVerify } from './cutover/verify-record.js';
export type { VerifiedTables } from './cutover/verify-record.js';
export { FREEZE_SID, freezeStatement, frozenPolicy, hasFreeze } from './cutover/freeze-policy.js';
export type { FreezeSpec } from './cutover/freeze-policy.js';

// Migrating an application: a plan file of several tables
export { AppPlanSchema, AppTableSchema } from './app-plan/app-plan-schema.js';
export type { AppPlan, AppTable } from './app-plan/app-plan-schema.js';
export { PlanFileError, parseAppPlan } from './app-plan/parse-app-plan.js';
export type { PlanFileProblem } from './app-plan/parse-app-plan.js';
export { forEachTable, resolveAppTables } from './app-plan/resolve-tables.js';
export type { ResolvedAppTable, TableOutcome } from './app-plan/resolve-tables.js';
export { abortCutoverSet, cutoverSet, planCutoverSet } from './app-plan/cutover-set.js';
export type {
  CutoverSetDeps,
  CutoverSetMember,
  CutoverSetResult,
  CutoverSetTable,
} from './app-plan/cutover-set.js';
