/**
 * Pure helpers of the zoo benchmark: throughput from repeats, ratios, geometric mean, the table.
 * No I/O, so test/bench/zoo-summary.test.ts covers them.
 */
import { median } from '../stats';

/** One participant's measurements of one zoo model. */
export interface ZooRow {
  model: string;
  /** `keras`, or the tfjs backend layerwise ran on. */
  runner: 'keras' | string;
  /** Training path layerwise took (`lean-manual`, `lean`, `general`); undefined for Keras. */
  path?: string;
  /** `result` (TrainResult said so) or `inferred` (from lib/train's lean-path planner). */
  pathSource?: string;
  /** Samples trained per repeat (samples x epochs). */
  samplesPerRepeat?: number;
  /** Training seconds of each timed repeat. */
  repeatSeconds?: number[];
  /** samplesPerRepeat / median(repeatSeconds). */
  samplesPerSecond?: number;
  /** samplesPerSecond / Keras's on the same model (layerwise rows only). */
  ratioToKeras?: number;
  /**
   * Process CPU seconds (all threads, user + system) of each timed repeat's training: what the
   * training costs in CPU whatever else the machine runs (wall seconds on a loaded machine also
   * measure how the scheduler shared the cores).
   */
  repeatCpuSeconds?: number[];
  /** samplesPerRepeat / median(repeatCpuSeconds). */
  samplesPerCpuSecond?: number;
  /** samplesPerCpuSecond / Keras's on the same model (layerwise rows only). */
  cpuRatioToKeras?: number;
  /** Peak resident memory of the process that trained it (bytes). */
  maxRssBytes?: number;
  /** Trainable + non-trainable parameters, as the library counts them. */
  parameters?: number;
  /** Why there is no number. */
  error?: string;
}

/** Geometric mean of positive numbers; undefined for an empty list. Throws on a non-positive or non-finite value (a ratio cannot be). */
export function geometricMean(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  let logSum = 0;
  for (const value of values) {
    if (!(value > 0) || !Number.isFinite(value)) throw new Error(`geometricMean: values must be finite and > 0, got ${value}`);
    logSum += Math.log(value);
  }
  return Math.exp(logSum / values.length);
}

/** Samples per second from a repeat's sample count and the repeats' seconds (median of repeats). */
export function throughput(samplesPerRepeat: number, repeatSeconds: readonly number[]): number {
  return samplesPerRepeat / median(repeatSeconds);
}

/** Fills `ratioToKeras` on every non-Keras row whose model has a Keras row with a throughput. Returns the rows. */
export function addKerasRatios(rows: ZooRow[]): ZooRow[] {
  for (const row of rows) {
    if (row.runner === 'keras' || row.samplesPerSecond === undefined) continue;
    const keras = rows.find((candidate) => candidate.runner === 'keras' && candidate.model === row.model);
    if (keras?.samplesPerSecond !== undefined && keras.samplesPerSecond > 0) row.ratioToKeras = row.samplesPerSecond / keras.samplesPerSecond;
    if (row.samplesPerCpuSecond !== undefined && keras?.samplesPerCpuSecond !== undefined && keras.samplesPerCpuSecond > 0) row.cpuRatioToKeras = row.samplesPerCpuSecond / keras.samplesPerCpuSecond;
  }
  return rows;
}

/** Geometric mean of layerwise/Keras CPU-time ratios on one backend; undefined when none. */
export function geometricMeanCpuRatio(rows: readonly ZooRow[], runner: string): number | undefined {
  return geometricMean(rows.filter((row) => row.runner === runner && row.cpuRatioToKeras !== undefined).map((row) => row.cpuRatioToKeras as number));
}

/** Geometric mean of layerwise/Keras ratios on one backend (one ratio per model); undefined when none. */
export function geometricMeanRatio(rows: readonly ZooRow[], runner: string): number | undefined {
  return geometricMean(rows.filter((row) => row.runner === runner && row.ratioToKeras !== undefined).map((row) => row.ratioToKeras as number));
}

function mebibytes(bytes: number | undefined): string {
  return bytes === undefined ? '' : `${Math.round(bytes / 1048576)} MiB`;
}

/** The zoo table in Markdown (one line per model and runner), then one geometric-mean line per layerwise backend. */
export function renderZooTable(rows: readonly ZooRow[]): string {
  const header = ['model', 'runner', 'path', 'samples/s (median)', 'x Keras', 'samples/CPU-s', 'x Keras (CPU)', 'peak RSS', 'repeats'];
  const lines = rows.map((row) => [
    row.model,
    row.runner === 'keras' ? 'Keras fit' : `layerwise ${row.runner}`,
    row.path === undefined ? '' : `${row.path}${row.pathSource === 'inferred' ? '*' : ''}`,
    row.samplesPerSecond === undefined ? `- (${row.error ?? 'no result'})` : Math.round(row.samplesPerSecond).toLocaleString('en-US'),
    row.ratioToKeras === undefined ? '' : `${row.ratioToKeras.toFixed(2)}x`,
    row.samplesPerCpuSecond === undefined ? '' : Math.round(row.samplesPerCpuSecond).toLocaleString('en-US'),
    row.cpuRatioToKeras === undefined ? '' : `${row.cpuRatioToKeras.toFixed(2)}x`,
    mebibytes(row.maxRssBytes),
    row.repeatSeconds === undefined ? '' : `${row.repeatSeconds.length} x ${row.samplesPerRepeat ?? '?'}`,
  ]);
  const runners = [...new Set(rows.filter((row) => row.runner !== 'keras').map((row) => row.runner))];
  for (const runner of runners) {
    const mean = geometricMeanRatio(rows, runner);
    const count = rows.filter((row) => row.runner === runner && row.ratioToKeras !== undefined).length;
    const cpuMean = geometricMeanCpuRatio(rows, runner);
    lines.push(['geometric mean', `layerwise ${runner}`, '', `${count} models`, mean === undefined ? '' : `${mean.toFixed(2)}x`, '', cpuMean === undefined ? '' : `${cpuMean.toFixed(2)}x`, '', '']);
  }
  const widths = header.map((title, column) => Math.max(title.length, ...lines.map((line) => line[column].length)));
  const format = (cells: string[]): string => `| ${cells.map((cell, column) => cell.padEnd(widths[column])).join(' | ')} |`;
  return [format(header), `| ${widths.map((width) => '-'.repeat(width)).join(' | ')} |`, ...lines.map(format)].join('\n');
}
