/**
 * The trial store behind a sweep, in the shape of Optuna's storage: a sweep holds trials that move
 * waiting → running → complete | pruned | diverged | failed, with per-epoch values and final
 * metrics. Small and async so that a database (PostgreSQL, issue 9) can implement it as well as
 * the embedded JSONL journal.
 *
 * Rules every implementation keeps:
 *  - `enqueueTrials` is idempotent by `trialId`: enqueuing a known trial changes nothing.
 *  - `claimTrial` moves one waiting trial to running and increments `attempts`; a trial is claimed
 *    by one runner at a time. The returned `attempts` is a fencing token: writes for a trial carry
 *    it and are ignored (or rejected) when the trial has since been claimed again.
 *  - `finishTrial` is durable when its promise resolves; a finished trial never changes again.
 *  - `requeueTrial` returns a running trial to waiting after a failed attempt (crash, error,
 *    timeout) that the runner decided to retry; the reason is kept in `error`.
 */
import type { BackendChoice } from '../../backend/measure';
import type { SweepDefinition } from '../definition';
import type { EpochRecord, RunStatus } from '../../train/record';
import type { TrialRecord, TrialState } from '../record';
import type { TrialSummary } from './trial-summary';
import type { StoreCapabilities } from '../loop/capabilities';

/** The identity and inputs of a trial, without results: what the runner enqueues. */
export type TrialSpec = Pick<TrialRecord, 'trialId' | 'configId' | 'sweepName' | 'arm' | 'index' | 'params' | 'seed' | 'role'>;

/** What a store knows about a sweep. */
export interface SweepInfo {
  name: string;
  /** The definition the sweep was created (or last extended) with. */
  definition: SweepDefinition;
  /** `definitionFingerprint(definition)`. */
  fingerprint: string;
  /** ISO timestamp of creation. */
  createdAt: string;
}

export interface OpenSweepArgs {
  definition: SweepDefinition;
  /** `definitionFingerprint(definition)`, computed by the caller. */
  fingerprint: string;
  /**
   * Accept a definition whose fingerprint differs from the stored one (more budget, more seeds,
   * another range). Without it a changed definition is a {@link SweepDefinitionChangedError}.
   * Default false.
   */
  extend?: boolean;
}

export interface ClaimArgs {
  /** Who claims (host:pid, worker name); kept for diagnostics. */
  workerId?: string;
  /** Claim only among these trials (a shard's slice, or the runner's chosen order). Default: any waiting trial of the sweep. */
  trialIds?: readonly string[];
}

/** How a trial ended. */
export interface TrialResult {
  state: Exclude<TrialState, 'waiting' | 'running'>;
  epochs: EpochRecord[];
  final?: EpochRecord;
  runStatus?: RunStatus;
  divergedAtEpoch?: number;
  /** Why it failed (state 'failed'), or why it diverged (state 'diverged'). */
  error?: string;
  backend?: string;
  /** Training step that ran ('lean' | 'general') and, for 'general', why. */
  trainingPath?: string;
  generalPathReason?: string;
  /** Wall-clock seconds of the last attempt. */
  seconds?: number;
}

