/**
 * What the CLI commands need from the rest of the library, gathered in one place so commands stay
 * thin and tests can substitute them.
 */
import type { CheckCommandDependencies } from './check';
import type { ReportCommandDependencies } from './report';
import type { WorkerCommandDependencies } from './worker';
// The PostgreSQL store (pg, pg-boss), the objectives (tfjs) and the gates are loaded by the
// functions that use them, so that a command reading a sweep folder never loads them.
import { isPostgresUrl } from '../sweep/postgres/storage-url';
import { loadTrials as loadJournalTrials, readSweepSummaries, readTrialRecords } from '../sweep/storage/sweep-directory';
import { isFinished } from '../sweep/storage/journal-format';
import type { TrialSummary as StoredTrialSummary } from '../sweep/storage/trial-summary';
import type { TrialRecord } from '../sweep/record';
import type { EvaluationDefinition } from '../sweep/definition';
import type { EpochRecord } from '../train/record';
import type { BackendChoice } from '../backend/measure';
import { summarizeTrial, TrialSummary } from '../sweep/selection/trial-summary';

/** The PostgreSQL entry points, loaded on first use. */
function postgres(): typeof import('../sweep/postgres/open') {
  return require('../sweep/postgres/open') as typeof import('../sweep/postgres/open');
}

/** The gate experiments (they load the sweep runner and tfjs), loaded on first use. */
function gates(): typeof import('../check/gates') {
  return require('../check/gates') as typeof import('../check/gates');
}

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
  return (await postgres().readStoredSweep(url, sweepName)).trials;
}

/** What a report of a large sweep reads: every trial summarized, full records of a few configurations on demand. */
export interface SummarizedSweep {
  trials: TrialSummary[];
  /** The stored definition's evaluation rule (fresh seeds until decisive), when it has one: the report replays it. */
  evaluation?: EvaluationDefinition;
  /** The backend choices the runs recorded (journal `backend` events), when the store keeps them. */
  backendChoices?: BackendChoice[];
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
  const store = await postgres().openPostgresStore(url);
  let stored: StoredTrialSummary[];
  let evaluation: EvaluationDefinition | undefined;
  let backendChoices: BackendChoice[];
  try {
    stored = await store.listTrialSummaries(sweepName);
    backendChoices = await store.listBackendChoices(sweepName);
    // The rule the sweep ran its evaluation with, so the report replays it.
    evaluation = (await store.findSweep(sweepName))?.definition.evaluation;
  } finally {
    await store.close();
  }
  const summarized = summarizedSweep(stored, async (trialIds) => {
    const reader = await postgres().openPostgresStore(url);
    try {
      return await reader.readTrialEpochs(sweepName, trialIds);
    } finally {
      await reader.close();
    }
  });
  return { ...summarized, backendChoices, ...(evaluation === undefined ? {} : { evaluation }) };
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
  const folder = summarizedFolder(location);
  // The rule the sweep ran its evaluation with (the last journal's definition that has one).
  const evaluation = [...folder.sweeps].reverse().find((sweep) => sweep?.definition.evaluation !== undefined)?.definition.evaluation;
  return { trials: folder.trials, loadEpochRecords: folder.loadEpochRecords, backendChoices: folder.backendChoices, ...(evaluation === undefined ? {} : { evaluation }) };
}

/**
 * A sweep folder as the report reads it. Each stored summary is replaced by the report's summary
 * of it as it is read (both are never held for 100,000 trials at once); all that is kept of the
 * stored ones is which finished trials each configuration has, so that `loadEpochRecords` reads
 * their full records (epochs included) from the journals.
 */
function summarizedFolder(location: string): SummarizedSweep & { sweeps: ReturnType<typeof readSweepSummaries>['sweeps']; backendChoices: BackendChoice[] } {
  // Values repeated over 100,000 trials are held once: each JSON.parse made its own copy.
  const strings = new Map<string, string>();
  const intern = (text: string | undefined): string | undefined => {
    if (text === undefined) return undefined;
    const known = strings.get(text);
    if (known !== undefined) return known;
    strings.set(text, text);
    return text;
  };
  // A configuration's trials share its parameters (the configId is their hash).
  const paramsByConfig = new Map<string, StoredTrialSummary['params']>();
  const reportSummary = (stored: StoredTrialSummary): TrialSummary => {
    stored.configId = intern(stored.configId)!;
    stored.sweepName = intern(stored.sweepName)!;
    stored.arm = intern(stored.arm)!;
    if (stored.backend !== undefined) stored.backend = intern(stored.backend);
    if (stored.trainingPath !== undefined) stored.trainingPath = intern(stored.trainingPath);
    const params = paramsByConfig.get(stored.configId);
    if (params === undefined) paramsByConfig.set(stored.configId, stored.params);
    else stored.params = params;
    return summarizeTrial(stored);
  };
  // Finished trials become the report's summaries as the index yields them (the stored summaries
  // of 100,000 trials are never all held at once); the rest once the read is done.
  const read = readSweepSummaries(location, { mapFinished: (stored) => reportSummary(stored) as unknown as StoredTrialSummary });
  const trials = read.trials as Array<StoredTrialSummary | TrialSummary>;
  // All that is kept of the stored summaries: which finished trials each configuration has, so that `loadEpochRecords` reads their records.
  const finishedByConfig = new Map<string, string[]>();
  for (let position = 0; position < trials.length; position++) {
    const trial = 'epochCount' in trials[position] ? reportSummary(trials[position] as StoredTrialSummary) : (trials[position] as TrialSummary);
    if (isFinished(trial)) {
      const ids = finishedByConfig.get(trial.configId);
      if (ids === undefined) finishedByConfig.set(trial.configId, [trial.trialId]);
      else ids.push(trial.trialId);
    }
    trials[position] = trial;
  }
  return {
    sweeps: read.sweeps,
    backendChoices: read.backendChoices ?? [],
    trials: trials as TrialSummary[],
    loadEpochRecords: async (configIds) => {
      const trialIds = [...new Set(configIds)].flatMap((configId) => finishedByConfig.get(configId) ?? []);
      return trialIds.length === 0 ? [] : readTrialRecords(location, trialIds).filter(isFinished);
    },
  };
}

export function cliDependencies(): CliDependencies {
  return {
    loadTrials: loadTrialsFrom,
    loadTrialSummaries,
    loadStoredTrials,
    loadStoredTrialSummaries,
    resolveObjective: (definition, objectiveModules, options) =>
      (require('../sweep/postgres/registry-objective') as typeof import('../sweep/postgres/registry-objective')).registeredWorkerObjective(definition, objectiveModules, options),
    gateNames: () => gates().gateNames(),
    runGate: async (name, onProgress) => {
      await (require('../backend') as typeof import('../backend')).initBackend();
      return gates().runGate(name, onProgress);
    },
    write: (text) => process.stdout.write(text),
    writeError: (text) => process.stderr.write(text),
  };
}
