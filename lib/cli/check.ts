/**
 * `layerwise check --baseline <file> (--results <file|sweep-dir> | --run <gate>) [--update] [--junit <file>]`
 *
 * Exit 0 when every metric is within tolerance, 1 on a regression (or a missing metric), 2 on usage
 * errors. `--update` rewrites the baseline with the fresh numbers (keeping its tolerances) and only
 * when asked.
 */
import * as fs from 'fs';
import type { Command } from 'commander';
import { Baseline, MetricsTable, readBaseline, writeBaseline } from '../check/baseline';
import { compareToBaseline, updatedBaseline } from '../check/compare';
import { formatCheckTable, toJUnitXml } from '../check/format';
import { metricsFromTrials } from '../check/metrics-from-trials';
import type { TrialRecord } from '../sweep/record';
import { CommandExit, EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from './exit-codes';

export interface CheckCommandDependencies {
  /** Reads the trials of a sweep directory. */
  loadTrials: (directory: string) => Promise<TrialRecord[]>;
  /** Reruns a named gate experiment and returns its metrics. */
  runGate?: (name: string, onProgress: (line: string) => void) => Promise<MetricsTable>;
  /** Names of the gates `--run` accepts, for help and errors. */
  gateNames?: () => string[];
  write: (text: string) => void;
  writeError: (text: string) => void;
}

interface CheckOptions {
  baseline: string;
  results?: string;
  run?: string;
  update?: boolean;
  junit?: string;
}

/** Reads metrics from a JSON file (a metrics table, or a baseline-shaped `{entries}`) or a sweep directory. */
export async function readResults(path: string, loadTrials: CheckCommandDependencies['loadTrials']): Promise<MetricsTable> {
  if (!fs.existsSync(path)) throw new CommandExit(EXIT_USAGE, `--results: ${path} does not exist`);
  if (fs.statSync(path).isDirectory()) return metricsFromTrials(await loadTrials(path));
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(path, 'utf8'));
  } catch (error) {
    throw new CommandExit(EXIT_USAGE, `--results: ${path} is not valid JSON: ${(error as Error).message}`);
  }
  const table = (parsed as { entries?: unknown }).entries ?? parsed;
  if (table == null || typeof table !== 'object' || Array.isArray(table)) {
    throw new CommandExit(EXIT_USAGE, `--results: ${path} must hold {"entry": {"metric": number}} or {"entries": {...}}`);
  }
  return table as MetricsTable;
}

export async function runCheck(options: CheckOptions, dependencies: CheckCommandDependencies): Promise<number> {
  if ((options.results == null) === (options.run == null)) {
    throw new CommandExit(EXIT_USAGE, 'check: give exactly one of --results <file|sweep-dir> or --run <gate>');
  }
  let previous: Baseline | undefined;
  if (fs.existsSync(options.baseline)) previous = readBaseline(options.baseline);
  else if (!options.update) throw new CommandExit(EXIT_USAGE, `--baseline: ${options.baseline} does not exist (use --update to create it)`);

  let current: MetricsTable;
  if (options.run != null) {
    const names = dependencies.gateNames?.() ?? [];
    if (dependencies.runGate == null || !names.includes(options.run)) {
      throw new CommandExit(EXIT_USAGE, `--run: unknown gate "${options.run}"; available: ${names.join(', ') || '(none)'}`);
    }
    current = await dependencies.runGate(options.run, (line) => dependencies.writeError(`${line}\n`));
  } else {
    current = await readResults(options.results!, dependencies.loadTrials);
  }

  if (options.update) {
    writeBaseline(options.baseline, updatedBaseline(current, previous));
    dependencies.write(`baseline ${options.baseline} updated with ${Object.keys(current).length} entries\n`);
    return EXIT_OK;
  }
  const report = compareToBaseline(current, previous!);
  dependencies.write(`${formatCheckTable(report)}\n`);
  if (options.junit) fs.writeFileSync(options.junit, toJUnitXml(report));
  return report.passed ? EXIT_OK : EXIT_FAILURE;
}

export function registerCheckCommand(program: Command, dependencies: CheckCommandDependencies, setExitCode: (code: number) => void): void {
  program
    .command('check')
    .description('Compare fresh results with a committed baseline; exit 1 when accuracy, loss or the generalization gap regresses beyond tolerance.')
    .requiredOption('--baseline <file>', 'baseline JSON file (entries, metrics and tolerances)')
    .option('--results <path>', 'read fresh metrics from a JSON file or a sweep directory')
    .option('--run <gate>', `rerun a named gate experiment${dependencies.gateNames ? ` (${dependencies.gateNames().join(', ')})` : ''}`)
    .option('--update', 'rewrite the baseline with the fresh numbers instead of comparing (tolerances are kept)')
    .option('--junit <file>', 'also write the comparison as JUnit XML')
    .addHelpText(
      'after',
      '\nExit codes: 0 within tolerance, 1 regression or missing metric, 2 usage error.\n' +
        'Tolerances: accuracy by absolute points, loss relatively, gap must not grow beyond its tolerance;\n' +
        'set them per metric or per family ("accuracy", "loss", "gap") in the baseline\'s "tolerances".',
    )
    .action(async (options: CheckOptions) => {
      setExitCode(await runCheck(options, dependencies));
    });
}
