/**
 * Executors run trial attempts: in this process, or in a pool of worker processes. They know
 * nothing about storage or sampling: the runner hands them a job and hooks, and gets back the
 * objective's outcome or the reason the attempt failed.
 */
import type { EpochRecord } from '../../train/record';
import type { TrialInput, TrialOutcome } from '../objective';
import type { TrialResult } from '../storage/storage';

export interface TrialJob {
  /** Registered objective name. */
  objective: string;
  input: TrialInput;
  /**
   * Stop the attempt (kill its worker) once it has run this many seconds, counting its running time
   * only: not the time it waits for the loop's answer to an epoch (recording it, then the pruning
   * gate, which may wait for earlier trials). Default: no limit.
   */
  timeoutSeconds?: number;
  /** See {@link PopulationJob.epochAnswers}. */
  epochAnswers?: EpochAnswers;
}

/**
 * Whether the objective waits for the loop's answer to each epoch it reports. 'wait' (the
 * default): each epoch is recorded and put through the pruning gate before training goes on, so a
 * prune takes effect at once. 'none': the loop can never stop the trial at an epoch (no pruner),
 * so a worker process reports its epochs and trains on without a round trip per epoch; the
 * executor still hands the epochs to the loop in order, each before the trial's end.
 */
export type EpochAnswers = 'wait' | 'none';

export interface ExecutionHooks {
  /** Called for each epoch the objective reports; resolves true to prune the trial. */
  onEpoch(epoch: EpochRecord): Promise<boolean>;
  /**
   * Aborting cancels this attempt alone (its lease was lost, or the worker stops): `execute`
   * resolves with kind 'cancelled' once the attempt no longer runs (its worker killed, or its
   * in-process objective ended). Optional.
   */
  signal?: AbortSignal;
}

export type ExecutionResult =
  /** The objective returned. */
  | { kind: 'outcome'; outcome: TrialOutcome; seconds: number }
  /** The attempt produced the trial's final result itself (a worker objective of `runWorker`). */
  | { kind: 'result'; result: TrialResult; seconds: number }
  /**
   * The attempt failed: the objective threw, its worker crashed, or it timed out. Retried unless
   * `retryable` is false (a configuration or shape error: the same input fails the same way).
   */
  | { kind: 'error'; message: string; seconds: number; retryable?: boolean }
  /** The sweep was interrupted: nothing should be recorded for this attempt. */
  | { kind: 'cancelled'; seconds: number };

/** Several trials trained as one computation (the objective's `runPopulation`), each member an attempt of its own trial. */
export interface PopulationJob {
  /** Registered objective name. */
  objective: string;
  /** The members, in the plan's order (equal `populationKey`s). */
  inputs: TrialInput[];
  /** Stop the whole job this many seconds after its start, its members' waits for epochs' answers included. Default: no limit. */
  timeoutSeconds?: number;
  /**
   * 'none' when no member can be pruned: a worker process then sends each member's epochs without
   * waiting for an answer (a population of 6 members and 60 epochs saves 360 round trips between
   * processes). Default 'wait'.
   */
  epochAnswers?: EpochAnswers;
}

/** How one member ended: its outcome, or the error that failed it alone. */
export type MemberResult = Extract<ExecutionResult, { kind: 'outcome' } | { kind: 'error' }>;

export interface PopulationHooks {
  /** Called for each epoch of `member` (an index into `inputs`); resolves true to prune that member alone. */
  onEpoch(member: number, epoch: EpochRecord): Promise<boolean>;
  /** Called once per member as soon as it stops; the job waits for it (the loop makes the member durable first). */
  onMemberFinished(member: number, result: MemberResult): Promise<void>;
  /** Aborting cancels the whole job: `executePopulation` resolves with kind 'cancelled' once the job no longer runs. Optional. */
  signal?: AbortSignal;
}

/**
 * How a population job ended as a whole. 'done': every member was reported through
 * `onMemberFinished`. 'error': the job failed (the objective threw, the worker crashed, it timed
 * out); members not yet reported failed with it. 'cancelled': stopped; members not yet reported
 * are not recorded.
 */
export type PopulationExecutionResult = { kind: 'done'; seconds: number } | Extract<ExecutionResult, { kind: 'error' } | { kind: 'cancelled' }>;

export interface TrialExecutor {
  /** Attempts it can run at once. */
  readonly slots: number;
  execute(job: TrialJob, hooks: ExecutionHooks): Promise<ExecutionResult>;
  /** Runs a population job (one slot for all its members). Optional: executors without it train every trial alone. */
  executePopulation?(job: PopulationJob, hooks: PopulationHooks): Promise<PopulationExecutionResult>;
  /** Stops every running attempt; their `execute` promises resolve with kind 'cancelled' once they no longer run. */
  cancelAll(): void;
  /** Releases workers. */
  close(): Promise<void>;
}

/** Error classes that mean "this input can never succeed": retrying them only doubles the failures. */
const NON_RETRYABLE_NAMES = new Set(['LayerwiseConfigError', 'DataFormatError', 'NonRetryableTrialError']);

/**
 * False for errors that fail the same way on every attempt: configuration errors (bad values,
 * shapes that do not fit), data format errors, and anything marked `retryable: false`. Judged by
 * the error's name, so it holds across module copies and realms. Crashes, timeouts and other
 * errors stay retryable.
 */
export function isRetryableError(error: unknown): boolean {
  if (error === null || typeof error !== 'object') return true;
  if ((error as { retryable?: unknown }).retryable === false) return false;
  return !NON_RETRYABLE_NAMES.has(String((error as { name?: unknown }).name));
}

/** Thrown by an objective for a failure that retrying cannot fix (the runner fails the trial at once). */
export class NonRetryableTrialError extends Error {
  readonly retryable = false;
  constructor(message: string) {
    super(message);
    this.name = 'NonRetryableTrialError';
  }
}

/** Text of anything thrown. */
export function errorText(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}
