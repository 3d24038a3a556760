/** The trials of each arm's validation-selected configuration, for a compact per-setting table. */
import type { SweepReport } from '../lib/report';
import type { TrialRecord } from '../lib/sweep';

export function selectedSettings(report: SweepReport, records: readonly TrialRecord[]): TrialRecord[] {
  const chosen = new Set(report.arms.map((arm) => arm.selection.configId).filter((id): id is string => typeof id === 'string'));
  return records.filter((record) => chosen.has(record.configId));
}
