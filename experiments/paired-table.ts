/**
 * Every setting against one reference setting, paired by seed: the mean difference of a final
 * metric with its 95% t-interval over the shared seeds, and a reading the interval supports. Used
 * for grid studies (every grid point is reported, none selected), where the reporter's
 * selected-vs-selected comparison does not apply.
 */
import { mean, sampleStd, studentTQuantile } from '../lib/report';
import type { TrialRecord } from '../lib/sweep';
import type { SettingLabel } from './common';

/** A final metric of a record, or undefined when it was not measured. */
export type MetricOf = (record: TrialRecord) => number | undefined;

/** One compared metric: its column name, how to read it, and whether lower is better. */
export interface PairedMetric {
  name: string;
  of: MetricOf;
  lowerIsBetter: boolean;
}

const fmt = (value: number) => Number(value.toPrecision(3)).toString();

/**
 * Markdown table: one row per setting other than `reference`, one column per metric with
 * "mean [low, high]" of setting − reference over the seeds both completed, then a line naming the
 * settings whose interval on the first metric excludes zero (better or worse), or saying there is
 * no evidence of a difference.
 */
export function pairedAgainstReference(records: readonly TrialRecord[], label: SettingLabel, reference: string, metrics: readonly PairedMetric[]): string {
  const complete = records.filter((record) => record.state === 'complete' && record.final !== undefined);
  const bySetting = new Map<string, Map<number, TrialRecord>>();
  for (const record of complete) {
    const key = label(record);
    const seeds = bySetting.get(key) ?? new Map<number, TrialRecord>();
    seeds.set(record.seed, record);
    bySetting.set(key, seeds);
  }
  const base = bySetting.get(reference);
  if (base === undefined) return `(no completed trials of the reference setting "${reference}")`;
  const lines = [`| setting − ${reference} | ${metrics.map((metric) => `${metric.name} [95% t]`).join(' | ')} | seeds |`, `| --- | ${metrics.map(() => '---').join(' | ')} | ---: |`];
  const better: string[] = [];
  const worse: string[] = [];
  for (const [key, seeds] of bySetting) {
    if (key === reference) continue;
    const shared = [...seeds.keys()].filter((seed) => base.has(seed)).sort((a, b) => a - b);
    const cells = metrics.map((metric, m) => {
      const differences = shared
        .map((seed) => {
          const value = metric.of(seeds.get(seed)!);
          const referenceValue = metric.of(base.get(seed)!);
          return value === undefined || referenceValue === undefined ? undefined : value - referenceValue;
        })
        .filter((value): value is number => value !== undefined && Number.isFinite(value));
      if (differences.length < 2) return differences.length === 1 ? fmt(differences[0]) : '–';
      const center = mean(differences);
      const half = studentTQuantile(0.975, differences.length - 1) * (sampleStd(differences) / Math.sqrt(differences.length));
      if (m === 0 && center + half < 0) (metric.lowerIsBetter ? better : worse).push(key);
      if (m === 0 && center - half > 0) (metric.lowerIsBetter ? worse : better).push(key);
      return `${fmt(center)} [${fmt(center - half)}, ${fmt(center + half)}]`;
    });
    lines.push(`| ${key} | ${cells.join(' | ')} | ${shared.length} |`);
  }
  const first = metrics[0].name;
  const reading =
    better.length === 0 && worse.length === 0
      ? `no setting's ${first} interval excludes zero: no evidence of a difference from ${reference} at this number of seeds`
      : [
          better.length > 0 ? `better than ${reference} on ${first}: ${better.join(', ')}` : '',
          worse.length > 0 ? `worse than ${reference} on ${first}: ${worse.join(', ')}` : '',
        ]
          .filter((part) => part !== '')
          .join('; ');
  return `${lines.join('\n')}\n\nReading (95% t-intervals over paired seeds, not corrected for the ${bySetting.size - 1} comparisons): ${reading}.`;
}
