/**
 * What the CLI commands need from the rest of the library, gathered in one place so commands stay
 * thin and tests can substitute them.
 */
import type { CheckCommandDependencies } from './check';
import type { ReportCommandDependencies } from './report';
import type { WorkerCommandDependencies } from './worker';
import { isPostgresUrl, readStoredSweep } from '../sweep/postgres';
import { workerObjectiveFor } from '../sweep/postgres/registry-objective';
import { loadTrials as loadJournalTrials } from '../sweep/storage/sweep-directory';
import { readFinishedRecords, readTrialSummaries } from '../report/trial-digests';
import type { TrialRecord } from '../sweep/record';
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

/** A sweep folder streamed into per-trial summaries, full records read again only for the configurations asked for (report of a large sweep). */
export async function loadTrialSummaries(location: string): Promise<{ trials: TrialSummary[]; loadEpochRecords(configIds: string[]): Promise<TrialRecord[]> }> {
  if (isPostgresUrl(location)) {
    const records = await loadTrialsFrom(location);
    return { trials: records.map(summarizeTrial), loadEpochRecords: async (configIds) => records.filter((record) => configIds.includes(record.configId)) };
  }
  return { trials: readTrialSummaries(location).trials, loadEpochRecords: async (configIds) => readFinishedRecords(location, configIds) };
}

export function cliDependencies(): CliDependencies {
  return {
    loadTrials: loadTrialsFrom,
    loadTrialSummaries,
    loadStoredTrials,
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
