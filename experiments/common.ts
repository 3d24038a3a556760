/**
 * Shared plumbing of the experiment scripts: argument parsing, running a sweep definition into
 * `runs/<experiment>/`, writing the reporter's files, and a compact per-setting table (mean ± std
 * over seeds of train/test accuracy, loss and gaps) used both on the terminal and in EXPERIMENTS.md.
 * The experiments stay thin: everything here is a call into the public lib/ modules.
 */
import * as fs from 'fs';
import * as path from 'path';
import { activeBackend, initBackend } from '../lib/backend';
import { fromConfig, loadTrials, runSweep } from '../lib/sweep';
import type { EvaluationDefinition } from '../lib/sweep/definition';
import type { SweepDefinition, TrialRecord } from '../lib/sweep';
import { mean, renderMarkdown, sampleStd, writeReport } from '../lib/report';
import type { SweepReport } from '../lib/report';

/** Repository root (experiments/ lives directly below it). */
export const REPOSITORY_ROOT = path.resolve(__dirname, '..');

/** What one experiment hands back to the caller (the script's main, or run-all). */
export interface ExperimentResult {
  /** Experiment name, also the folder under runs/. */
  name: string;
  /** Question the study answers. */
  question: string;
  /** Setup in a few Markdown lines. */
  setup: string;
  /** Markdown tables produced from the reporter's output (or why it was skipped). */
  markdown: string;
  /** Report directory, when a report was written. */
  reportDirectory?: string;
  /** Wall-clock seconds of this call (small when a sweep resumed from runs/). */
  seconds: number;
  /** Sum of the trials' own wall-clock seconds, however many calls it took to finish them. */
  trainingSeconds?: number;
  /** Trials behind the tables. */
  trials?: number;
  /**
   * Wall-clock seconds the sweeps took when they ran (first trial start to last trial finish, summed
   * over the study's sweeps), read from the records: unlike `seconds`, it survives a resume.
   */
  sweepWallSeconds?: number;
  /** True when the experiment did not run on this backend. */
  skipped?: boolean;
}

export interface ExperimentOptions {
  /** Fewer epochs and seeds: a smoke run for tests and gates. Default false. */
  quick?: boolean;
  /** Where runs go. Default `<repo>/runs`. */
  runsDirectory?: string;
  /** Worker processes for sweeps (0 = in this process). Default 0: the machines here have 2 cores and tfjs-node already uses both. */
  workers?: number;
  /** Progress lines (the scripts print them to stderr). Default: none. */
  onProgress?: (line: string) => void;
}

export function parseExperimentArguments(argv: readonly string[]): ExperimentOptions {
  const options: ExperimentOptions = {};
  for (const argument of argv) {
    if (argument === '--quick') options.quick = true;
    else if (argument.startsWith('--workers=')) options.workers = Number(argument.slice('--workers='.length));
    else if (argument.startsWith('--runs=')) options.runsDirectory = argument.slice('--runs='.length);
    else throw new Error(`unknown argument "${argument}"; allowed: --quick, --workers=N, --runs=DIR`);
  }
  return options;
}

export function runDirectory(options: ExperimentOptions, name: string): string {
  return path.join(options.runsDirectory ?? path.join(REPOSITORY_ROOT, 'runs'), options.quick ? `${name}-quick` : name);
}

/** Folder of the studies' sweep definitions: each study is a JSON file here that `layerwise sweep` runs as is. */
export const SWEEPS_DIRECTORY = path.join(REPOSITORY_ROOT, 'experiments', 'sweeps');

/** What a `--quick` smoke run changes in a study's definition. */
export interface QuickSettings {
  /** Training epochs. */
  epochs: number;
  /** Seeds. */
  seeds: number[];
  /** Epochs between evaluations. Default: the definition's. */
  evaluateEvery?: number;
  /** Configurations per arm. Default: the definition's. */
  budget?: number;
}

/**
 * The plain JSON of `experiments/sweeps/<name>.json`, or, for a quick run, the same definition
 * named `<name>-quick` with fewer epochs and seeds (a different sweep, so its runs never mix with
 * the full study's).
 */
export function studyDefinition(name: string, quick?: QuickSettings): Record<string, any> {
  const config = JSON.parse(fs.readFileSync(path.join(SWEEPS_DIRECTORY, `${name}.json`), 'utf8')) as Record<string, any>;
  delete config.$schema;
  if (quick === undefined) return config;
  config.name = `${config.name}-quick`;
  config.training = { ...config.training, epochs: quick.epochs };
  if (quick.evaluateEvery !== undefined) config.training.evaluateEvery = quick.evaluateEvery;
  if (quick.budget !== undefined) config.budget = quick.budget;
  config.seeds = quick.seeds;
  return config;
}

/**
 * Runs (or resumes) a sweep definition into `directory/sweep` and returns its records as the store
 * holds them (the journal, read back after the run): the trials the sweep runner recorded, never
 * records made here.
 */
export async function runDefinition(config: unknown, directory: string, options: ExperimentOptions): Promise<TrialRecord[]> {
  const definition: SweepDefinition = fromConfig(config);
  let finished = 0;
  await runSweep({
    definition,
    directory: path.join(directory, 'sweep'),
    workers: options.workers ?? 0,
    onEvent: (event) => {
      if (event.type === 'start') options.onProgress?.(`${definition.name}: ${event.total} trials, ${event.alreadyFinished} already finished`);
      if (event.type === 'trial-finish') {
        finished += 1;
        const final = event.record.final;
        options.onProgress?.(
          `  [${finished}] ${event.record.arm} ${JSON.stringify(event.record.params)} seed ${event.record.seed}: ${event.record.state}` +
            (final?.test?.accuracy !== undefined ? ` test acc ${final.test.accuracy.toFixed(3)}` : '') +
            (event.record.seconds !== undefined ? ` (${event.record.seconds.toFixed(1)} s)` : ''),
        );
      }
    },
  });
  return (await loadTrials(path.join(directory, 'sweep'))).filter((record) => record.sweepName === definition.name);
}

