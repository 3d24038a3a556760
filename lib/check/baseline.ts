/**
 * Baselines for the accuracy regression gate: committed JSON files holding, per entry (a stable
 * name such as `moons/hidden-l2/l2=0.001` for a grid point or `per-layer/selected` for the
 * configuration an arm selected), the per-seed metric values a fresh run is compared with, and
 * the non-inferiority margin of each metric. Margins live in the file, next to the numbers they
 * judge, so a reviewer sees both in one diff.
 *
 * Format 2 (current) stores every seed's value, because the gate is a statistical test (see
 * non-inferiority.ts) and a mean alone says nothing about noise. Format 1 stored means only; it
 * is refused with an error that says how to regenerate the file, and `--update` keeps its
 * tolerances as the new margins.
 */
import * as fs from 'fs';
import { describeValue, LayerwiseConfigError } from '../errors/config-error';

/** How a metric is judged. */
export type MetricDirection = 'higher-is-better' | 'lower-is-better';

/** The allowed worsening of a metric (its non-inferiority margin). Absolute and relative parts add up. */
export interface MetricMargin {
  /** Allowed worsening in absolute units (accuracy points as a fraction: 0.02 = 2 points). */
  absolute?: number;
  /** Allowed worsening relative to the baseline's mean (0.1 = 10%). */
  relative?: number;
  /** Which way is better. Default: inferred from the metric's name (see `directionOf`). */
  direction?: MetricDirection;
}

/** Former name of {@link MetricMargin}, kept for callers of format 1. */
export type MetricTolerance = MetricMargin;

/** One entry's values: `metrics[name][i]` was measured with `seeds[i]`. */
export interface EntrySamples {
  /** Seeds, in the order of every metric's values. */
  seeds: number[];
  /** Per-seed values of each metric. */
  metrics: Record<string, number[]>;
}

/** Per-seed metric values of each entry, keyed by the entry's stable name. */
export type MetricsTable = Record<string, EntrySamples>;

/** How entries are named. `configurations`: one entry per grid point (`arm/param=value`); `selected`: one per arm (`arm/selected`). */
export type EntryKeys = 'configurations' | 'selected';
export const ENTRY_KEYS: readonly EntryKeys[] = ['configurations', 'selected'];

export interface Baseline {
  /** File format version. */
  version: 2;
  /** Free text: what produced these numbers (command, backend, seeds). */
  description?: string;
  /** One-sided error rate of each verdict (the interval shown is the two-sided 1 − 2α one). Default 0.05. */
  alpha: number;
  /** How the entries were named, so `--results <sweep>` names a fresh sweep's entries the same way. */
  keys: EntryKeys;
  /** Margin per metric name or family (`accuracy`, `loss`, `gap`); `default` applies to the rest. */
  margins: Record<string, MetricMargin>;
  entries: MetricsTable;
}

/** Default one-sided error rate of the gate's verdicts. */
export const DEFAULT_ALPHA = 0.05;

/**
 * Default margins: accuracy by absolute points, losses relatively, gaps must not grow by more
 * than an absolute amount. Chosen for small seeded experiments: on one backend reruns agree to
 * ~1e-5, across backends the last float bits differ and can flip a handful of test predictions.
 */
export const DEFAULT_MARGINS: Record<string, MetricMargin> = {
  accuracy: { absolute: 0.02, direction: 'higher-is-better' },
  loss: { relative: 0.1, direction: 'lower-is-better' },
  gap: { absolute: 0.05, direction: 'lower-is-better' },
};
/** Former name of {@link DEFAULT_MARGINS}. */
export const DEFAULT_TOLERANCES = DEFAULT_MARGINS;

/** Infers the margin family of a metric from its name: `*accuracy*`, `*gap*` or `*loss*`. */
export function familyOf(metric: string): 'accuracy' | 'gap' | 'loss' | undefined {
  const lower = metric.toLowerCase();
  if (lower.includes('gap')) return 'gap';
  if (lower.includes('accuracy') || lower.endsWith('acc')) return 'accuracy';
  if (lower.includes('loss')) return 'loss';
  return undefined;
}

