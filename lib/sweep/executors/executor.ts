/**
 * Executors run trial attempts: in this process, or in a pool of worker processes. They know
 * nothing about storage or sampling: the runner hands them a job and hooks, and gets back the
 * objective's outcome or the reason the attempt failed.
 */
import type { EpochRecord } from '../../train/record';
import type { TrialInput, TrialOutcome } from '../objective';

export interface TrialJob {
  /** Registered objective name. */
  objective: string;
  input: TrialInput;
  /** Stop the attempt after this many seconds (kill its worker). Default: no limit. */
  timeoutSeconds?: number;
}

export interface ExecutionHooks {
  /** Called for each epoch the objective reports; resolves true to prune the trial. */
  onEpoch(epoch: EpochRecord): Promise<boolean>;
}

export type ExecutionResult =
  /** The objective returned. */
  | { kind: 'outcome'; outcome: TrialOutcome; seconds: number }
  /** The attempt failed: the objective threw, its worker crashed, or it timed out. Retryable. */
  | { kind: 'error'; message: string; seconds: number }
  /** The sweep was interrupted: nothing should be recorded for this attempt. */
  | { kind: 'cancelled'; seconds: number };

export interface TrialExecutor {
  /** Attempts it can run at once. */
  readonly slots: number;
  execute(job: TrialJob, hooks: ExecutionHooks): Promise<ExecutionResult>;
  /** Stops every running attempt; their `execute` promises resolve with kind 'cancelled'. */
  cancelAll(): void;
  /** Releases workers. */
  close(): Promise<void>;
}

/** Text of anything thrown. */
export function errorText(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}
