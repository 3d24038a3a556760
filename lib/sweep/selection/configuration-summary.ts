/**
 * Per-configuration statistics: the seeds of one configId aggregated into mean, standard
 * deviation, t-interval and bootstrap interval for every final and best-epoch metric.
 */
import type { ArmName, ParameterValues } from '../record';
import { IntervalOptions, MetricSummary, summarize } from '../../statistics/summary-stats';
import { countTrials, SNAPSHOT_METRICS, SnapshotMetric, TrialCounts, TrialSummary } from './trial-summary';

/** One per-layer coefficient read from a parameter named `<kind>.<layerName>`, e.g. `l2.dense_1`. */
export interface LayerCoefficient {
  /** The full parameter name. */
  parameter: string;
  /** The part before the first dot, e.g. `l2`. */
  kind: string;
  /** The part after the first dot, e.g. `dense_1`. */
  layer: string;
  value: number;
}

export interface ConfigurationSummary {
  configId: string;
  arm: ArmName;
  params: ParameterValues;
  /** Smallest sampling index among its trials: the order in which the sweep tried it. */
  index: number;
  counts: TrialCounts;
  /** Seeds of the usable trials, ascending. */
  seeds: number[];
  /** Statistics over seeds of the metrics of the kept weights. */
  final: Record<SnapshotMetric, MetricSummary>;
  /** Statistics over seeds of the metrics at each trial's best-validation epoch. */
  best: Record<SnapshotMetric, MetricSummary>;
  /** Mean final L2 norm of each weight over usable seeds. */
  meanWeightNorms: Record<string, number>;
  /** The uniform coefficient of this configuration (see `AnalysisOptions.coefficientParameter`), if any. */
  coefficient?: number;
  /** Per-layer coefficients, from parameters named `<kind>.<layer>`. */
  layerCoefficients: LayerCoefficient[];
  /** 1-based rank within its arm by the validation selection objective (1 = selected); absent when not eligible. */
  selectionRank?: number;
}

/** `[kind, layer]` of each parameter name seen, or null when it is not `<kind>.<layer>`: one pair of strings per name, not per configuration. */
const NAME_PARTS = new Map<string, [string, string] | null>();

function coefficientNameParts(parameter: string): [string, string] | null {
  let parts = NAME_PARTS.get(parameter);
  if (parts === undefined) {
    const dot = parameter.indexOf('.');
    parts = dot <= 0 || dot === parameter.length - 1 ? null : [parameter.slice(0, dot), parameter.slice(dot + 1)];
    // Parameter names come from sweep definitions: few. Bounded anyway, so no input grows it without end.
    if (NAME_PARTS.size < 10000) NAME_PARTS.set(parameter, parts);
  }
  return parts;
}

/** Reads per-layer coefficients from parameters named `<kind>.<layer>` with numeric values. */
export function layerCoefficientsOf(params: ParameterValues): LayerCoefficient[] {
  const coefficients: LayerCoefficient[] = [];
  for (const [parameter, value] of Object.entries(params)) {
    if (typeof value !== 'number') continue;
    const parts = coefficientNameParts(parameter);
    if (parts === null) continue;
    coefficients.push({ parameter, kind: parts[0], layer: parts[1], value });
  }
  return coefficients.sort((a, b) => (a.parameter < b.parameter ? -1 : a.parameter > b.parameter ? 1 : 0));
}

/** The summary of a metric without a finite value (what `summarize([])` gives), shared and frozen. */
const EMPTY_METRIC_SUMMARY: MetricSummary = Object.freeze(summarize([]));

function summarizeMetrics(
  trials: readonly TrialSummary[],
  which: 'final' | 'best',
  configId: string,
  options: IntervalOptions,
): Record<SnapshotMetric, MetricSummary> {
  const result = {} as Record<SnapshotMetric, MetricSummary>;
  for (const metric of SNAPSHOT_METRICS) {
    const values = trials.map((trial) => trial[which]?.[metric]);
    // A metric no trial has (the mean-absolute-error fields of a classifier, say) shares one frozen
    // empty summary: 20,000 configurations otherwise hold 120,000 identical objects.
    if (!values.some((value) => typeof value === 'number' && Number.isFinite(value))) {
      result[metric] = EMPTY_METRIC_SUMMARY;
      continue;
    }
    // One stream per (configuration, metric) so a number does not depend on what else is in the sweep
    // (named only when a bootstrap runs: 20,000 configurations of a large sweep skip it).
    result[metric] = summarize(values, options.skipBootstrap ? options : { ...options, bootstrapSeed: `${options.bootstrapSeed ?? 'layerwise'}:${configId}:${which}.${metric}` });
  }
  return result;
}

/** Aggregates the trials of one configuration. `trials` must share one configId; only usable ones enter statistics. */
export function summarizeConfiguration(
  trials: readonly TrialSummary[],
  options: IntervalOptions & { coefficientParameter?: string } = {},
): ConfigurationSummary {
  if (trials.length === 0) throw new RangeError('report.summarizeConfiguration: trials is empty; allowed: the trials of one configuration');
  const first = trials[0];
  const usable = trials.filter((trial) => trial.usable);
  const norms: Record<string, number[]> = {};
  for (const trial of usable) {
    for (const [name, value] of Object.entries(trial.weightNorms)) (norms[name] ??= []).push(value);
  }
  const meanWeightNorms: Record<string, number> = {};
  for (const [name, values] of Object.entries(norms)) meanWeightNorms[name] = values.reduce((a, b) => a + b, 0) / values.length;
  const summary: ConfigurationSummary = {
    configId: first.configId,
    arm: first.arm,
    params: { ...first.params },
    index: Math.min(...trials.map((trial) => trial.index)),
    counts: countTrials(trials),
    seeds: usable.map((trial) => trial.seed).sort((a, b) => a - b),
    final: summarizeMetrics(usable, 'final', first.configId, options),
    best: summarizeMetrics(usable, 'best', first.configId, options),
    meanWeightNorms,
    layerCoefficients: layerCoefficientsOf(first.params),
  };
  const key = options.coefficientParameter;
  if (key !== undefined && typeof first.params[key] === 'number') summary.coefficient = first.params[key] as number;
  return summary;
}