/** Writes the reporter's files (no TensorBoard, no HTML charts needed for a script) and returns the analysis. */
export async function writeExperimentReport(
  directory: string,
  records: readonly TrialRecord[],
  title: string,
  options: { baselineArm?: string; candidateArm?: string; /** The definition's evaluation rule (fresh seeds until decisive), so the report replays it. */ evaluation?: EvaluationDefinition } = {},
): Promise<SweepReport> {
  const result = await writeReport(path.join(directory, 'report'), records, {
    title,
    formats: ['table', 'json', 'csv', 'csv-configurations', 'md', 'html'],
    tensorboard: false,
    bootstrapResamples: 2000,
    baselineArm: options.baselineArm,
    candidateArm: options.candidateArm,
    evaluation: options.evaluation,
  });
  return result.report;
}

function meanStd(values: number[], digits: number): string {
  if (values.length === 0) return '–';
  const average = mean(values);
  const spread = values.length > 1 ? sampleStd(values) : null;
  return spread === null ? average.toFixed(digits) : `${average.toFixed(digits)} ± ${spread.toFixed(digits)}`;
}

/** A label for one setting: an explicit label function, else the arm plus its parameters. */
export type SettingLabel = (record: TrialRecord) => string;

export function defaultLabel(record: TrialRecord): string {
  const parameters = Object.keys(record.params)
    .sort()
    .map((key) => `${key}=${formatParameter(record.params[key])}`)
    .join(', ');
  return parameters === '' ? record.arm : `${record.arm} (${parameters})`;
}

/** Numbers with three significant digits (sampled coefficients otherwise print 17 digits). */
export function formatParameter(value: number | string | boolean): string {
  return typeof value === 'number' && value !== 0 && Number.isFinite(value) ? String(Number(value.toPrecision(3))) : String(value);
}

/**
 * One row per setting (records grouped by `label`, in first-seen order): seeds, mean ± sample std
 * over seeds of the final train/test accuracy and data loss, and the gaps.
 */
export function settingsTable(records: readonly TrialRecord[], label: SettingLabel = defaultLabel): string {
  const groups = new Map<string, TrialRecord[]>();
  for (const record of records) {
    if (record.state !== 'complete' || record.final === undefined) continue;
    const key = label(record);
    groups.set(key, [...(groups.get(key) ?? []), record]);
  }
  const lines = [
    '| setting | seeds | train acc | test acc | train loss | test loss | loss gap | acc gap |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const [key, group] of groups) {
    const pick = (choose: (record: TrialRecord) => number | undefined): number[] =>
      group.map(choose).filter((value): value is number => value !== undefined && Number.isFinite(value));
    lines.push(
      `| ${key} | ${group.length} | ${meanStd(pick((r) => r.final!.train.accuracy), 3)} | ${meanStd(pick((r) => r.final!.test?.accuracy), 3)} | ` +
        `${meanStd(pick((r) => r.final!.train.loss), 4)} | ${meanStd(pick((r) => r.final!.test?.loss), 4)} | ` +
        `${meanStd(pick((r) => r.final!.lossGap), 4)} | ${meanStd(pick((r) => r.final!.accuracyGap), 3)} |`,
    );
  }
  const excluded = records.filter((record) => record.state !== 'complete').length;
  if (excluded > 0) lines.push('', `${excluded} trial(s) did not complete and are excluded.`);
  return lines.join('\n');
}

/** The reporter's Markdown summary without its own title line (EXPERIMENTS.md supplies headings). */
export function reporterMarkdown(report: SweepReport): string {
  return renderMarkdown(report).replace(/^### .*\n\n?/, '').trim();
}

export async function ensureBackend(): Promise<string> {
  return (activeBackend() ?? (await initBackend())).name;
}

/** Main of an experiment script: parse flags, run, print the table, exit non-zero on error. */
export function main(run: (options: ExperimentOptions) => Promise<ExperimentResult>): void {
  const options = parseExperimentArguments(process.argv.slice(2));
  options.onProgress = (line) => process.stderr.write(`${line}\n`);
  run(options)
    .then((result) => {
      process.stdout.write(`\n## ${result.name}${options.quick ? ' (quick)' : ''}\n\n${result.markdown}\n\n`);
      if (result.reportDirectory) process.stdout.write(`report: ${path.relative(process.cwd(), result.reportDirectory)}\n`);
      process.stdout.write(`time: ${result.seconds.toFixed(1)} s\n`);
    })
    .catch((error: unknown) => {
      process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
      process.exitCode = 1;
    });
}

/** First trial start to last trial finish, from the records' timestamps (0 when none has both). */
export function sweepWallSeconds(records: readonly TrialRecord[]): number {
  const starts = records.map((record) => Date.parse(record.startedAt ?? '')).filter(Number.isFinite);
  const ends = records.map((record) => Date.parse(record.finishedAt ?? '')).filter(Number.isFinite);
  return starts.length === 0 || ends.length === 0 ? 0 : (Math.max(...ends) - Math.min(...starts)) / 1000;
}

/** Sum of the trials' recorded seconds. */
export function trainingSeconds(records: readonly TrialRecord[]): number {
  return records.reduce((sum, record) => sum + (record.seconds ?? 0), 0);
}
