/**
 * `layerwise check --baseline <file> (--results <file|sweep-dir> | --run <gate>) [--update]
 *                  [--undecided fail|pass] [--entries configurations|selected] [--junit <file>]`
 *
 * Compares fresh per-seed metrics with the baseline's per-seed metrics by a non-inferiority test
 * per metric (lib/check/non-inferiority.ts). Exit 0 when no metric fails, 1 when a regression
 * beyond its margin is established, a metric is missing, or (with `--undecided fail`) a metric is
 * undecided; 2 on usage errors. `--update` rewrites the baseline with the fresh values (keeping
 * its margins), only when asked.
 */
import * as fs from 'fs';
import type { Command } from 'commander';
import { Baseline, EntryKeys, ENTRY_KEYS, MetricsTable, parseMetricsTable, readBaseline, regenerateHint, writeBaseline } from '../check/baseline';
import { compareToBaseline, DEFAULT_UNDECIDED_POLICY, UndecidedPolicy, UNDECIDED_POLICIES, updatedBaseline } from '../check/compare';
import { formatCheckTable, toJUnitXml } from '../check/format';
import { metricsFromTrials } from '../check/metrics-from-trials';
import { LayerwiseConfigError } from '../errors/config-error';
import type { TrialRecord } from '../sweep/record';
import { CommandExit, EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from './exit-codes';

export interface CheckCommandDependencies {
  /** Reads the trials of a sweep directory. */
  loadTrials: (directory: string) => Promise<TrialRecord[]>;
  /** Reruns a named gate experiment and returns its per-seed metrics. */
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
  undecided?: string;
  entries?: string;
}

/**
 * Reads per-seed metrics from a JSON file (a table `{"entry": {"seeds": [...], "metrics": {...}}}`,
 * or a baseline-shaped `{entries}`) or from a sweep directory, whose entries are named as `keys` says.
 */
export async function readResults(path: string, loadTrials: CheckCommandDependencies['loadTrials'], keys: EntryKeys = 'configurations'): Promise<MetricsTable> {
  if (!fs.existsSync(path)) throw new CommandExit(EXIT_USAGE, `--results: ${path} does not exist`);
  if (fs.statSync(path).isDirectory()) return metricsFromTrials(await loadTrials(path), keys);
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(path, 'utf8'));
  } catch (error) {
    throw new CommandExit(EXIT_USAGE, `--results: ${path} is not valid JSON: ${(error as Error).message}`);
  }
  const table = (parsed as { entries?: unknown }).entries ?? parsed;
  try {
    return parseMetricsTable(table, `--results ${path}`);
  } catch (error) {
    if (error instanceof LayerwiseConfigError) throw new CommandExit(EXIT_USAGE, `${error.message}\n(expected {"entry": {"seeds": [1, 2], "metrics": {"testAccuracy": [0.9, 0.91]}}} or {"entries": {...}})`);
    throw error;
  }
}

function chosen<T extends string>(value: string | undefined, allowed: readonly T[], option: string): T | undefined {
  if (value === undefined) return undefined;
  if (!allowed.includes(value as T)) throw new CommandExit(EXIT_USAGE, `${option} = "${value}": expected one of ${allowed.join(', ')}`);
  return value as T;
}

