/**
 * Baselines for the accuracy regression gate: committed JSON files holding, per entry (an experiment
 * configuration such as `moons/l2=1e-3`), the metrics a fresh run must not regress from, and the
 * tolerances that decide what counts as a regression. Tolerances live in the file, next to the
 * numbers they judge, so a reviewer sees both in one diff.
 */
import * as fs from 'fs';
import { describeValue, LayerwiseConfigError } from '../errors/config-error';

/** How a metric is judged. */
export type MetricDirection = 'higher-is-better' | 'lower-is-better';

export interface MetricTolerance {
  /** Allowed worsening in absolute units (accuracy points as a fraction: 0.02 = 2 points). */
  absolute?: number;
  /** Allowed worsening relative to the baseline value (0.1 = 10%). */
  relative?: number;
  /** Which way is better. Default: inferred from the metric's name (see `directionOf`). */
  direction?: MetricDirection;
}

/** Metric values of each entry, e.g. `{ "moons/l2=1e-3": { testAccuracy: 0.91, testLoss: 0.25, lossGap: 0.04 } }`. */
export type MetricsTable = Record<string, Record<string, number>>;

export interface Baseline {
  /** File format version. */
  version: 1;
  /** Free text: what produced these numbers (command, backend, seeds). */
  description?: string;
  /** Tolerance per metric name; `default` applies to metrics without their own entry. */
  tolerances: Record<string, MetricTolerance>;
  entries: MetricsTable;
}

/**
 * Default tolerances: accuracy by absolute points, losses relatively, gaps must not grow by more
 * than an absolute amount. Chosen for small seeded experiments on one backend, where reruns agree
 * to ~1e-5; they are deliberately loose enough to survive a change of backend (cpu vs tensorflow
 * differ in the last float bits, which can flip a handful of test predictions).
 */
export const DEFAULT_TOLERANCES: Record<string, MetricTolerance> = {
  accuracy: { absolute: 0.02, direction: 'higher-is-better' },
  loss: { relative: 0.1, direction: 'lower-is-better' },
  gap: { absolute: 0.05, direction: 'lower-is-better' },
};

/** Infers the tolerance family of a metric from its name: `*accuracy*`, `*gap*` or `*loss*`. */
export function familyOf(metric: string): 'accuracy' | 'gap' | 'loss' | undefined {
  const lower = metric.toLowerCase();
  if (lower.includes('gap')) return 'gap';
  if (lower.includes('accuracy') || lower.endsWith('acc')) return 'accuracy';
  if (lower.includes('loss')) return 'loss';
  return undefined;
}

/** The tolerance that applies to `metric`: its own entry, else its family's, else `default`. */
export function toleranceFor(metric: string, tolerances: Record<string, MetricTolerance>): MetricTolerance {
  const family = familyOf(metric);
  const found = tolerances[metric] ?? (family ? tolerances[family] ?? DEFAULT_TOLERANCES[family] : undefined) ?? tolerances.default;
  if (found == null) {
    throw new LayerwiseConfigError(
      `tolerances.${metric}`,
      `: no tolerance for metric "${metric}"; add one to the baseline's "tolerances" (keys: a metric name, "accuracy", "loss", "gap" or "default")`,
    );
  }
  return found;
}

export function directionOf(metric: string, tolerance: MetricTolerance): MetricDirection {
  if (tolerance.direction) return tolerance.direction;
  return familyOf(metric) === 'accuracy' ? 'higher-is-better' : 'lower-is-better';
}

function fail(field: string, message: string): never {
  throw new LayerwiseConfigError(field, message);
}

/** Validates parsed JSON as a baseline; errors name the field. */
export function parseBaseline(value: unknown, source = 'baseline'): Baseline {
  if (value == null || typeof value !== 'object' || Array.isArray(value)) fail(source, ': expected a JSON object');
  const record = value as Record<string, unknown>;
  if (record.version !== 1) fail(`${source}.version`, `= ${describeValue(record.version)}: expected 1`);
  const tolerances = (record.tolerances ?? {}) as Record<string, unknown>;
  if (typeof tolerances !== 'object' || Array.isArray(tolerances)) fail(`${source}.tolerances`, ': expected an object');
  for (const [metric, tolerance] of Object.entries(tolerances)) {
    const field = `${source}.tolerances.${metric}`;
    if (tolerance == null || typeof tolerance !== 'object') fail(field, ': expected {absolute?, relative?, direction?}');
    const { absolute, relative, direction } = tolerance as MetricTolerance;
    for (const [key, amount] of [['absolute', absolute], ['relative', relative]] as const) {
      if (amount !== undefined && (typeof amount !== 'number' || !Number.isFinite(amount) || amount < 0)) {
        fail(`${field}.${key}`, `= ${describeValue(amount)}: expected a finite number >= 0`);
      }
    }
    if (absolute === undefined && relative === undefined) fail(field, ': give "absolute" and/or "relative"');
    if (direction !== undefined && direction !== 'higher-is-better' && direction !== 'lower-is-better') {
      fail(`${field}.direction`, `= ${describeValue(direction)}: expected "higher-is-better" or "lower-is-better"`);
    }
  }
  const entries = record.entries;
  if (entries == null || typeof entries !== 'object' || Array.isArray(entries)) fail(`${source}.entries`, ': expected an object of entries');
  for (const [entry, metrics] of Object.entries(entries as Record<string, unknown>)) {
    if (metrics == null || typeof metrics !== 'object' || Array.isArray(metrics)) fail(`${source}.entries.${entry}`, ': expected an object of metric values');
    for (const [metric, number] of Object.entries(metrics as Record<string, unknown>)) {
      if (typeof number !== 'number' || !Number.isFinite(number)) {
        fail(`${source}.entries.${entry}.${metric}`, `= ${describeValue(number)}: expected a finite number`);
      }
    }
  }
  return {
    version: 1,
    description: typeof record.description === 'string' ? record.description : undefined,
    tolerances: tolerances as Record<string, MetricTolerance>,
    entries: entries as MetricsTable,
  };
}

export function readBaseline(path: string): Baseline {
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
  return parseBaseline(parsed, path);
}

/** Writes a baseline atomically (temp file + rename) so a crash never leaves half a file. */
export function writeBaseline(path: string, baseline: Baseline): void {
  const temporary = `${path}.tmp-${process.pid}`;
  fs.writeFileSync(temporary, `${JSON.stringify(baseline, null, 2)}\n`);
  fs.renameSync(temporary, path);
}
