/**
 * What the CLI commands need from the rest of the library, gathered in one place so commands stay
 * thin and tests can substitute them.
 */
import type { CheckCommandDependencies } from './check';
import type { ReportCommandDependencies } from './report';
import type { WorkerCommandDependencies } from './worker';
import { isPostgresUrl, readStoredSweep } from '../sweep/postgres';
import { openPostgresStore } from '../sweep/postgres/open';
import { workerObjectiveFor } from '../sweep/postgres/registry-objective';
import { loadTrials as loadJournalTrials, readSweepSummaries, readTrialEpochs } from '../sweep/storage/sweep-directory';
import { isFinished } from '../sweep/storage/journal-format';
import type { TrialSummary as StoredTrialSummary } from '../sweep/storage/trial-summary';
import type { TrialRecord } from '../sweep/record';
import type { EvaluationDefinition } from '../sweep/definition';
import type { EpochRecord } from '../train/record';
import { summarizeTrial, TrialSummary } from '../report/trial-summary';
import { initBackend } from '../backend';
import { gateNames, runGate } from '../check/gates';

export interface CliDependencies extends CheckCommandDependencies, ReportCommandDependencies, WorkerCommandDependencies {
  write: (text: string) => void;
  writeError: (text: string) => void;
}

/**
 * Reads a sweep's trials from a sweep folder (its journals, shards included) or, for a
 * `postgres://` location written `postgres://.../db#sweep-name`, from the shared store (kept for
 * compatibility; `--storage URL --sweep NAME` is the documented form).
 */
export async function loadTrialsFrom(location: string): Promise<TrialRecord[]> {
  if (!isPostgresUrl(location)) return loadJournalTrials(location);
  const hash = location.lastIndexOf('#');
  if (hash < 0) throw new Error('a postgres location needs the sweep name after "#", e.g. postgres://host/db#my-sweep; or use --storage URL --sweep NAME');
  return loadStoredTrials(location.slice(0, hash), decodeURIComponent(location.slice(hash + 1)));
}

/** Every trial of sweep `sweepName` in the PostgreSQL store at `url` (`--storage URL --sweep NAME`). */
export async function loadStoredTrials(url: string, sweepName: string): Promise<TrialRecord[]> {
  return (await readStoredSweep(url, sweepName)).trials;
}

/** What a report of a large sweep reads: every trial summarized, full records of a few configurations on demand. */
export interface SummarizedSweep {
  trials: TrialSummary[];
  /** The stored definition's evaluation rule (fresh seeds until decisive), when it has one: the report replays it. */
  evaluation?: EvaluationDefinition;
  /** Finished records, per-epoch lists included, of the trials of `configIds` (curves, TensorBoard). */
  loadEpochRecords(configIds: string[]): Promise<TrialRecord[]>;
}

/**
 * The report's view of a store's summaries (no per-epoch data): epochs are fetched by
 * `readEpochs` only for the finished trials of the configurations asked for.
 */
function summarizedSweep(stored: readonly StoredTrialSummary[], readEpochs: (trialIds: string[]) => Promise<Map<string, EpochRecord[]>>): SummarizedSweep {
  return {
    trials: stored.map(summarizeTrial),
    loadEpochRecords: async (configIds) => {
      const wanted = new Set(configIds);
      const chosen = stored.filter((trial) => wanted.has(trial.configId) && isFinished(trial));
      if (chosen.length === 0) return [];
      const epochs = await readEpochs(chosen.map((trial) => trial.trialId));
      return chosen.map(({ epochCount: _count, epochNumbers: _numbers, bestEpoch: _best, lastEpoch: _last, ...record }) => ({ ...record, epochs: epochs.get(record.trialId) ?? [] }));
    },
  };
}

/** Sweep `sweepName` of the PostgreSQL store at `url` as summaries (`listTrialSummaries`), epochs read per configuration. */
export async function loadStoredTrialSummaries(url: string, sweepName: string): Promise<SummarizedSweep> {
  const store = await openPostgresStore(url);
  let stored: StoredTrialSummary[];
  let evaluation: EvaluationDefinition | undefined;
  try {
    stored = await store.listTrialSummaries(sweepName);
    // The rule the sweep ran its evaluation with, so the report replays it.
    evaluation = (await store.findSweep(sweepName))?.definition.evaluation;
  } finally {
    await store.close();
  }
  const summarized = summarizedSweep(stored, async (trialIds) => {
    const reader = await openPostgresStore(url);
    try {
      return await reader.readTrialEpochs(sweepName, trialIds);
    } finally {
      await reader.close();
    }
  });
  return evaluation === undefined ? summarized : { ...summarized, evaluation };
}

/**
 * A sweep folder read through its journals' indexes (`readSweepSummaries`: no journal line
 * re-parsed that the index covers), per-epoch records read again only for the configurations
 * asked for (`readTrialEpochs`); a `postgres://...#sweep` location through the store's summaries.
 */
export async function loadTrialSummaries(location: string): Promise<SummarizedSweep> {
  if (isPostgresUrl(location)) {
    const hash = location.lastIndexOf('#');
    if (hash < 0) throw new Error('a postgres location needs the sweep name after "#", e.g. postgres://host/db#my-sweep; or use --storage URL --sweep NAME');
    return loadStoredTrialSummaries(location.slice(0, hash), decodeURIComponent(location.slice(hash + 1)));
  }
  const read = readSweepSummaries(location);
  const summarized = summarizedSweep(read.trials, async (trialIds) => readTrialEpochs(location, trialIds));
  // The rule the sweep ran its evaluation with (the last journal's definition that has one).
  const evaluation = [...read.sweeps].reverse().find((sweep) => sweep?.definition.evaluation !== undefined)?.definition.evaluation;
  return evaluation === undefined ? summarized : { ...summarized, evaluation };
}

export function cliDependencies(): CliDependencies {
  return {
    loadTrials: loadTrialsFrom,
    loadTrialSummaries,
    loadStoredTrials,
    loadStoredTrialSummaries,
    resolveObjective: (definition, objectiveModules, options) => workerObjectiveFor(definition, objectiveModules, options),
    gateNames,
    runGate: async (name, onProgress) => {
      await initBackend();
      return runGate(name, onProgress);
    },
    write: (text) => process.stdout.write(text),
    writeError: (text) => process.stderr.write(text),
  };
}