export async function runCheck(options: CheckOptions, dependencies: CheckCommandDependencies): Promise<number> {
  if ((options.results == null) === (options.run == null)) {
    throw new CommandExit(EXIT_USAGE, 'check: give exactly one of --results <file|sweep-dir> or --run <gate>');
  }
  const undecided: UndecidedPolicy = chosen(options.undecided, UNDECIDED_POLICIES, '--undecided') ?? DEFAULT_UNDECIDED_POLICY;
  const entries = chosen(options.entries, ENTRY_KEYS, '--entries');

  let previous: Baseline | undefined;
  if (fs.existsSync(options.baseline)) {
    try {
      // --update replaces the entries, so an old format-1 file only has to yield its margins.
      previous = readBaseline(options.baseline, { marginsOnly: options.update === true });
    } catch (error) {
      if (error instanceof LayerwiseConfigError) throw new CommandExit(EXIT_USAGE, error.message);
      throw error;
    }
  } else if (!options.update) {
    throw new CommandExit(EXIT_USAGE, `--baseline: ${options.baseline} does not exist; ${regenerateHint(options.baseline).replace('regenerate it', 'create it')}`);
  }
  const keys: EntryKeys = entries ?? previous?.keys ?? 'configurations';

  let current: MetricsTable;
  if (options.run != null) {
    const names = dependencies.gateNames?.() ?? [];
    if (dependencies.runGate == null || !names.includes(options.run)) {
      throw new CommandExit(EXIT_USAGE, `--run: unknown gate "${options.run}"; available: ${names.join(', ') || '(none)'}`);
    }
    current = await dependencies.runGate(options.run, (line) => dependencies.writeError(`${line}\n`));
  } else {
    try {
      current = await readResults(options.results!, dependencies.loadTrials, keys);
    } catch (error) {
      if (error instanceof LayerwiseConfigError) throw new CommandExit(EXIT_USAGE, error.message);
      throw error;
    }
  }

  if (options.update) {
    writeBaseline(options.baseline, updatedBaseline(current, previous, undefined, keys));
    const seeds = [...new Set(Object.values(current).flatMap((entry) => entry.seeds))].sort((a, b) => a - b);
    dependencies.write(`baseline ${options.baseline} updated with ${Object.keys(current).length} entries, seeds ${seeds.join(', ')}\n`);
    return EXIT_OK;
  }
  const report = compareToBaseline(current, previous!, { undecided });
  dependencies.write(`${formatCheckTable(report)}\n`);
  if (options.junit) fs.writeFileSync(options.junit, toJUnitXml(report));
  return report.passed ? EXIT_OK : EXIT_FAILURE;
}

export function registerCheckCommand(program: Command, dependencies: CheckCommandDependencies, setExitCode: (code: number) => void): void {
  program
    .command('check')
    .description(
      'Compare fresh per-seed results with a committed baseline by a non-inferiority test per metric; exit 1 when a regression beyond its margin is established.',
    )
    .requiredOption('--baseline <file>', 'baseline JSON file (per-seed entries, margins, alpha)')
    .option('--results <path>', 'read fresh metrics from a JSON file or a sweep directory')
    .option('--run <gate>', 'rerun a named gate experiment (the gates are listed below)')
    .option('--update', 'rewrite the baseline with the fresh per-seed values instead of comparing (margins are kept; also converts a format-1 baseline)')
    .option('--undecided <policy>', `what an undecided metric does: "fail" or "pass" (default "${DEFAULT_UNDECIDED_POLICY}": only an established regression fails)`)
    .option('--entries <keys>', 'how a sweep directory\'s entries are named: "configurations" (arm/param=value, grid sweeps) or "selected" (arm/selected, sampled sweeps); default: the baseline\'s "keys"')
    .option('--junit <file>', 'also write the comparison as JUnit XML')
    .addHelpText(
      'after',
      '\nExit codes: 0 no metric failed, 1 regression beyond margin (or missing metric, or undecided with --undecided fail), 2 usage error.\n' +
        'Per metric, the (1 − 2α) t-interval of the mean worsening (paired by seed when the seeds match, else Welch) decides:\n' +
        'above the margin fails, at or below it passes, straddling it is "undecided: about N more seeds would decide".\n' +
        'Margins: set them per metric or per family ("accuracy", "loss", "gap") in the baseline\'s "margins"; see docs/statistics.md.',
    )
    // Listed when help is shown: naming the gates loads them (the sweep runner, tfjs), which no other use of the program needs.
    .addHelpText('after', () => (dependencies.gateNames ? `Gates for --run: ${dependencies.gateNames().join(', ')}.` : ''))
    .action(async (options: CheckOptions) => {
      setExitCode(await runCheck(options, dependencies));
    });
}
