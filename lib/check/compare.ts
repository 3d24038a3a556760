/**
 * Compares fresh per-seed metrics with a baseline, metric by metric, with the non-inferiority test
 * of non-inferiority.ts: a metric fails only when a regression beyond its margin is established,
 * passes when staying within the margin is established, and is "undecided" otherwise, which
 * fails or passes as `undecided` says. Entries or metrics missing from the fresh results fail (a
 * gate that silently stops measuring is a broken gate); new ones are reported and pass.
 */
import { allowedWorsening, Baseline, DEFAULT_ALPHA, DEFAULT_MARGINS, directionOf, EntryKeys, marginFor, MetricsTable } from './baseline';
import { decideNonInferiority, NonInferiorityResult } from './non-inferiority';

export type Verdict = 'ok' | 'improved' | 'regressed' | 'undecided' | 'missing' | 'new';

/** What an undecided metric does to the gate. */
export type UndecidedPolicy = 'fail' | 'pass';
export const UNDECIDED_POLICIES: readonly UndecidedPolicy[] = ['fail', 'pass'];
/**
 * Default: undecided passes (with its "about N more seeds would decide" line), so the gate fails
 * only on an established regression; CI that must prove non-inferiority passes `--undecided fail`.
 */
export const DEFAULT_UNDECIDED_POLICY: UndecidedPolicy = 'pass';

export interface CheckRow {
  entry: string;
  metric: string;
  /** Baseline mean over its seeds. */
  baseline?: number;
  /** Fresh mean over its seeds. */
  now?: number;
  /** Largest allowed worsening, in the metric's units. */
  allowed?: number;
  /** Human-readable margin, e.g. `0.02 abs` or `10% rel`. */
  tolerance: string;
  /** The statistical decision, for compared metrics. */
  test?: NonInferiorityResult;
  verdict: Verdict;
  /** True when this row makes the gate fail. */
  failing: boolean;
}

export interface CheckReport {
  rows: CheckRow[];
  passed: boolean;
  /** Rows that fail the gate (regressed, missing, and undecided under `undecided: 'fail'`). */
  regressions: number;
  /** Undecided rows, failing or not. */
  undecided: number;
  undecidedPolicy: UndecidedPolicy;
  alpha: number;
}

/** Options of {@link compareToBaseline}. */
export interface CompareOptions {
  /** Whether an undecided metric fails the gate. Default {@link DEFAULT_UNDECIDED_POLICY}. */
  undecided?: UndecidedPolicy;
}

function describeMargin(absolute?: number, relative?: number): string {
  const parts: string[] = [];
  if (absolute !== undefined) parts.push(`${absolute} abs`);
  if (relative !== undefined) parts.push(`${(relative * 100).toFixed(1).replace(/\.0$/, '')}% rel`);
  return parts.join(' + ');
}

function mean(values: readonly number[]): number {
  return values.reduce((sum, value) => sum + value, 0) / values.length;
}

export function compareToBaseline(current: MetricsTable, baseline: Baseline, options: CompareOptions = {}): CheckReport {
  const policy = options.undecided ?? DEFAULT_UNDECIDED_POLICY;
  if (!UNDECIDED_POLICIES.includes(policy)) throw new RangeError(`undecided: got ${JSON.stringify(policy)}; allowed: ${UNDECIDED_POLICIES.join(', ')}`);
  const alpha = baseline.alpha ?? DEFAULT_ALPHA;
  const rows: CheckRow[] = [];
  const entries = new Set([...Object.keys(baseline.entries), ...Object.keys(current)]);
  for (const entry of [...entries].sort()) {
    const expected = baseline.entries[entry];
    const actual = current[entry];
    const metrics = new Set([...Object.keys(expected?.metrics ?? {}), ...Object.keys(actual?.metrics ?? {})]);
    for (const metric of [...metrics].sort()) {
      const margin = marginFor(metric, baseline.margins);
      const tolerance = describeMargin(margin.absolute, margin.relative);
      const before = expected?.metrics[metric];
      const now = actual?.metrics[metric];
      const nowFinite = now !== undefined && now.length > 0 && now.every(Number.isFinite);
      if (before === undefined) {
        rows.push({ entry, metric, now: nowFinite ? mean(now) : undefined, tolerance, verdict: 'new', failing: false });
        continue;
      }
      const baselineMean = mean(before);
      if (!nowFinite) {
        rows.push({ entry, metric, baseline: baselineMean, tolerance, verdict: 'missing', failing: true });
        continue;
      }
      const allowed = allowedWorsening(margin, baselineMean);
      const test = decideNonInferiority({
        baseline: { seeds: expected.seeds, values: before },
        current: { seeds: actual.seeds, values: now },
        margin: allowed,
        higherIsBetter: directionOf(metric, margin) === 'higher-is-better',
        alpha,
      });
      const verdict: Verdict = test.verdict === 'non-inferior' ? 'ok' : test.verdict;
      const failing = verdict === 'regressed' || (verdict === 'undecided' && policy === 'fail');
      rows.push({ entry, metric, baseline: baselineMean, now: test.currentMean, allowed, tolerance, test, verdict, failing });
    }
  }
  const regressions = rows.filter((row) => row.failing).length;
  const undecided = rows.filter((row) => row.verdict === 'undecided').length;
  return { rows, passed: regressions === 0, regressions, undecided, undecidedPolicy: policy, alpha };
}

/** A baseline holding `current` as its entries, keeping the old margins, alpha and key scheme (for `--update`). */
export function updatedBaseline(current: MetricsTable, previous: Baseline | undefined, description?: string, keys?: EntryKeys): Baseline {
  return {
    version: 2,
    description: description ?? previous?.description,
    alpha: previous?.alpha ?? DEFAULT_ALPHA,
    keys: keys ?? previous?.keys ?? 'configurations',
    margins: previous?.margins ?? { ...DEFAULT_MARGINS },
    entries: current,
  };
}
