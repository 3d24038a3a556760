/**
 * Turns sweep trial records into the metrics a baseline holds: per configuration, the mean over
 * its seeds of the final test accuracy, test data loss and the generalization gaps. Means over
 * seeds make the gate judge the configuration rather than one lucky or unlucky seed.
 */
import type { TrialRecord } from '../sweep/record';
import type { MetricsTable } from './baseline';

/** Names an entry: the arm plus its parameters in a stable order, e.g. `uniform l2=0.001`. */
export function entryName(trial: Pick<TrialRecord, 'arm' | 'params'>): string {
  const parameters = Object.keys(trial.params)
    .sort()
    .map((key) => `${key}=${trial.params[key]}`)
    .join(',');
  return parameters === '' ? trial.arm : `${trial.arm} ${parameters}`;
}

function mean(values: number[]): number {
  return values.reduce((sum, value) => sum + value, 0) / values.length;
}

export function metricsFromTrials(trials: TrialRecord[]): MetricsTable {
  const groups = new Map<string, TrialRecord[]>();
  for (const trial of trials) {
    if (trial.state !== 'complete' || trial.final == null) continue;
    const name = entryName(trial);
    groups.set(name, [...(groups.get(name) ?? []), trial]);
  }
  const table: MetricsTable = {};
  for (const [name, group] of groups) {
    const finals = group.map((trial) => trial.final!);
    const metrics: Record<string, number> = {};
    const collect = (metric: string, pick: (final: (typeof finals)[number]) => number | undefined): void => {
      const values = finals.map(pick).filter((value): value is number => value !== undefined && Number.isFinite(value));
      if (values.length === finals.length && values.length > 0) metrics[metric] = mean(values);
    };
    collect('testAccuracy', (final) => final.test?.accuracy);
    collect('testLoss', (final) => final.test?.loss);
    collect('trainAccuracy', (final) => final.train.accuracy);
    collect('lossGap', (final) => final.lossGap);
    collect('accuracyGap', (final) => final.accuracyGap);
    table[name] = metrics;
  }
  return table;
}
