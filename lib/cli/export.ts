/**
 * `layerwise export --format optuna-journal --out study.log <sweep-dir>` (or `--storage URL --sweep
 * NAME`): writes a sweep in another tool's format. The only format today is Optuna's JournalStorage
 * file, which `optuna.load_study` and optuna-dashboard open (lib/sweep/export/optuna-journal.ts).
 */
import { Command, Option } from 'commander';
import { readSweepDirectory } from '../sweep/storage/sweep-directory';
import type { SweepInfo } from '../sweep/storage/storage';
import type { TrialRecord } from '../sweep/record';
import type { StoredSweep } from '../sweep/postgres/open';
import { storageUrlOf } from '../sweep/postgres/storage-url';
import { OPTUNA_OBJECTIVE_METRICS, OptunaObjectiveMetric, writeOptunaJournal } from '../sweep/export/optuna-journal';
import { CommandExit, EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from './exit-codes';

export const EXPORT_FORMATS = ['optuna-journal'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface ExportCommandOptions {
  setExitCode?: (code: number) => void;
  /** Writes notes (what was written). Default: `process.stderr.write`. */
  writeError?: (text: string) => void;
  /** Reads a sweep from a shared store. Default: `readStoredSweep` (PostgreSQL). */
  readStoredSweep?: (url: string, sweepName: string) => Promise<StoredSweep>;
}

interface ExportFlags {
  format: ExportFormat;
  out?: string;
  metric: OptunaObjectiveMetric;
  storage?: string;
  sweep?: string;
}

const HELP_AFTER = `
Formats:
  optuna-journal  an Optuna JournalStorage file: one study per arm ("<sweep>/<arm>"), each trial
                  with its parameters and their distributions, the objective (--metric) as its
                  value and per epoch as intermediate values, seed, backend and final metrics as
                  user attributes. The file is replaced if it exists.

Examples:
  layerwise export --format optuna-journal --out moons.log runs/moons
  optuna-dashboard moons.log
  python -c "import optuna; from optuna.storages import JournalStorage; from optuna.storages.journal import JournalFileBackend; print(optuna.load_study(study_name='moons-quick/uniform', storage=JournalStorage(JournalFileBackend('moons.log'))).best_params)"
`;

export function registerExportCommand(program: Command, options: ExportCommandOptions = {}): Command {
  const setExitCode = options.setExitCode ?? ((code: number) => (process.exitCode = code));
  const writeError = options.writeError ?? ((text: string) => void process.stderr.write(text));
  // The pg driver and pg-boss load only when a stored sweep is exported.
  const readStored = options.readStoredSweep ?? (async (url: string, sweepName: string) => (await import('../sweep/postgres/open')).readStoredSweep(url, sweepName));
  return program
    .command('export')
    .description('Write a sweep in another tool’s format (an Optuna journal that optuna-dashboard and optuna.load_study open)')
    .argument('[sweep-dir]', 'sweep output folder (or use --storage and --sweep)')
    .addOption(new Option('-f, --format <format>', 'output format').choices([...EXPORT_FORMATS]).makeOptionMandatory())
    .option('-o, --out <file>', 'file to write')
    .addOption(new Option('--metric <metric>', 'objective value of each trial (and intermediate value of each epoch)').choices([...OPTUNA_OBJECTIVE_METRICS]).default('validationLoss'))
    .option('--storage <url>', 'read the sweep from PostgreSQL (postgres://user@host/db; default with --sweep: $LAYERWISE_STORAGE)')
    .option('--sweep <name>', 'name of the sweep in --storage')
    .addHelpText('after', HELP_AFTER)
    .action(async (directory: string | undefined, flags: ExportFlags) => {
      if (flags.out === undefined) throw new CommandExit(EXIT_USAGE, 'export: --out: missing; give the file to write, e.g. --out study.log');
      let url: string | undefined;
      try {
        url = flags.storage !== undefined || flags.sweep !== undefined ? storageUrlOf(flags.storage) : undefined;
      } catch (error) {
        throw new CommandExit(EXIT_USAGE, `export: ${(error as Error).message}`);
      }
      let sweep: SweepInfo | undefined;
      let trials: TrialRecord[];
      if (url === undefined && flags.sweep === undefined) {
        if (directory === undefined) throw new CommandExit(EXIT_USAGE, 'export: give a sweep folder, or --storage URL --sweep NAME for a sweep in PostgreSQL');
        try {
          const folder = readSweepDirectory(directory);
          sweep = [...folder.sweeps].reverse().find((info) => info !== undefined);
          trials = folder.trials;
        } catch (error) {
          throw new CommandExit(EXIT_USAGE, `export: ${(error as Error).message}`);
        }
      } else {
        if (directory !== undefined) throw new CommandExit(EXIT_USAGE, `export: got both a folder ("${directory}") and --storage/--sweep; give one of them`);
        if (url === undefined) throw new CommandExit(EXIT_USAGE, 'export: --storage: missing; allowed: a postgres:// or postgresql:// URL (or set LAYERWISE_STORAGE)');
        if (flags.sweep === undefined) throw new CommandExit(EXIT_USAGE, 'export: --sweep: missing; give the name of the sweep in the store');
        try {
          const stored = await readStored(url, flags.sweep);
          sweep = stored.sweep;
          trials = stored.trials;
        } catch (error) {
          throw new CommandExit(EXIT_FAILURE, `export: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
      const sweepName = sweep?.name ?? trials[0]?.sweepName;
      if (sweepName === undefined) throw new CommandExit(EXIT_USAGE, 'export: the sweep holds no definition and no trials; nothing to export');
      const result = writeOptunaJournal(flags.out, { sweepName, definition: sweep?.definition, fingerprint: sweep?.fingerprint, trials, metric: flags.metric });
      writeError(`wrote ${result.file}: ${result.trials} trial(s) in ${result.studies.length} stud${result.studies.length === 1 ? 'y' : 'ies'} (${result.studies.join(', ')})\n`);
      setExitCode(EXIT_OK);
    });
}
