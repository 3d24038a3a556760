/**
 * Uniform vs per-layer as paired differences over shared seeds. With the same seed both arms
 * see the same data split, initialization stream and shuffling, so differencing per seed removes
 * that shared variance and leaves the effect of the regularization choice.
 */
import type { ArmName } from '../sweep/record';
import { studentTCdf } from '../statistics/distributions';
import { holmAdjust } from './holm';
import { bootstrapMeans, Interval, IntervalOptions, mean, sampleStd, summarize } from '../statistics/summary-stats';
import type { SnapshotMetric, TrialSummary } from '../sweep/selection/trial-summary';

/** One seed's pair of values. */
export interface SeedPair {
  seed: number;
  baseline: number;
  candidate: number;
}

/** Three readings of "how likely is the candidate better", each with its method. */
export interface ProbabilityOfImprovement {
  /**
   * Posterior probability that the mean difference favours the candidate, under the standard
   * noninformative (Jeffreys) prior for normal data: μ | d ~ d̄ + (s/√n)·t(n−1), so
   * P(μ < 0) = T_{n−1}(−d̄ / (s/√n)) for a lower-is-better metric. Null when n < 2;
   * 1, 0 or 0.5 when every difference is equal (s = 0).
   */
  posteriorT: number | null;
  /** Fraction of bootstrap resamples whose mean difference favours the candidate (ties count half). Null when n < 2. */
  bootstrap: number | null;
  /** Fraction of seeds on which the candidate was better (ties count half). Null when n = 0. */
  seedWinRate: number | null;
}

export interface PairedDifferenceSummary {
  /** Number of shared seeds. */
  n: number;
  /** candidate − baseline, per shared seed, in `seeds` order. */
  differences: number[];
  seeds: number[];
  meanDifference: number | null;
  std: number | null;
  /** t-interval of the mean difference (the paired t-test's interval). */
  tInterval: Interval | null;
  /** Percentile bootstrap interval of the mean difference (resampling seeds). */
  bootstrapInterval: Interval | null;
  probabilityCandidateBetter: ProbabilityOfImprovement;
  /**
   * Two-sided p-value of the paired t-test of "mean difference = 0": 2·(1 − T_{n−1}(|d̄|/(s/√n))).
   * Null when n < 2; 0 or 1 when every difference is equal (s = 0), as the difference is or is not 0.
   */
  pValue: number | null;
}

/** Two-sided paired t-test p-value of the differences (see `PairedDifferenceSummary.pValue`). */
export function pairedTTestPValue(differences: readonly number[]): number | null {
  const n = differences.length;
  if (n < 2) return null;
  const center = mean(differences);
  const standardError = sampleStd(differences) / Math.sqrt(n);
  if (standardError === 0) return center === 0 ? 1 : 0;
  return Math.min(1, 2 * (1 - studentTCdf(Math.abs(center / standardError), n - 1)));
}

/** Statistics of candidate − baseline over paired seeds. `lowerIsBetter` orients the probabilities. */
export function pairedDifferences(
  pairs: readonly SeedPair[],
  lowerIsBetter: boolean,
  options: IntervalOptions = {},
): PairedDifferenceSummary {
  const sortedPairs = [...pairs].sort((a, b) => a.seed - b.seed);
  const differences = sortedPairs.map((pair) => pair.candidate - pair.baseline);
  const n = differences.length;
  const stats = summarize(differences, options);
  const favours = (difference: number): number =>
    difference === 0 ? 0.5 : (lowerIsBetter ? difference < 0 : difference > 0) ? 1 : 0;

  let posteriorT: number | null = null;
  let bootstrap: number | null = null;
  if (n >= 2) {
    const center = mean(differences);
    const standardError = sampleStd(differences) / Math.sqrt(n);
    if (standardError === 0) {
      posteriorT = favours(center);
    } else {
      // P(μ favours the candidate): for lower-is-better that is P(μ < 0) = T(−d̄/se).
      const z = center / standardError;
      posteriorT = studentTCdf(lowerIsBetter ? -z : z, n - 1);
    }
    const resampled = bootstrapMeans(
      differences,
      options.bootstrapResamples ?? 10000,
      options.bootstrapSeed ?? 'layerwise',
    );
    bootstrap = resampled.reduce((sum, value) => sum + favours(value), 0) / resampled.length;
  }
  return {
    n,
    differences,
    seeds: sortedPairs.map((pair) => pair.seed),
    meanDifference: stats.mean,
    std: stats.std,
    tInterval: stats.tInterval,
    bootstrapInterval: stats.bootstrapInterval,
    probabilityCandidateBetter: {
      posteriorT,
      bootstrap,
      seedWinRate: n > 0 ? differences.reduce((sum, value) => sum + favours(value), 0) / n : null,
    },
    pValue: pairedTTestPValue(differences),
  };
}

/** Metrics compared between arms, and which direction is better. */
export const COMPARED_METRICS: ReadonlyArray<{ metric: SnapshotMetric; lowerIsBetter: boolean }> = [
  { metric: 'testLoss', lowerIsBetter: true },
  { metric: 'lossGap', lowerIsBetter: true },
  { metric: 'testAccuracy', lowerIsBetter: false },
  { metric: 'accuracyGap', lowerIsBetter: true },
  { metric: 'testMeanAbsoluteError', lowerIsBetter: true },
  { metric: 'validationLoss', lowerIsBetter: true },
];

