/**
 * What the CLI commands need from the rest of the library, gathered in one place so commands stay
 * thin and tests can substitute them.
 */
import type { CheckCommandDependencies } from './check';
import type { ReportCommandDependencies } from './report';
import type { WorkerCommandDependencies } from './worker';
import { isPostgresUrl, openPostgresStore } from '../sweep/postgres';
import { workerObjectiveFor } from '../sweep/postgres/registry-objective';
import { loadTrials as loadJournalTrials } from '../sweep/storage/sweep-directory';
import type { TrialRecord } from '../sweep/record';
import { initBackend } from '../backend';
import { gateNames, runGate } from '../check/gates';

export interface CliDependencies extends CheckCommandDependencies, ReportCommandDependencies, WorkerCommandDependencies {
  write: (text: string) => void;
  writeError: (text: string) => void;
}

/**
 * Reads a sweep's trials from a sweep folder (its journals, shards included) or, for a
 * `postgres://` location written `postgres://.../db#sweep-name`, from the shared store.
 */
export async function loadTrialsFrom(location: string): Promise<TrialRecord[]> {
  if (!isPostgresUrl(location)) return loadJournalTrials(location);
  const hash = location.indexOf('#');
  if (hash < 0) throw new Error('a postgres location needs the sweep name after "#", e.g. postgres://host/db#my-sweep');
  const store = await openPostgresStore(location.slice(0, hash));
  try {
    return await store.listTrials(decodeURIComponent(location.slice(hash + 1)));
  } finally {
    await store.close();
  }
}

export function cliDependencies(): CliDependencies {
  return {
    loadTrials: loadTrialsFrom,
    resolveObjective: (definition) => workerObjectiveFor(definition),
    gateNames,
    runGate: async (name, onProgress) => {
      await initBackend();
      return runGate(name, onProgress);
    },
    write: (text) => process.stdout.write(text),
    writeError: (text) => process.stderr.write(text),
  };
}
