/**
 * What cutover, rollback and finish record in the migration's state file. Every side effect is
 * recorded before it is made (write-ahead) and marked done after, so a crash at any point leaves a
 * state that says what is in force (a freeze above all) and a re-run goes on from there.
 */

/** Which way a cutover moves the application: `forward` (cutover) or `back` (rollback). */
export type CutoverDirection = 'forward' | 'back';

/** The steps of a cutover, in order; `status` is the last one reached. */
export type CutoverStatus =
  | 'freezing'
  | 'frozen'
  | 'fencing'
  | 'fenced'
  | 'proving'
  | 'proved'
  | 'switched'
  | 'aborted';

/** How writes on the table being left were stopped. */
export interface FreezeRecord {
  /** `policy`: a Deny statement in the table's resource policy; `none`: the owner stopped the writers. */
  mode: 'policy' | 'none';
  /** The frozen table's ARN (the side being left). */
  tableArn?: string;
  /**
   * The table's policy before the freeze, as GetResourcePolicy returned it (`null`: there was
   * none). Recorded before the freeze is put, and put back verbatim when the freeze is lifted.
   */
  originalPolicy?: string | null;
  /** RevisionId of the policy the freeze replaced (`NO_POLICY` when none). */
  originalRevisionId?: string;
  /** The principal patterns exempt from the freeze (aws:PrincipalArn). */
  exempt?: string[];
  /** RevisionId PutResourcePolicy returned for the freeze. */
  revisionId?: string;
  /** ISO time PutResourcePolicy answered. */
  appliedAt?: string;
  /**
   * What the probe showed: `refused` (a write by a non-exempt principal was denied),
   * `not-enforced` (the endpoint stores policies but enforces none: a stand-in), `unverified`
   * (no probe principal given; waited the settle time instead).
   */
  probe?: 'refused' | 'not-enforced' | 'unverified';
  /** ISO time the freeze was known (or assumed, after the settle time) to be in force. */
  inForceAt?: string;
  /** ISO time the freeze was lifted (abort, rollback, finish). */
  liftedAt?: string;
}

/** The marker written through CDC after the freeze. */
export interface FenceRecord {
  /** The marker's key, DynamoDB JSON. */
  key: Record<string, unknown>;
  /** Unique per attempt: the target holds this exact token once CDC delivered the marker. */
  token: string;
  writtenAt?: string;
  /** ISO time the marker was read on the other side: every earlier write has arrived. */
  seenAt?: string;
  /** ISO time the marker's delete was seen on the other side too. */
  removedAt?: string;
}

/** The proof after the fence. */
export interface ProofRecord {
  mode: 'changed' | 'full';
  /** Keys compared (changed) or items scanned on the source (full). */
  checked: number;
  differences: number;
  /** Where the differences were written (NDJSON), when any. */
  report?: string;
  at: string;
}

/** Replication in the other direction, so the table left behind stays current. */
export interface ReverseRecord {
  /** The stream of the table switched to (its changes go back). */
  streamArn?: string;
  enabledByUs?: boolean;
  /** ISO time the stream was found or enabled: reverse replication reads it from TRIM_HORIZON. */
  enabledAt?: string;
  /** The local runner's checkpoint file of reverse replication. */
  checkpointFile?: string;
  /** ISO time reverse replication last ran. */
  lastRunAt?: string;
  /** Records applied so far. */
  applied?: number;
}

/** One cutover (or rollback) of a migration. */
export interface CutoverRecord {
  direction: CutoverDirection;
  status: CutoverStatus;
  startedAt: string;
  freeze: FreezeRecord;
  fence?: FenceRecord;
  /**
   * Replication of this direction stopped after the proof (lambda: the mapping disabled by us;
   * `inFlightDoneAt`: it was Disabled and the function's timeout had passed).
   */
  cdcStopped?: { at: string; mappingDisabled: boolean; inFlightDoneAt?: string };
  proof?: ProofRecord;
  /** The moment from which the side switched to is the source of truth. */
  switchedAt?: string;
  hook?: { command: string; exitCode: number | null; at: string };
  reverse?: ReverseRecord;
  abortedAt?: string;
}

/** The last verify of the migration's tables that ran with this state dir. */
export interface VerifyRecord {
  startedAt: string;
  finishedAt: string;
  /** Confirmed differences (0: clean). */
  differences: number;
  sourceScanned: number;
  /** True for a full verify (no sample, no segment range): only such a run counts for cutover. */
  complete: boolean;
}

/** What `finish` did. */
export interface FinishRecord {
  at: string;
  removed: string[];
}
