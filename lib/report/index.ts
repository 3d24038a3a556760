/**
 * Statistics over trial records and renderers, kept apart: `analyzeSweep` computes every number
 * (pure, no tensors); `render*` only format a `SweepReport`; `writeReport` writes every format.
 */
export type { AnalysisOptions, ArmSummary, ReportSettings, SweepReport } from './analyze';
export { analyzeSweep } from './analyze';
export type { Interval, IntervalOptions, MetricSummary } from '../statistics/summary-stats';
export { bootstrapInterval, bootstrapMeans, mean, sampleStd, summarize, tInterval } from '../statistics/summary-stats';
export { sampleQuantiles, studentTCdf, studentTQuantile } from '../statistics/distributions';
export type { EpochSnapshot, ExclusionReason, SnapshotMetric, TrialCounts, TrialSummary } from '../sweep/selection/trial-summary';
export { bestValidationEpoch, countTrials, SNAPSHOT_METRICS, snapshotOf, summarizeTrial } from '../sweep/selection/trial-summary';
export type { ConfigurationSummary, LayerCoefficient } from '../sweep/selection/configuration-summary';
export { layerCoefficientsOf, summarizeConfiguration } from '../sweep/selection/configuration-summary';
export type { ArmSelection, SelectionObjective, SelectionOptions } from '../sweep/selection/selection';
export { SELECTION_OBJECTIVES, selectConfiguration } from '../sweep/selection/selection';
export type { PairedComparison, PairedDifferenceSummary, PairedMetricComparison, ProbabilityOfImprovement, SeedPair } from './paired-comparison';
export { COMPARED_METRICS, compareConfigurations, pairedDifferences, pairedCaution, MIN_PAIRS_FOR_BOOTSTRAP } from './paired-comparison';
export type { BudgetCurve, BudgetPoint } from './budget-curve';
export { budgetCurve } from './budget-curve';
export type { CurveMetric, EpochCurve, EpochCurvePoint, MeanStd } from './epoch-curves';
export { CURVE_METRICS, epochCurve } from './epoch-curves';
export { csvField, csvRow, describeParams, escapeHtml, escapeMarkdown, formatInterval, formatMeanStd, formatNumber, formatProbability } from './format';
export { renderTable, terminalSafe } from './render-table';
export { renderJson } from './render-json';
export { renderConfigurationsCsv, renderTrialsCsv } from './render-csv';
export { renderMarkdown } from './render-markdown';
export type { RenderedHtml } from './render-html';
export { renderHtml } from './render-html';
export type { ChartDefinition, RenderedChart } from './charts';
export { renderChartSvg, reportCharts } from './charts';
export type { ScalarWriter, TensorBoardOptions, TensorBoardResult } from './tensorboard';
export { runDirectoryOf, writeTensorBoardLogs } from './tensorboard';
export type { ReportFormat, WriteReportOptions, WriteReportResult } from './write-report';
export { renderReport, REPORT_FILE_NAMES, REPORT_FORMATS, writeReport } from './write-report';
export type { ArmComparison, ReportAnswer } from './answer';
export { answerSentence, compareArmsWithBaseline } from './answer';
export { holmAdjust } from './holm';
export type { ConfidenceSequenceOptions, DecideOptions, DecisionResult, SequenceInterval, SequentialDecision } from '../statistics/confidence-sequence';
export { confidenceSequenceInterval, decide, DEFAULT_MIXTURE_PRECISION } from '../statistics/confidence-sequence';
export type { NoiseShape, SequentialSimulationArgs, SequentialSimulationResult } from './sequential-simulation';
export { simulateSequentialComparisons } from './sequential-simulation';
export type { FeatureImportance, ImportanceData, ImportanceEstimate, ImportanceOptions, LayerImportance } from './importance';
export { armsWithLayerCoefficients, estimateImportance, layerImportance } from './importance';
export type { FeatureBounds, TreeDecomposition } from './fanova';
export { decomposeTree, mainEffectShares } from './fanova';
export type { RegressionForest, RegressionForestOptions, RegressionTreeNode } from './surrogate-forest';
export { fitRegressionForest, predictForest, predictTree } from './surrogate-forest';
// Large sweeps: statistics from per-trial summaries, curves for the selected configurations, bounded views.
export { analyzeTrialSummaries, attachEpochCurves, DEFAULT_DETAILED_CONFIGURATIONS_PER_ARM, selectedConfigIds } from './analyze';
export type { SnapshotSource, TrialDigest } from '../sweep/selection/trial-summary';
export { digestTrial } from '../sweep/selection/trial-summary';
export { writeReportFiles } from './write-report';
export type { ChartBin, ShownRows } from './view-limits';
export { binPoints, budgetCurveSteps, compactConfiguration, detailedConfigurationIds, reportForJson, shownConfigurations, shownTrials, VIEW_LIMITS } from './view-limits';
