/**
 * What the CLI commands need from the rest of the library, gathered in one place so commands stay
 * thin and tests can substitute them.
 */
import type { CheckCommandDependencies } from './check';
import type { TrialRecord } from '../sweep/record';

export interface CliDependencies extends CheckCommandDependencies {}

export function cliDependencies(): CliDependencies {
  return {
    loadTrials: async (directory: string): Promise<TrialRecord[]> => {
      throw new Error(`reading sweep directories is not wired yet (${directory})`);
    },
    write: (text) => process.stdout.write(text),
    writeError: (text) => process.stderr.write(text),
  };
}
