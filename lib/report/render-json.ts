/** The report as JSON: every number the other views show, machine-readable. */
import type { SweepReport } from './analyze';
import { reportForJson } from './view-limits';

/** Pretty-printed JSON of the report (per-trial rows truncated by the stated rule of `reportForJson`); non-finite numbers (which JSON cannot hold) become null. */
export function renderJson(report: SweepReport): string {
  return JSON.stringify(reportForJson(report), (_key, value: unknown) => (typeof value === 'number' && !Number.isFinite(value) ? null : value), 2) + '\n';
}
