/**
 * `layerwise report <sweep-dir>` or `layerwise report --storage URL --sweep NAME`: reads a sweep's
 * trial records (from its folder's journals, or from the PostgreSQL store the sweep and its workers
 * share) and prints or writes the report. The command only parses arguments and moves text; every
 * number comes from lib/report. The stores are injected (`loadTrials`, `loadStoredTrials`) so this
 * file does not depend on how lib/sweep lays out a sweep.
 */
import { promises as fs } from 'fs';
import * as path from 'path';
import { Command, InvalidArgumentError, Option } from 'commander';
import type { BackendChoice } from '../backend/measure';
import type { TrialRecord } from '../sweep/record';
import type { TrialSummary } from '../sweep/selection/trial-summary';
import type { EvaluationDefinition } from '../sweep/definition';
import { analyzeSweep, AnalysisOptions, analyzeTrialSummaries, attachEpochCurves, selectedConfigIds, SweepReport } from '../report/analyze';
import { SELECTION_OBJECTIVES, SelectionObjective } from '../sweep/selection/selection';
import { VIEW_LIMITS } from '../report/view-limits';
import { renderReport, REPORT_FORMATS, ReportFormat, writeReport, writeReportFile, writeReportFiles } from '../report/write-report';
import { CommandExit, EXIT_FAILURE, EXIT_USAGE } from './exit-codes';
import { trialAtClipCeiling } from '../train/divergence';
import { storageUrlOf } from '../sweep/postgres/storage-url';
import { collectGarbage, COLLECT_GARBAGE_FROM_TRIALS } from './collect-garbage';

/** What the report command needs from the rest of the program. */
export interface ReportCommandDependencies {
  /** Reads every trial record of the sweep stored in `dir` (lib/sweep's store). */
  loadTrials(dir: string): Promise<TrialRecord[]>;
  /**
   * Reads a sweep folder as per-trial summaries (no per-epoch lists held) plus a reader of the
   * full records of a few configurations: what a report of a large sweep needs, and the stored
   * definition's evaluation rule when it has one. Used instead of `loadTrials` for folders when given.
   */
  loadTrialSummaries?(dir: string): Promise<{ trials: TrialSummary[]; backendChoices?: BackendChoice[]; loadEpochRecords(configIds: string[]): Promise<TrialRecord[]>; evaluation?: EvaluationDefinition }>;
  /**
   * Reads every trial record of sweep `sweepName` in the shared store at `url` (`--storage`,
   * `--sweep`). Errors must not contain the password. Default: none (the option is refused).
   */
  loadStoredTrials?(url: string, sweepName: string): Promise<TrialRecord[]>;
  /**
   * Like `loadTrialSummaries` for sweep `sweepName` of the store at `url` (the store's
   * `listTrialSummaries`; epochs of the selected configurations only). Used instead of
   * `loadStoredTrials` when given.
   */
  loadStoredTrialSummaries?(url: string, sweepName: string): Promise<{ trials: TrialSummary[]; loadEpochRecords(configIds: string[]): Promise<TrialRecord[]>; evaluation?: EvaluationDefinition }>;
  /** Writes the report text. Default: `process.stdout.write`. */
  write?: (text: string) => void;
  /** Writes notes (where files went, warnings, skip reasons). Default: `process.stderr.write`. */
  writeError?: (text: string) => void;
}

interface ReportCommandOptions {
  format: ReportFormat | 'all';
  out?: string;
  selectBy: SelectionObjective;
  baseline?: string;
  candidate: string;
  confidence: number;
  bootstrap: number;
  seed: string;
  minSeeds: number;
  coefficient?: string;
  title?: string;
  tensorboard: boolean;
  storage?: string;
  sweep?: string;
}

/** Where the trials come from: a folder, or a sweep in a shared store. */
type ReportSource = { kind: 'folder'; directory: string } | { kind: 'store'; url: string; sweepName: string };

function sourceOf(sweepDir: string | undefined, options: ReportCommandOptions): ReportSource {
  let url: string | undefined;
  try {
    // $LAYERWISE_STORAGE applies only when --sweep asks for a stored sweep.
    url = options.storage !== undefined || options.sweep !== undefined ? storageUrlOf(options.storage) : undefined;
  } catch (error) {
    throw new CommandExit(EXIT_USAGE, `report: ${(error as Error).message}`);
  }
  if (url === undefined && options.sweep === undefined) {
    if (sweepDir === undefined) throw new CommandExit(EXIT_USAGE, 'report: give a sweep folder, or --storage URL --sweep NAME for a sweep in PostgreSQL');
    return { kind: 'folder', directory: sweepDir };
  }
  if (sweepDir !== undefined) throw new CommandExit(EXIT_USAGE, `report: got both a folder ("${sweepDir}") and --storage/--sweep; give one of them`);
  if (url === undefined) throw new CommandExit(EXIT_USAGE, 'report: --storage: missing; allowed: a postgres:// or postgresql:// URL (or set LAYERWISE_STORAGE)');
  if (options.sweep === undefined) throw new CommandExit(EXIT_USAGE, 'report: --sweep: missing; give the name of the sweep in the store');
  return { kind: 'store', url, sweepName: options.sweep };
}

