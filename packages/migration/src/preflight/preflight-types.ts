import type { TableDescription } from '@aws-sdk/client-dynamodb';
import type { SourceTableInfo, TargetAccess } from '@ddb-migrate/core';
import { type ErrorCode, sdkErrorName } from '@ddb-migrate/core';
import type { MigrationClients } from '../migration-clients.js';
import type { EngineOptions } from '../migration-input.js';
import type { LoadMode } from '../migration-options.js';
import type { MigrationState } from '../state/migration-state.js';
import type { Estimate } from './estimate.js';

/** One result of a preflight check. Errors block the migration; warnings and infos are printed. */
export interface Finding {
  level: 'error' | 'warning' | 'info';
  /** Stable code, e.g. PITR_DISABLED; a refusal's is one of core's error codes. */
  code: string;
  message: string;
  /** How to fix it (errors) or what it means (warnings). */
  fix?: string;
}

/** A finding that refuses the migration: its code is one of core's {@link ErrorCode}s. */
export interface RefusalFinding extends Finding {
  level: 'error';
  code: ErrorCode;
  fix: string;
}

/** True for the findings that refuse the migration. */
export const isRefusal = (finding: Finding): finding is RefusalFinding => finding.level === 'error';

/** What preflight is learning; later checks build on earlier ones. All reads, no writes. */
export interface PreflightFacts {
  sourceAccountId?: string;
  sourceCallerArn?: string;
  targetAccountId?: string;
  targetCallerArn?: string;
  source?: SourceTableInfo;
  pitrEnabled?: boolean;
  streamArn?: string;
  streamViewType?: string;
  /** CDC must read the source item for each change (existing KEYS_ONLY / OLD_IMAGE stream). */
  fetchOnChange?: boolean;
  targetTable?: TableDescription;
  loadMode?: LoadMode;
  /** The recorded (incomplete) import is replaced by a write-mode load (--load-mode write). */
  replaceLoad?: boolean;
  bucket?: string;
  functionArn?: string;
  functionEnv?: Record<string, string>;
  /** Lambda mode: the CDC function's execution role (the principal of the stream policy in the target layout). */
  functionRoleArn?: string;
  dlqUrl?: string;
  dlqArn?: string;
  /** Lambda mode: the event source mapping the state records no longer exists (apply makes a new one). */
  recordedMappingGone?: boolean;
  /** The target is the source table itself: target checks are skipped (the refusal says why). */
  targetIsSource?: boolean;
  estimate?: Estimate;
  /** A previous run's state for the same key (resume). */
  state?: MigrationState;
}

/**
 * What preflight found, complete once every check passed: what the steps act on. The optional
 * fields are the ones that may truly be absent (no stream yet, no target table, no CDC function
 * in local mode, no previous run).
 */
export interface PlanFacts {
  sourceAccountId: string;
  sourceCallerArn?: string;
  targetAccountId: string;
  targetCallerArn?: string;
  source: SourceTableInfo;
  pitrEnabled: boolean;
  /** The source's stream now; absent when migrate enables one. */
  streamArn?: string;
  streamViewType?: string;
  /** CDC must read the source item for each change (existing KEYS_ONLY / OLD_IMAGE stream). */
  fetchOnChange: boolean;
  /** The existing (empty, key-compatible) target table; absent when migrate creates it. */
  targetTable?: TableDescription;
  loadMode: LoadMode;
  /** The recorded (incomplete) import is replaced by a write-mode load (--load-mode write). */
  replaceLoad: boolean;
  bucket: string;
  /** Lambda mode: the CDC function, its environment and its dead-letter queue. */
  functionArn?: string;
  functionEnv?: Record<string, string>;
  dlqUrl?: string;
  dlqArn?: string;
  /** Lambda mode: the event source mapping the state records no longer exists (apply makes a new one). */
  recordedMappingGone: boolean;
  /** A previous run's state for the same key (resume). */
  state?: MigrationState;
}

/** Everything a check may use. */
export interface PreflightContext {
  options: Readonly<EngineOptions>;
  targetAccess: TargetAccess;
  clients: MigrationClients;
  facts: PreflightFacts;
  /** Loads the saved state once the accounts are known. */
  loadState(facts: PreflightFacts): Promise<MigrationState | undefined>;
}

/** A preflight check: reads, records facts, returns findings. Never changes anything. */
export type PreflightCheck = (ctx: PreflightContext) => Promise<Finding[]>;

export const error = (code: ErrorCode, message: string, fix: string): RefusalFinding => ({
  level: 'error',
  code,
  message,
  fix,
});
export const warning = (code: string, message: string, fix?: string): Finding => ({
  level: 'warning',
  code,
  message,
  ...(fix === undefined ? {} : { fix }),
});
export const info = (code: string, message: string): Finding => ({ level: 'info', code, message });

/** True for the ways AWS (and stand-ins) say "not allowed". */
export function isAccessDenied(err: unknown): boolean {
  const name = sdkErrorName(err) ?? '';
  const status = (err as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
  return status === 403 || /AccessDenied|UnauthorizedOperation|Forbidden|NotAuthorized/i.test(name);
}
