/**
 * The report a finished sweep run writes into its folder (`layerwise sweep --report`), from the
 * run's summary: every statistic from the trial summaries the end of the run read (no per-epoch
 * lists), and per-epoch records read back only for what is drawn from them: the learning curves of
 * the selected configurations, and TensorBoard logs of every trial of a sweep within the trial-view
 * limit (of a larger one, of the selected configurations), as `layerwise report --format all` does.
 */
import type { SweepSummary } from '../sweep/events';
import { summarizeTrial } from '../sweep/selection/trial-summary';
import { AnalysisOptions, analyzeTrialSummaries, attachEpochCurves, selectedConfigIds } from './analyze';
import { VIEW_LIMITS } from './view-limits';
import { WriteReportOptions, WriteReportResult, writeReportFiles } from './write-report';

/** Analyzes a sweep run's summary and writes every requested format into `outDir`. */
export async function writeSweepSummaryReport(
  outDir: string,
  summary: Pick<SweepSummary, 'trials' | 'evaluationTrials' | 'readRecords'>,
  options: WriteReportOptions = {},
): Promise<WriteReportResult> {
  const { formats, tensorboard, ...analysisOptions } = options;
  const report = analyzeTrialSummaries([...summary.trials, ...(summary.evaluationTrials ?? [])].map(summarizeTrial), analysisOptions as AnalysisOptions);
  const everyTrial = tensorboard !== false && report.trials.length <= VIEW_LIMITS.trials;
  const epochRecords = await summary.readRecords(everyTrial ? undefined : selectedConfigIds(report));
  attachEpochCurves(report, epochRecords);
  return writeReportFiles(outDir, report, epochRecords, { formats, tensorboard });
}