function parseConfidence(value: string): number {
  const number = Number(value);
  if (!(number > 0 && number < 1)) throw new InvalidArgumentError(`got "${value}"; allowed: a number strictly between 0 and 1, e.g. 0.95`);
  return number;
}

function parsePositiveInteger(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) throw new InvalidArgumentError(`got "${value}"; allowed: a positive integer`);
  return number;
}

const HELP_AFTER = `
Formats:
  table               aligned text tables for the terminal (default)
  json                every statistic, machine-readable
  csv                 one row per trial
  csv-configurations  one row per configuration (mean, std, t and bootstrap intervals)
  md                  Markdown summary for a pull-request comment
  html                one self-contained offline page with charts and a sortable trial table
  all                 every format into a directory (--out, default <sweep-dir>/report,
                      or sweeps/<name>/report with --storage),
                      plus TensorBoard logs (written in JavaScript, on every backend)

Statistics: each arm's configuration is chosen on validation data only; test results of the
chosen configurations are compared as paired differences over shared seeds.

Examples:
  layerwise report runs/moons
  layerwise report runs/moons --format html --out report.html
  layerwise report runs/moons --format all --out runs/moons/report
  layerwise report --storage postgres://user@db.internal/sweeps --sweep moons-quick
  tensorboard --logdir runs/moons/report/tensorboard
`;

