/**
 * Summary statistics of a small sample (a handful of seeds): mean, standard deviation,
 * Student-t confidence interval and a seeded percentile bootstrap interval. Pure functions.
 */
import seedrandom from 'seedrandom';
import { sampleQuantiles, studentTQuantile } from './distributions';

/** A two-sided interval at `confidence` (e.g. 0.95). */
export interface Interval {
  lower: number;
  upper: number;
}

/** Mean, spread and intervals of one metric over the seeds of one configuration. */
export interface MetricSummary {
  /** Number of finite values summarized. */
  n: number;
  /** Arithmetic mean; null when n = 0. */
  mean: number | null;
  /** Sample standard deviation (divisor n - 1); null when n < 2. */
  std: number | null;
  /** Smallest and largest value; null when n = 0. */
  min: number | null;
  max: number | null;
  /** mean ± t(1 - α/2, n - 1) · std / √n; null when n < 2. */
  tInterval: Interval | null;
  /** Percentile bootstrap interval of the mean; null when n < 2. */
  bootstrapInterval: Interval | null;
}

/** Options of {@link summarize} and the interval functions. */
export interface IntervalOptions {
  /** Two-sided confidence level in (0, 1). Default 0.95. */
  confidence?: number;
  /** Number of bootstrap resamples. Default 10000. */
  bootstrapResamples?: number;
  /**
   * Seed of the bootstrap's random stream (any string). The same values and seed always give
   * the same interval. Default `'layerwise'`.
   */
  bootstrapSeed?: string;
  /** Leave the bootstrap interval null (the report bootstraps only the configurations its views detail, see `AnalysisOptions.detailedConfigurationsPerArm`). Default false. */
  skipBootstrap?: boolean;
}

export const DEFAULT_CONFIDENCE = 0.95;
export const DEFAULT_BOOTSTRAP_RESAMPLES = 10000;
export const DEFAULT_BOOTSTRAP_SEED = 'layerwise';

/** Arithmetic mean; NaN for an empty sample. */
export function mean(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  let sum = 0;
  for (const value of values) sum += value;
  return sum / values.length;
}

/** Sample standard deviation with divisor n - 1 (ddof = 1); NaN when n < 2. */
export function sampleStd(values: readonly number[]): number {
  const n = values.length;
  if (n < 2) return NaN;
  const center = mean(values);
  let squares = 0;
  for (const value of values) squares += (value - center) ** 2;
  return Math.sqrt(squares / (n - 1));
}

function checkConfidence(confidence: number): void {
  if (!(confidence > 0 && confidence < 1)) {
    throw new RangeError(`report.confidence: got ${confidence}; allowed: a number strictly between 0 and 1`);
  }
}

/**
 * Student-t interval of the mean: mean ± t(1 - α/2, n - 1) · s / √n, with the t quantile from
 * jStat. Null when fewer than two values (no spread estimate exists).
 */
export function tInterval(values: readonly number[], confidence = DEFAULT_CONFIDENCE): Interval | null {
  checkConfidence(confidence);
  const n = values.length;
  if (n < 2) return null;
  const center = mean(values);
  const halfWidth = studentTQuantile(1 - (1 - confidence) / 2, n - 1) * (sampleStd(values) / Math.sqrt(n));
  return { lower: center - halfWidth, upper: center + halfWidth };
}

/**
 * Means of `resamples` bootstrap resamples (drawn with replacement, same size as `values`),
 * from a seedrandom stream seeded by `seed`.
 */
export function bootstrapMeans(values: readonly number[], resamples: number, seed: string): number[] {
  if (!Number.isInteger(resamples) || resamples < 1) {
    throw new RangeError(`report.bootstrapResamples: got ${resamples}; allowed: a positive integer`);
  }
  const random = seedrandom(seed);
  const n = values.length;
  const means = new Array<number>(resamples);
  for (let r = 0; r < resamples; r++) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += values[Math.floor(random() * n)];
    means[r] = sum / n;
  }
  return means;
}

/**
 * Percentile bootstrap interval of the mean: the α/2 and 1 - α/2 quantiles of the resampled
 * means. Null when fewer than two values. Seeded, so reports are reproducible.
 */
export function bootstrapInterval(
  values: readonly number[],
  options: IntervalOptions = {},
): Interval | null {
  const confidence = options.confidence ?? DEFAULT_CONFIDENCE;
  checkConfidence(confidence);
  if (values.length < 2) return null;
  const means = bootstrapMeans(
    values,
    options.bootstrapResamples ?? DEFAULT_BOOTSTRAP_RESAMPLES,
    options.bootstrapSeed ?? DEFAULT_BOOTSTRAP_SEED,
  );
  const alpha = 1 - confidence;
  const [lower, upper] = sampleQuantiles(means, [alpha / 2, 1 - alpha / 2]);
  return { lower, upper };
}

function orNull(value: number): number | null {
  return Number.isFinite(value) ? value : null;
}

/**
 * Summarizes the finite values among `values` (undefined, NaN and ±Infinity are dropped; the
 * caller counts excluded trials separately).
 */
export function summarize(values: ReadonlyArray<number | undefined | null>, options: IntervalOptions = {}): MetricSummary {
  const finite = values.filter((value): value is number => typeof value === 'number' && Number.isFinite(value));
  const n = finite.length;
  return {
    n,
    mean: n > 0 ? mean(finite) : null,
    std: n > 1 ? orNull(sampleStd(finite)) : null,
    min: n > 0 ? Math.min(...finite) : null,
    max: n > 0 ? Math.max(...finite) : null,
    tInterval: tInterval(finite, options.confidence ?? DEFAULT_CONFIDENCE),
    bootstrapInterval: options.skipBootstrap ? null : bootstrapInterval(finite, options),
  };
}
