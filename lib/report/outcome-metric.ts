/**
 * Which test metric a report's tables show next to the losses: accuracy for classification, mean
 * absolute error for regression (whose loss column is then the mean squared error). One choice for
 * the whole report, so a regression sweep never shows an accuracy column of dashes.
 */
import type { SnapshotMetric } from '../sweep/selection/trial-summary';

/** The column a report's tables show after the loss gap. */
export interface OutcomeMetric {
  metric: Extract<SnapshotMetric, 'testAccuracy' | 'testMeanAbsoluteError'>;
  /** Column title. */
  title: string;
}

/** Mean absolute error when some trial measured it and none measured accuracy (a regression sweep), else accuracy. */
export function outcomeMetric(report: { trials: ReadonlyArray<{ final?: { testAccuracy?: number; testMeanAbsoluteError?: number } }> }): OutcomeMetric {
  const regression = report.trials.some((trial) => trial.final?.testMeanAbsoluteError !== undefined) && !report.trials.some((trial) => trial.final?.testAccuracy !== undefined);
  return regression ? { metric: 'testMeanAbsoluteError', title: 'test MAE' } : { metric: 'testAccuracy', title: 'test accuracy' };
}
