/**
 * Compares fresh metrics with a baseline. A metric regresses when it is worse than the baseline by
 * more than its tolerance (absolute and relative allowances add up when both are given). Better
 * values never fail. Entries or metrics missing from the fresh results fail (a gate that silently
 * stops measuring is a broken gate); new ones are reported and pass.
 */
import { Baseline, DEFAULT_TOLERANCES, directionOf, MetricsTable, toleranceFor } from './baseline';

export type Verdict = 'ok' | 'improved' | 'regressed' | 'missing' | 'new';

export interface CheckRow {
  entry: string;
  metric: string;
  baseline?: number;
  now?: number;
  /** Largest allowed worsening, in the metric's units. */
  allowed?: number;
  /** Human-readable tolerance, e.g. `±0.02 abs` or `10% rel`. */
  tolerance: string;
  verdict: Verdict;
}

export interface CheckReport {
  rows: CheckRow[];
  passed: boolean;
  regressions: number;
}

function describeTolerance(absolute?: number, relative?: number): string {
  const parts: string[] = [];
  if (absolute !== undefined) parts.push(`${absolute} abs`);
  if (relative !== undefined) parts.push(`${(relative * 100).toFixed(1).replace(/\.0$/, '')}% rel`);
  return parts.join(' + ');
}

export function compareToBaseline(current: MetricsTable, baseline: Baseline): CheckReport {
  const rows: CheckRow[] = [];
  const entries = new Set([...Object.keys(baseline.entries), ...Object.keys(current)]);
  for (const entry of [...entries].sort()) {
    const expected = baseline.entries[entry] ?? {};
    const actual = current[entry] ?? {};
    const metrics = new Set([...Object.keys(expected), ...Object.keys(actual)]);
    for (const metric of [...metrics].sort()) {
      const tolerance = toleranceFor(metric, baseline.tolerances);
      const toleranceText = describeTolerance(tolerance.absolute, tolerance.relative);
      const before = expected[metric];
      const now = actual[metric];
      if (before === undefined) {
        rows.push({ entry, metric, now, tolerance: toleranceText, verdict: 'new' });
        continue;
      }
      if (now === undefined || !Number.isFinite(now)) {
        rows.push({ entry, metric, baseline: before, now, tolerance: toleranceText, verdict: 'missing' });
        continue;
      }
      const allowed = (tolerance.absolute ?? 0) + (tolerance.relative ?? 0) * Math.abs(before);
      const worsening = directionOf(metric, tolerance) === 'higher-is-better' ? before - now : now - before;
      // A tiny epsilon keeps a value exactly at the edge of its tolerance from failing on float noise.
      const verdict: Verdict = worsening > allowed + 1e-12 ? 'regressed' : worsening < 0 ? 'improved' : 'ok';
      rows.push({ entry, metric, baseline: before, now, allowed, tolerance: toleranceText, verdict });
    }
  }
  const regressions = rows.filter((row) => row.verdict === 'regressed' || row.verdict === 'missing').length;
  return { rows, passed: regressions === 0, regressions };
}

/** A baseline holding `current` as its entries, keeping the old tolerances (for `--update`). */
export function updatedBaseline(current: MetricsTable, previous: Baseline | undefined, description?: string): Baseline {
  return {
    version: 1,
    description: description ?? previous?.description,
    tolerances: previous?.tolerances ?? { ...DEFAULT_TOLERANCES },
    entries: current,
  };
}