/** The margin that applies to `metric`: its own entry, else its family's, else `default`. */
export function marginFor(metric: string, margins: Record<string, MetricMargin>): MetricMargin {
  const family = familyOf(metric);
  const found = margins[metric] ?? (family ? margins[family] ?? DEFAULT_MARGINS[family] : undefined) ?? margins.default;
  if (found == null) {
    throw new LayerwiseConfigError(
      `margins.${metric}`,
      `: no margin for metric "${metric}"; add one to the baseline's "margins" (keys: a metric name, "accuracy", "loss", "gap" or "default")`,
    );
  }
  return found;
}
/** Former name of {@link marginFor}. */
export const toleranceFor = marginFor;

export function directionOf(metric: string, margin: MetricMargin): MetricDirection {
  if (margin.direction) return margin.direction;
  return familyOf(metric) === 'accuracy' ? 'higher-is-better' : 'lower-is-better';
}

/** The allowed worsening of `metric` in its units, given the baseline's mean. */
export function allowedWorsening(margin: MetricMargin, baselineMean: number): number {
  return (margin.absolute ?? 0) + (margin.relative ?? 0) * Math.abs(baselineMean);
}

function fail(field: string, message: string): never {
  throw new LayerwiseConfigError(field, message);
}

function parseMargins(value: unknown, field: string): Record<string, MetricMargin> {
  const margins = (value ?? {}) as Record<string, unknown>;
  if (typeof margins !== 'object' || Array.isArray(margins)) fail(field, ': expected an object');
  for (const [metric, margin] of Object.entries(margins)) {
    const at = `${field}.${metric}`;
    if (margin == null || typeof margin !== 'object') fail(at, ': expected {absolute?, relative?, direction?}');
    const { absolute, relative, direction } = margin as MetricMargin;
    for (const [key, amount] of [['absolute', absolute], ['relative', relative]] as const) {
      if (amount !== undefined && (typeof amount !== 'number' || !Number.isFinite(amount) || amount < 0)) {
        fail(`${at}.${key}`, `= ${describeValue(amount)}: expected a finite number >= 0`);
      }
    }
    if (absolute === undefined && relative === undefined) fail(at, ': give "absolute" and/or "relative"');
    if (direction !== undefined && direction !== 'higher-is-better' && direction !== 'lower-is-better') {
      fail(`${at}.direction`, `= ${describeValue(direction)}: expected "higher-is-better" or "lower-is-better"`);
    }
  }
  return margins as Record<string, MetricMargin>;
}

/** Validates a table of per-seed entries; errors name the field. */
export function parseMetricsTable(value: unknown, field: string): MetricsTable {
  if (value == null || typeof value !== 'object' || Array.isArray(value)) fail(field, ': expected an object of entries');
  for (const [entry, samples] of Object.entries(value as Record<string, unknown>)) {
    const at = `${field}.${entry}`;
    if (samples == null || typeof samples !== 'object' || Array.isArray(samples)) fail(at, ': expected {"seeds": [...], "metrics": {"name": [...]}}');
    const { seeds, metrics } = samples as Record<string, unknown>;
    if (!Array.isArray(seeds) || seeds.length === 0 || seeds.some((seed) => !Number.isInteger(seed))) {
      fail(`${at}.seeds`, `= ${describeValue(seeds)}: expected a non-empty array of integer seeds (format 2 stores every seed's value)`);
    }
    if (new Set(seeds).size !== seeds.length) fail(`${at}.seeds`, `= ${describeValue(seeds)}: seeds must be distinct`);
    if (metrics == null || typeof metrics !== 'object' || Array.isArray(metrics)) fail(`${at}.metrics`, ': expected an object of per-seed value arrays');
    for (const [metric, values] of Object.entries(metrics as Record<string, unknown>)) {
      if (!Array.isArray(values) || values.length !== seeds.length || values.some((number) => typeof number !== 'number' || !Number.isFinite(number))) {
        fail(`${at}.metrics.${metric}`, `= ${describeValue(values)}: expected ${seeds.length} finite numbers, one per seed`);
      }
    }
  }
  return value as MetricsTable;
}