export interface TrialStorage {
  /** What this store can do (shared by several processes, heartbeats, fenced writes); the trial loop reads this, never the store's class. Default: see `capabilitiesOf`. */
  readonly capabilities?: StoreCapabilities;
  /**
   * Creates the sweep, or opens it when it exists with the same fingerprint (or any, with
   * `extend`). A single-writer store also returns trials left 'running' by a dead process to
   * 'waiting' here; shared stores rely on heartbeats instead.
   */
  openSweep(args: OpenSweepArgs): Promise<SweepInfo>;
  /** Adds waiting trials; trials whose id is already known are left as they are. */
  enqueueTrials(sweepName: string, trials: readonly TrialSpec[]): Promise<void>;
  /** Moves one waiting trial (the earliest enqueued among `trialIds`, when given) to running; undefined when none is waiting. */
  claimTrial(sweepName: string, args?: ClaimArgs): Promise<TrialRecord | undefined>;
  /** Records one epoch's values of a running trial's attempt `attempt`. Not necessarily durable. */
  recordEpoch(sweepName: string, trialId: string, attempt: number, epoch: EpochRecord): Promise<void>;
  /** Says the attempt is alive (stores that detect dead workers by heartbeat). Optional. */
  heartbeat?(sweepName: string, trialId: string, attempt: number): Promise<void>;
  /** Like `heartbeat`, resolving false when the attempt is no longer the trial's (stale, claimed again): the loop then gives it up. Optional. */
  beat?(sweepName: string, trialId: string, attempt: number): Promise<boolean>;
  /** Like `recordEpoch`, resolving false when the attempt is no longer the trial's. Optional. */
  recordOwnedEpoch?(sweepName: string, trialId: string, attempt: number, epoch: EpochRecord): Promise<boolean>;
  /** Trials of the sweep per state. Optional: the loop falls back to `listTrials`. */
  countTrials?(sweepName: string): Promise<Record<TrialState, number>>;
  /** Returns a running trial's attempt to waiting, to be retried; `reason` is kept in the record's `error`. */
  requeueTrial(sweepName: string, trialId: string, attempt: number, reason: string): Promise<void>;
  /** Ends attempt `attempt` with a final state; durable once resolved. Returns the finished record. */
  finishTrial(sweepName: string, trialId: string, attempt: number, result: TrialResult): Promise<TrialRecord>;
  /** All trials of the sweep (optionally only some states, or only some trial ids), in enqueue order. */
  listTrials(sweepName: string, filter?: { states?: readonly TrialState[]; trialIds?: readonly string[] }): Promise<TrialRecord[]>;
  /**
   * Like `listTrials` without the per-epoch records (each with its `epochCount`): what status, the
   * samplers and a report's tables need, without reading or copying every epoch of every trial.
   * Optional: callers fall back to `listTrials`.
   */
  listTrialSummaries?(sweepName: string, filter?: { states?: readonly TrialState[]; trialIds?: readonly string[] }): Promise<TrialSummary[]>;
  /** Per-epoch records of the given trials only (the curves a report draws); [] for a trial without epochs or an unknown id. Optional. */
  readTrialEpochs?(sweepName: string, trialIds: readonly string[]): Promise<Map<string, EpochRecord[]>>;
  /**
   * Shared stores: fails running trials whose worker stopped heartbeating and re-queues them while
   * attempts remain, so a runner waiting on other workers' trials never waits on a dead one. Optional.
   */
  failStaleTrials?(sweepName: string): Promise<unknown>;
  /** Records the backend this run trains on and why (timings when measured). Optional: stores without it keep only each trial's `backend`. */
  recordBackendChoice?(sweepName: string, choice: BackendChoice): Promise<void>;
  /** Releases files, locks and connections. */
  close(): Promise<void>;
}

/** A sweep exists under this store with a different definition and `extend` was not given. */
export class SweepDefinitionChangedError extends Error {
  /**
   * @param changedFields paths of the definition that differ (empty when unknown).
   * @param remedy what the user can do, said only where it works. Default: `--extend`, or another output folder.
   */
  constructor(
    readonly sweepName: string,
    readonly where: string,
    readonly changedFields: string[],
    readonly remedy = 'use --extend (extend: true) to continue it with the new definition, or another output folder (--out) to start a new sweep',
  ) {
    super(`sweep "${sweepName}" in ${where} was created with a different definition` + (changedFields.length > 0 ? ` (changed: ${changedFields.join(', ')})` : '') + `; ${remedy}`);
    this.name = 'SweepDefinitionChangedError';
  }
}

/** The folder's journal holds another sweep (by name): `--extend` cannot help, only another folder. */
export class SweepNameMismatchError extends Error {
  constructor(readonly sweepName: string, readonly storedName: string, readonly where: string) {
    super(`${where} holds sweep "${storedName}", not "${sweepName}"; give sweep "${sweepName}" its own output folder (--out <dir>), or rename it back to "${storedName}"`);
    this.name = 'SweepNameMismatchError';
  }
}

/** A write referred to an unknown trial, a finished one, or a stale attempt. */
export class TrialStateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TrialStateError';
  }
}
