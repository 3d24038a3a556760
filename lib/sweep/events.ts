/** Events a running sweep emits. The library never prints; the CLI's progress view renders these. */
import type { BackendChoice } from '../backend/measure';
import type { EpochRecord } from '../train/record';
import type { ArmName, TrialRecord } from './record';
import type { Shard } from './plan';
import type { EvaluationOutcome } from './evaluation-stage';
import type { TrialSummary as StoredTrialSummary } from './storage/trial-summary';

export type SweepEvent =
  | {
      type: 'start';
      sweepName: string;
      /** Trials in this run's scope (the shard's, or all). */
      total: number;
      /** Of those, already finished by earlier runs (resumed). */
      alreadyFinished: number;
      /** Finished counts per state among those, for the progress line. */
      finishedRecords: TrialRecord[];
      slots: number;
      shard?: Shard;
      journal?: string;
      at: number;
    }
  | { type: 'trial-start'; trialId: string; arm: ArmName; index: number; seed: number; attempt: number; at: number }
  | { type: 'trial-epoch'; trialId: string; arm: ArmName; epoch: EpochRecord; pruned: boolean; at: number }
  | { type: 'trial-retry'; trialId: string; arm: ArmName; attempt: number; reason: string; at: number }
  | {
      type: 'trial-finish';
      record: TrialRecord;
      /** True when another worker of a shared store ran the trial (this run only saw its result). */
      elsewhere?: boolean;
      at: number;
    }
  | { type: 'interrupted'; running: number; at: number }
  /** The backend every trial of this run trains on and why (before the first trial). */
  | { type: 'backend'; choice: BackendChoice; at: number }
  /** The evaluation stage's state after selection: queued fresh-seed trials, or why it stopped (outcome.status). */
  | { type: 'evaluation'; outcome: EvaluationOutcome; queued: number; at: number }
  | { type: 'end'; summary: SweepSummary; at: number };

export interface SweepSummary {
  sweepName: string;
  /** Trials in scope. */
  total: number;
  /** Finished trials in scope, by state. */
  complete: number;
  pruned: number;
  diverged: number;
  failed: number;
  /** Trials finished by this process in this run (not counting other workers' trials). */
  finishedThisRun: number;
  /** True when stopped by the signal before finishing. */
  interrupted: boolean;
  seconds: number;
  /**
   * Finished trials in scope (selection trials), in plan order, as the store summarizes them:
   * state, identity, parameters, final and best-epoch metrics, epoch count, no per-epoch lists.
   * What the end of a sweep reads (the store's index for a sweep folder), whatever its size.
   */
  trials: StoredTrialSummary[];
  /**
   * Full records (per-epoch lists included) of the finished trials of `trials` (and, with
   * `evaluation`, of `evaluationTrials`) whose configuration is one of `configIds`, or of all of
   * them: e.g. the few configurations a report draws learning curves of.
   */
  readRecords(configIds?: readonly string[]): Promise<TrialRecord[]>;
  /**
   * Finished records in scope (selection trials), per-epoch lists included. For a sweep folder they
   * are read from the journal on first access (one streamed pass; at 100,000 trials that is every
   * epoch of every trial: prefer `trials` and `readRecords`); a store without a journal file
   * (PostgreSQL) is read as full records at the end, as before.
   */
  records: TrialRecord[];
  /** Where the evaluation on fresh seeds stands (definitions with `evaluation`, unsharded runs): decided at how many seeds, and why it stopped. */
  evaluation?: EvaluationOutcome;
  /** Finished evaluation trials (role 'evaluation') as summaries, with `evaluation`. */
  evaluationTrials?: StoredTrialSummary[];
  /** Finished evaluation trials (role 'evaluation') as full records, with `evaluation`; read on first access like `records`. */
  evaluationRecords?: TrialRecord[];
}