/** Options of {@link parseBaseline}. */
export interface ParseBaselineOptions {
  /**
   * Accept a format-1 baseline (means only) by keeping its tolerances as margins and dropping its
   * entries. Only `--update` uses this: it is about to replace the entries anyway.
   */
  marginsOnly?: boolean;
}

/** How to regenerate a baseline, for error messages. */
export function regenerateHint(path: string): string {
  return `regenerate it with \`layerwise check --baseline ${path} --run <gate> --update\` (or \`--results <sweep-dir> --update\`); its margins are kept`;
}

/** Validates parsed JSON as a baseline; errors name the field. */
export function parseBaseline(value: unknown, source = 'baseline', options: ParseBaselineOptions = {}): Baseline {
  if (value == null || typeof value !== 'object' || Array.isArray(value)) fail(source, ': expected a JSON object');
  const record = value as Record<string, unknown>;
  if (record.version === 1) {
    if (!options.marginsOnly) {
      fail(
        `${source}.version`,
        ` = 1: this baseline stores means only (format 1), but the statistical gate compares per-seed values (format 2); ${regenerateHint(source)}`,
      );
    }
    return { version: 2, description: typeof record.description === 'string' ? record.description : undefined, alpha: DEFAULT_ALPHA, keys: 'configurations', margins: parseMargins(record.tolerances, `${source}.tolerances`), entries: {} };
  }
  if (record.version !== 2) fail(`${source}.version`, ` = ${describeValue(record.version)}: expected 2 (or 1, which --update converts)`);
  const alpha = record.alpha ?? DEFAULT_ALPHA;
  if (typeof alpha !== 'number' || !(alpha > 0 && alpha < 0.5)) fail(`${source}.alpha`, ` = ${describeValue(alpha)}: expected a number in (0, 0.5)`);
  const keys = record.keys ?? 'configurations';
  if (!ENTRY_KEYS.includes(keys as EntryKeys)) fail(`${source}.keys`, ` = ${describeValue(keys)}: expected one of ${ENTRY_KEYS.map((key) => `"${key}"`).join(', ')}`);
  return {
    version: 2,
    description: typeof record.description === 'string' ? record.description : undefined,
    alpha,
    keys: keys as EntryKeys,
    margins: parseMargins(record.margins, `${source}.margins`),
    entries: parseMetricsTable(record.entries, `${source}.entries`),
  };
}

export function readBaseline(path: string, options: ParseBaselineOptions = {}): Baseline {
  let text: string;
  try {
    text = fs.readFileSync(path, 'utf8');
  } catch (error) {
    throw new LayerwiseConfigError('--baseline', `: cannot read ${path}: ${(error as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new LayerwiseConfigError(path, `: not valid JSON: ${(error as Error).message}`);
  }
  return parseBaseline(parsed, path, options);
}

/** JSON with two-space indentation, but each array of numbers on one line so a seed's values read across. */
export function baselineJson(baseline: Baseline): string {
  return JSON.stringify(baseline, null, 2).replace(/\[\s*(-?[\d.e+-]+(?:,\s*-?[\d.e+-]+)*)\s*\]/g, (_match, inner: string) => `[${inner.split(/,\s*/).join(', ')}]`);
}

/** Writes a baseline atomically (temp file + rename) so a crash never leaves half a file. */
export function writeBaseline(path: string, baseline: Baseline): void {
  const temporary = `${path}.tmp-${process.pid}`;
  fs.writeFileSync(temporary, `${baselineJson(baseline)}\n`);
  fs.renameSync(temporary, path);
}