/** Adds the `report` command to `program`. Returns the new command. */
export function registerReportCommand(program: Command, dependencies: ReportCommandDependencies): Command {
  const write = dependencies.write ?? ((text: string) => void process.stdout.write(text));
  const writeError = dependencies.writeError ?? ((text: string) => void process.stderr.write(text));
  const command = program
    .command('report')
    .description('Summarize a sweep: gap, variance across seeds, and uniform vs per-layer as paired differences')
    .argument('[sweep-dir]', 'directory of the sweep whose trials to report (or use --storage and --sweep)')
    .option('--storage <url>', 'read the sweep from PostgreSQL (postgres://user@host/db; missing parts from PG* variables; default with --sweep: $LAYERWISE_STORAGE)')
    .option('--sweep <name>', 'name of the sweep in --storage')
    .addOption(new Option('-f, --format <format>', 'output format').choices([...REPORT_FORMATS, 'all']).default('table'))
    .option('-o, --out <path>', 'write to this file (a directory with --format all) instead of standard output')
    .addOption(new Option('--select-by <metric>', 'validation metric that selects each arm’s configuration').choices([...SELECTION_OBJECTIVES]).default('validationLoss'))
    .option('--baseline <arm>', 'reference arm of the paired comparison (default: uniform; none when the sweep has a none arm and no uniform one). Every arm is also compared with a none arm (no regularization) when the sweep has one')
    .option('--candidate <arm>', 'arm compared against the baseline', 'per-layer')
    .option('--confidence <level>', 'two-sided confidence level of every interval', parseConfidence, 0.95)
    .option('--bootstrap <resamples>', 'bootstrap resamples per interval', parsePositiveInteger, 10000)
    .option('--seed <text>', 'seed of the bootstrap random streams', 'layerwise')
    .option('--min-seeds <n>', 'minimum usable seeds for a configuration to be selectable', parsePositiveInteger, 1)
    .option('--coefficient <parameter>', 'parameter holding the uniform coefficient (default: detected)')
    .option('--title <text>', 'report title (default: the sweep name)')
    .option('--no-tensorboard', 'with --format all, do not write TensorBoard logs')
    .addHelpText('after', HELP_AFTER)
    .action(async (sweepDirArgument: string | undefined, options: ReportCommandOptions) => {
      const source = sourceOf(sweepDirArgument, options);
      let records: TrialRecord[] = [];
      let summarized: { trials: TrialSummary[]; backendChoices?: BackendChoice[]; loadEpochRecords(configIds: string[]): Promise<TrialRecord[]>; evaluation?: EvaluationDefinition } | undefined;
      if (source.kind === 'store' && dependencies.loadStoredTrials === undefined) throw new CommandExit(EXIT_USAGE, 'report: --storage is not available in this program');
      try {
        if (source.kind === 'folder' && dependencies.loadTrialSummaries !== undefined) {
          summarized = await dependencies.loadTrialSummaries(source.directory);
        } else if (source.kind === 'store' && dependencies.loadStoredTrialSummaries !== undefined) {
          summarized = await dependencies.loadStoredTrialSummaries(source.url, source.sweepName);
        } else {
          records = source.kind === 'folder' ? await dependencies.loadTrials(source.directory) : await dependencies.loadStoredTrials!(source.url, source.sweepName);
        }
      } catch (error) {
        // A missing journal is a usage error; a store that cannot be read is a failure. Store
        // errors are redacted by the store: print the message, never a stack.
        const failure = source.kind === 'store' || /^postgres(ql)?:\/\//i.test(source.directory);
        throw new CommandExit(failure ? EXIT_FAILURE : EXIT_USAGE, `report: ${error instanceof Error ? error.message : String(error)}`);
      }
      const where = source.kind === 'folder' ? `"${source.directory}"` : `sweep "${source.sweepName}" of the store`;
      if ((summarized?.trials ?? records).length === 0) {
        throw new CommandExit(EXIT_USAGE, `report: no trial records found in ${where}`);
      }
      // Saturated trials are finite and often 'complete': flag them, so nobody reads them as results.
      const saturated = records.filter((record) => record.lossAtClipCeiling ?? trialAtClipCeiling(record));
      if (saturated.length > 0) {
        writeError(
          `report: ${saturated.length} trial(s) have a final loss at the cross-entropy clip ceiling ((1 - accuracy) x 16.12: saturated outputs, learning rate far too high?): ` +
            `${saturated.slice(0, 3).map((record) => `${record.arm}#${record.index} seed ${record.seed}`).join(', ')}${saturated.length > 3 ? ', ...' : ''}; they are flagged in the records (lossAtClipCeiling)\n`,
        );
      }
      // Default folder of --format all.
      const sweepDir = source.kind === 'folder' ? source.directory : path.join('sweeps', source.sweepName);
      const analysisOptions: AnalysisOptions = {
        selectBy: options.selectBy,
        baselineArm: options.baseline,
        candidateArm: options.candidate,
        confidence: options.confidence,
        bootstrapResamples: options.bootstrap,
        bootstrapSeed: options.seed,
        minSeeds: options.minSeeds,
        coefficientParameter: options.coefficient,
        title: options.title,
        generatedAt: new Date().toISOString(),
        // The sweep's own stopping rule, so the report says why its evaluation on fresh seeds stopped.
        evaluation: summarized?.evaluation,
        backendChoices: summarized?.backendChoices,
      };
      // From summaries: statistics first, then the full records of the selected configurations only (curves, TensorBoard).
      let report: SweepReport | undefined;
      let epochRecords: TrialRecord[] = records;
      // Between phases of a large report, most of the heap is the last phase's garbage (see collect-garbage.ts).
      const large = (summarized?.trials ?? records).length >= COLLECT_GARBAGE_FROM_TRIALS;
      if (large) collectGarbage();
      if (summarized !== undefined) {
        report = analyzeTrialSummaries(summarized.trials, analysisOptions);
        if (large) collectGarbage();
        // TensorBoard (--format all) gets every trial of a sweep within the trial-view limit, as before; of a larger one, the selected configurations'.
        const everyTrial = options.format === 'all' && options.tensorboard && report.trials.length <= VIEW_LIMITS.trials;
        epochRecords = await summarized.loadEpochRecords(everyTrial ? report.configurations.map((configuration) => configuration.configId) : selectedConfigIds(report));
        attachEpochCurves(report, epochRecords);
        // Reading the chosen trials' epochs streamed the journals: their lines are garbage now.
        if (large) collectGarbage();
      }
      if (options.format === 'all') {
        const outDir = options.out ?? path.join(sweepDir, 'report');
        // The views that grow with the sweep leave their written text as garbage: collected before the next view adds its own.
        const afterFormat = large ? (format: ReportFormat) => (format === 'json' || format === 'csv' || format === 'csv-configurations' ? collectGarbage() : undefined) : undefined;
        const writeOptions = { ...analysisOptions, tensorboard: options.tensorboard, afterFormat };
        const result = report !== undefined ? await writeReportFiles(outDir, report, epochRecords, writeOptions) : await writeReport(outDir, records, writeOptions);
        for (const file of Object.values(result.files)) writeError(`wrote ${file}\n`);
        if (result.tensorboard) writeError(`TensorBoard logs: ${result.tensorboard.command}\n`);
        for (const warning of result.warnings) writeError(`warning: ${warning}\n`);
        return;
      }
      report ??= analyzeSweep(records, analysisOptions);
      if (options.out) {
        await fs.mkdir(path.dirname(path.resolve(options.out)), { recursive: true });
        // Written in pieces: a 100,000-trial json or csv view is never one string.
        const written = await writeReportFile(report, options.format, options.out);
        for (const warning of written.warnings) writeError(`warning: ${warning}\n`);
        writeError(`wrote ${options.out}\n`);
      } else {
        const rendered = await renderReport(report, options.format);
        for (const warning of rendered.warnings) writeError(`warning: ${warning}\n`);
        write(rendered.text);
      }
    });
  return command;
}
