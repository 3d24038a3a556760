/**
 * A trial without its per-epoch records: identity, parameters, state and final metrics. What
 * `status`, the samplers and the report's tables need, at a few hundred bytes a trial where a
 * full record with every epoch is several KiB. `replaySummaryEvent` replays journal events into
 * summaries exactly as `applyEvent` (journal-format.ts) replays them into full records, so a
 * summary is always the full record of the same journal prefix minus its epochs.
 */
import type { BackendChoice } from '../../backend/measure';
import type { EpochRecord } from '../../train/record';
import type { TrialRecord } from '../record';
import { isFinished, JournalEvent } from './journal-format';
import type { SweepInfo } from './storage';

/** A trial record without `epochs`. */
export interface TrialSummary extends Omit<TrialRecord, 'epochs'> {
  /** Number of epochs the record holds (finished trials) or the running attempt has reported. */
  epochCount: number;
  /** Unfinished trials only: epoch numbers the running attempt reported (a repeated epoch replaces, as in the journal replay). */
  epochNumbers?: number[];
  /**
   * Finished trials only: the best-validation epoch (`bestValidationEpoch`) of the dropped list,
   * its split losses and penalty only. The report's per-trial "best" column reads it, so a report
   * never needs a trial's epochs except to draw its curve.
   */
  bestEpoch?: BestEpoch;
  /**
   * Finished trials whose record has no `final` (pruned and diverged trials, objectives that set
   * none) only: the last epoch of the dropped list, which the report reads as final metrics.
   * `final` itself stays as recorded: samplers read an absent `final` as "no final metrics".
   */
  lastEpoch?: EpochRecord;
}

/** The fields of an epoch a best-epoch snapshot reads (lib/sweep/selection/trial-summary.ts `snapshotOf`). */
export type BestEpoch = Pick<EpochRecord, 'epoch' | 'train' | 'validation' | 'test' | 'penalty'>;

/** The epoch with the lowest finite validation loss (earliest on ties), or undefined. */
export function bestValidationEpoch<T extends Pick<EpochRecord, 'validation'>>(epochs: readonly T[]): T | undefined {
  let best: T | undefined;
  for (const record of epochs) {
    const loss = record.validation?.loss;
    if (loss === undefined || !Number.isFinite(loss)) continue;
    if (best === undefined || loss < (best.validation as { loss: number }).loss) best = record;
  }
  return best;
}

/** Summaries of one journal prefix. */
export interface SummaryState {
  sweep?: SweepInfo;
  /** Trials by id, in first-seen order. */
  trials: Map<string, TrialSummary>;
  /** Backend choices of the runs that wrote this journal, oldest first (as `JournalState.backendChoices`). */
  backendChoices: BackendChoice[];
  /** Lines that did not parse or were not events. */
  skippedLines: number;
}

export function emptySummaryState(): SummaryState {
  return { trials: new Map(), backendChoices: [], skippedLines: 0 };
}

/** The summary of a full record (its epochs counted, not kept). */
export function summarize(record: TrialRecord): TrialSummary {
  const { epochs, ...rest } = record;
  const summary: TrialSummary = { ...rest, epochCount: epochs.length };
  if (!isFinished(record)) {
    summary.epochNumbers = epochs.map((epoch) => epoch.epoch);
    return summary;
  }
  const best = bestValidationEpoch(epochs);
  if (best !== undefined) summary.bestEpoch = { epoch: best.epoch, train: best.train, validation: best.validation, test: best.test, penalty: best.penalty };
  if (record.final === undefined && epochs.length > 0) summary.lastEpoch = epochs[epochs.length - 1];
  return summary;
}

/** Applies one event (mutating the state); mirrors `applyEvent` without keeping epochs. */
export function replaySummaryEvent(state: SummaryState, event: JournalEvent): void {
  switch (event.op) {
    case 'sweep':
      state.sweep = { name: event.name, definition: event.definition, fingerprint: event.fingerprint, createdAt: state.sweep?.createdAt ?? event.at };
      return;
    case 'enqueue':
      if (!state.trials.has(event.trial.trialId)) {
        state.trials.set(event.trial.trialId, { ...event.trial, state: 'waiting', attempts: 0, epochCount: 0, epochNumbers: [] });
      }
      return;
    case 'backend':
      state.backendChoices.push(event.choice);
      return;
    case 'finish': {
      const known = state.trials.get(event.trialId);
      if (known === undefined || !isFinished(known)) state.trials.set(event.trialId, summarize(event.record));
      return;
    }
  }
  const trial = state.trials.get(event.trialId);
  if (trial === undefined || isFinished(trial)) return;
  switch (event.op) {
    case 'claim':
      trial.state = 'running';
      trial.attempts = event.attempt;
      trial.epochNumbers = [];
      trial.epochCount = 0;
      trial.startedAt = event.at;
      return;
    case 'epoch': {
      if (trial.state !== 'running' || trial.attempts !== event.attempt) return;
      const numbers = (trial.epochNumbers ?? []).filter((number) => number !== event.epoch.epoch);
      numbers.push(event.epoch.epoch);
      trial.epochNumbers = numbers;
      trial.epochCount = numbers.length;
      return;
    }
    case 'requeue':
      if (trial.state !== 'running' || trial.attempts !== event.attempt) return;
      trial.state = 'waiting';
      trial.error = event.reason;
      return;
  }
}
