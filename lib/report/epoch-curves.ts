/**
 * Learning curves of one configuration aggregated over its seeds: per epoch, mean and standard
 * deviation of each data loss and accuracy. Seeds that stopped early simply stop contributing,
 * so every point carries its own n.
 */
import { mean, sampleStd } from '../statistics/summary-stats';
import { snapshotOf, TrialSummary } from '../sweep/selection/trial-summary';
import type { TrialRecord } from '../sweep/record';

/** Mean and sample standard deviation (null when n < 2) of one metric at one epoch. */
export interface MeanStd {
  n: number;
  mean: number;
  std: number | null;
}

export const CURVE_METRICS = [
  'trainLoss',
  'validationLoss',
  'testLoss',
  'lossGap',
  'trainAccuracy',
  'validationAccuracy',
  'testAccuracy',
  'penalty',
] as const;
export type CurveMetric = (typeof CURVE_METRICS)[number];

export interface EpochCurvePoint {
  epoch: number;
  /** Metrics with at least one finite value at this epoch. */
  metrics: Partial<Record<CurveMetric, MeanStd>>;
}

export interface EpochCurve {
  configId: string;
  points: EpochCurvePoint[];
}

/**
 * Aggregates per-epoch records of the usable trials of one configuration. `records` are the
 * raw trial records; `usableTrialIds` says which of them enter statistics.
 */
export function epochCurve(
  configId: string,
  records: readonly TrialRecord[],
  usableTrials: readonly Pick<TrialSummary, 'trialId' | 'usable'>[],
): EpochCurve {
  const usable = new Set(usableTrials.filter((trial) => trial.usable).map((trial) => trial.trialId));
  const byEpoch = new Map<number, Partial<Record<CurveMetric, number[]>>>();
  for (const record of records) {
    if (record.configId !== configId || !usable.has(record.trialId)) continue;
    for (const epochRecord of record.epochs ?? []) {
      const snapshot = snapshotOf(epochRecord);
      const bucket = byEpoch.get(snapshot.epoch) ?? {};
      byEpoch.set(snapshot.epoch, bucket);
      for (const metric of CURVE_METRICS) {
        const value = snapshot[metric];
        if (typeof value === 'number' && Number.isFinite(value)) (bucket[metric] ??= []).push(value);
      }
    }
  }
  const points = [...byEpoch.entries()]
    .sort(([a], [b]) => a - b)
    .map(([epoch, bucket]) => {
      const metrics: Partial<Record<CurveMetric, MeanStd>> = {};
      for (const metric of CURVE_METRICS) {
        const values = bucket[metric];
        if (!values || values.length === 0) continue;
        metrics[metric] = { n: values.length, mean: mean(values), std: values.length > 1 ? sampleStd(values) : null };
      }
      return { epoch, metrics };
    });
  return { configId, points };
}
