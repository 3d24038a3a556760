/**
 * The end of a sweep run: its summary, read from the store (the truth: other workers may have
 * finished trials of this scope too). The store is read as trial summaries (state, identity,
 * parameters, final and best-epoch metrics, epoch count; no per-epoch lists), so the end of a
 * 100,000-trial sweep costs the store's index, not every epoch of every trial. The full records
 * (per-epoch lists included) are read only when asked for: `readRecords(configIds)` for the few
 * configurations a report draws curves of, or the `records` and `evaluationRecords` fields, which
 * keep the type they always had and read the journal on first access.
 */
import type { EvaluationOutcome } from './evaluation-stage';
import type { SweepSummary } from './events';
import type { TrialRecord } from './record';
import { isFinished } from './storage/journal-format';
import { readJournalFile } from './storage/journal-reader';
import { JournalStorage } from './storage/journal-storage';
import type { TrialStorage } from './storage/storage';
import { summarize, TrialSummary } from './storage/trial-summary';

/** What the run knows at its end; the rest is read from the store. */
export interface ReadSweepSummaryArgs {
  /** The sweep's store, still open. */
  storage: TrialStorage;
  /** True when the run opened the store itself and closes it right after: a journal store's summaries are then read without a copy. */
  ownsStorage?: boolean;
  sweepName: string;
  /** Ids of the selection trials in this run's scope (the shard's, or all), in plan order. */
  scope: readonly string[];
  /** Trials in scope. */
  total: number;
  /** Trials finished by this process in this run. */
  finishedThisRun: number;
  /** True when the run was stopped before finishing. */
  interrupted: boolean;
  /** Seconds the run took. */
  seconds: number;
  /** Where the evaluation on fresh seeds stands, when the run had an evaluation stage that reached a state. */
  evaluation?: EvaluationOutcome;
}

/** The first `"trialId":"..."` of a journal line (every event about a trial names it first). */
const TRIAL_ID_PATTERN = /"trialId":"([^"\\]*)"/;

/**
 * Full records of `trialIds` read back from a journal file, in the order of `trialIds` (unknown or
 * unfinished ones left out): one streamed pass that parses only the lines naming one of them.
 */
function recordsFromJournal(file: string, trialIds: readonly string[]): TrialRecord[] {
  if (trialIds.length === 0) return [];
  const wanted = new Set(trialIds);
  const accept = (line: string): boolean => {
    const match = TRIAL_ID_PATTERN.exec(line);
    return match !== null && wanted.has(match[1]);
  };
  const read = readJournalFile(file, undefined, accept).trials;
  return trialIds.map((id) => read.get(id)).filter((record): record is TrialRecord => record !== undefined && isFinished(record));
}

/**
 * Reads the summary of a sweep run from its store. A journal store (a sweep folder) is read as
 * summaries and its full records only on demand; a store without a journal file (PostgreSQL, a
 * caller's own) is read as full records, as before, since it cannot be read again synchronously.
 */
export async function readSweepSummary(args: ReadSweepSummaryArgs): Promise<SweepSummary> {
  const { storage, sweepName } = args;
  const journal = storage instanceof JournalStorage ? storage.file : undefined;
  let stored: TrialSummary[];
  let eager: Map<string, TrialRecord> | undefined;
  if (journal !== undefined && storage.listTrialSummaries !== undefined) {
    stored = args.ownsStorage && storage instanceof JournalStorage ? await storage.listTrialSummariesUncopied(sweepName) : await storage.listTrialSummaries(sweepName);
  } else {
    const records = await storage.listTrials(sweepName);
    eager = new Map(records.map((record) => [record.trialId, record]));
    stored = records.map(summarize);
  }
  const byId = new Map(stored.map((trial) => [trial.trialId, trial]));
  const trials = args.scope.map((trialId) => byId.get(trialId)).filter((trial): trial is TrialSummary => trial !== undefined && isFinished(trial));
  const evaluationTrials = stored.filter((trial) => trial.role === 'evaluation' && isFinished(trial));

  /** Full records of `trialIds` (finished ones, in that order). */
  const recordsOf = (trialIds: readonly string[]): TrialRecord[] =>
    eager !== undefined
      ? trialIds.map((id) => eager!.get(id)).filter((record): record is TrialRecord => record !== undefined && isFinished(record))
      : recordsFromJournal(journal as string, trialIds);

  const summary = {
    sweepName,
    total: args.total,
    complete: trials.filter((trial) => trial.state === 'complete').length,
    pruned: trials.filter((trial) => trial.state === 'pruned').length,
    diverged: trials.filter((trial) => trial.state === 'diverged').length,
    failed: trials.filter((trial) => trial.state === 'failed').length,
    finishedThisRun: args.finishedThisRun,
    interrupted: args.interrupted,
    seconds: args.seconds,
    trials,
    readRecords: async (configIds?: readonly string[]): Promise<TrialRecord[]> => {
      const wanted = configIds === undefined ? undefined : new Set(configIds);
      const chosen = [...trials, ...(args.evaluation !== undefined ? evaluationTrials : [])].filter((trial) => wanted === undefined || wanted.has(trial.configId));
      return recordsOf(chosen.map((trial) => trial.trialId));
    },
  } as Omit<SweepSummary, 'records'> as SweepSummary;
  lazyField(summary, 'records', () => recordsOf(trials.map((trial) => trial.trialId)));
  if (args.evaluation !== undefined) {
    summary.evaluation = args.evaluation;
    summary.evaluationTrials = evaluationTrials;
    lazyField(summary, 'evaluationRecords', () => recordsOf(evaluationTrials.map((trial) => trial.trialId)));
  }
  return summary;
}

/**
 * Defines `object[key]` as a field computed on first read and kept (enumerable, so spreading or
 * serializing the summary still shows it; writable by assignment like a plain field).
 */
function lazyField<T extends object, K extends keyof T>(object: T, key: K, compute: () => T[K]): void {
  let value: T[K] | undefined;
  let known = false;
  Object.defineProperty(object, key, {
    enumerable: true,
    configurable: true,
    get: () => {
      if (!known) {
        value = compute();
        known = true;
      }
      return value as T[K];
    },
    set: (next: T[K]) => {
      value = next;
      known = true;
    },
  });
}