/**
 * What a metric is for: 'selection' metrics (validation) chose each arm's configuration, so their
 * differences are biased toward the selected arms; 'evaluation' metrics (test split) judge them.
 */
export type MetricRole = 'selection' | 'evaluation';

export function metricRole(metric: SnapshotMetric): MetricRole {
  return metric.startsWith('validation') ? 'selection' : 'evaluation';
}

export interface PairedMetricComparison extends PairedDifferenceSummary {
  metric: SnapshotMetric;
  lowerIsBetter: boolean;
  role: MetricRole;
  /**
   * Holm-adjusted p-value over the evaluation metrics of this comparison (several test metrics are
   * tested at once, so one of them is "significant" by chance more often than α). Null for
   * selection metrics and when the raw p-value is null.
   */
  holmPValue: number | null;
}

export interface PairedComparison {
  baselineArm: ArmName;
  candidateArm: ArmName;
  baselineConfigId: string;
  candidateConfigId: string;
  /** Seeds with a usable trial in both selected configurations, ascending. */
  sharedSeeds: number[];
  /** Seeds present in only one of the two, which cannot be paired and are left out. */
  unpairedSeeds: { baseline: number[]; candidate: number[] };
  /** One entry per compared metric that both sides recorded on at least one shared seed. */
  metrics: PairedMetricComparison[];
  /** A warning for the reader when the pairs are too few for the bootstrap to mean much. */
  caution?: string;
}

/**
 * Below this many pairs a percentile bootstrap has too few distinct resamples to be trusted
 * (3 pairs give 10), so the report says so and points to the t-interval.
 */
export const MIN_PAIRS_FOR_BOOTSTRAP = 5;

export function pairedCaution(pairCount: number): string | undefined {
  if (pairCount >= MIN_PAIRS_FOR_BOOTSTRAP) return undefined;
  return `only ${pairCount} paired seed(s): bootstrap intervals and probabilities are unreliable below ${MIN_PAIRS_FOR_BOOTSTRAP} seeds; read the t-interval and add seeds before drawing conclusions`;
}

function bySeed(trials: readonly TrialSummary[]): Map<number, TrialSummary> {
  const map = new Map<number, TrialSummary>();
  // If a seed appears twice (a retried trial recorded twice) keep the smallest trialId, deterministically.
  const sorted = trials.filter((trial) => trial.usable).sort((a, b) => (a.trialId < b.trialId ? -1 : 1));
  for (const trial of sorted) if (!map.has(trial.seed)) map.set(trial.seed, trial);
  return map;
}

/**
 * Compares the final metrics of two selected configurations seed by seed. Differences are
 * candidate − baseline, so for losses a negative difference favours the candidate.
 */
export function compareConfigurations(
  baseline: { arm: ArmName; configId: string; trials: readonly TrialSummary[] },
  candidate: { arm: ArmName; configId: string; trials: readonly TrialSummary[] },
  options: IntervalOptions = {},
): PairedComparison {
  const baselineBySeed = bySeed(baseline.trials);
  const candidateBySeed = bySeed(candidate.trials);
  const sharedSeeds = [...baselineBySeed.keys()].filter((seed) => candidateBySeed.has(seed)).sort((a, b) => a - b);
  const metrics: PairedMetricComparison[] = [];
  for (const { metric, lowerIsBetter } of COMPARED_METRICS) {
    const pairs: SeedPair[] = [];
    for (const seed of sharedSeeds) {
      const b = baselineBySeed.get(seed)?.final?.[metric];
      const c = candidateBySeed.get(seed)?.final?.[metric];
      if (typeof b === 'number' && typeof c === 'number' && Number.isFinite(b) && Number.isFinite(c)) {
        pairs.push({ seed, baseline: b, candidate: c });
      }
    }
    if (pairs.length === 0) continue;
    metrics.push({
      metric,
      lowerIsBetter,
      role: metricRole(metric),
      holmPValue: null,
      ...pairedDifferences(pairs, lowerIsBetter, {
        ...options,
        bootstrapSeed: `${options.bootstrapSeed ?? 'layerwise'}:paired:${metric}`,
      }),
    });
  }
  // Holm across the evaluation (test) metrics that have a p-value.
  const family = metrics.filter((entry) => entry.role === 'evaluation' && entry.pValue !== null);
  holmAdjust(family.map((entry) => entry.pValue as number)).forEach((adjusted, index) => {
    family[index].holmPValue = adjusted;
  });
  return {
    baselineArm: baseline.arm,
    candidateArm: candidate.arm,
    baselineConfigId: baseline.configId,
    candidateConfigId: candidate.configId,
    sharedSeeds,
    unpairedSeeds: {
      baseline: [...baselineBySeed.keys()].filter((seed) => !candidateBySeed.has(seed)).sort((a, b) => a - b),
      candidate: [...candidateBySeed.keys()].filter((seed) => !baselineBySeed.has(seed)).sort((a, b) => a - b),
    },
    metrics,
    caution: pairedCaution(sharedSeeds.length),
  };
}
