/**
 * The budget curve as a user of the sweep would live it: after the first k configurations of each
 * arm (in the order the sampler proposed them, from the recorded trials), pick the one with the
 * best mean validation loss over its seeds, and look at that pick's test loss. The per-seed test
 * losses of the two arms' picks are paired by seed, so each k gets a paired t-interval of
 * candidate − baseline. This differs from the reporter's best-single-trial curve: it follows the
 * configuration a user would actually choose after k trials of the arm.
 */
import { mean, sampleStd, studentTQuantile } from '../lib/report';
import type { TrialRecord } from '../lib/sweep';

/** One configuration of an arm with its seeds' final losses. */
interface Configuration {
  index: number;
  configId: string;
  validation: Map<number, number>;
  test: Map<number, number>;
}

/** One row of the curve. */
export interface SelectionCurvePoint {
  /** Configurations of each arm seen so far (1-based). */
  configurations: number;
  /** Mean validation loss of each arm's pick after k configurations. */
  baselineValidation: number;
  candidateValidation: number;
  /** Mean test loss of each arm's pick. */
  baselineTest: number;
  candidateTest: number;
  /** Mean over shared seeds of candidate − baseline test loss, its 95% t-interval, and the number of shared seeds. */
  difference: number;
  interval: [number, number] | null;
  seeds: number;
}

function configurationsOf(records: readonly TrialRecord[], arm: string): Configuration[] {
  const byId = new Map<string, Configuration>();
  for (const record of records) {
    if (record.arm !== arm || record.state !== 'complete' || record.final?.validation === undefined || record.final.test === undefined) continue;
    const configuration = byId.get(record.configId) ?? { index: record.index, configId: record.configId, validation: new Map(), test: new Map() };
    configuration.validation.set(record.seed, record.final.validation.loss);
    configuration.test.set(record.seed, record.final.test.loss);
    byId.set(record.configId, configuration);
  }
  return [...byId.values()].sort((a, b) => a.index - b.index);
}

function pick(configurations: readonly Configuration[], k: number): Configuration | null {
  let best: Configuration | null = null;
  for (const configuration of configurations.filter((c) => c.index < k)) {
    if (best === null || mean([...configuration.validation.values()]) < mean([...best.validation.values()])) best = configuration;
  }
  return best;
}

/**
 * The curve for k = 1..budget. An arm with a single configuration (a `none` arm) keeps it at every
 * k. `confidence` is the two-sided level of the t-intervals (default 0.95).
 */
export function selectionCurve(records: readonly TrialRecord[], baselineArm: string, candidateArm: string, budget: number, confidence = 0.95): SelectionCurvePoint[] {
  const baseline = configurationsOf(records, baselineArm);
  const candidate = configurationsOf(records, candidateArm);
  const points: SelectionCurvePoint[] = [];
  for (let k = 1; k <= budget; k++) {
    const b = baseline.length === 1 ? baseline[0] : pick(baseline, k);
    const c = candidate.length === 1 ? candidate[0] : pick(candidate, k);
    if (b === null || c === null) continue;
    const shared = [...c.test.keys()].filter((seed) => b.test.has(seed)).sort((x, y) => x - y);
    const differences = shared.map((seed) => c.test.get(seed)! - b.test.get(seed)!);
    const half = differences.length > 1 ? studentTQuantile(0.5 + confidence / 2, differences.length - 1) * (sampleStd(differences) / Math.sqrt(differences.length)) : null;
    const difference = mean(differences);
    points.push({
      configurations: k,
      baselineValidation: mean([...b.validation.values()]),
      candidateValidation: mean([...c.validation.values()]),
      baselineTest: mean([...b.test.values()]),
      candidateTest: mean([...c.test.values()]),
      difference,
      interval: half === null ? null : [difference - half, difference + half],
      seeds: differences.length,
    });
  }
  return points;
}

const fmt = (value: number) => Number(value.toPrecision(4)).toString();

/** Markdown table of the curve plus a one-line reading: the first k where the candidate's pick is ahead on test, and whether any interval excludes 0. */
export function selectionCurveMarkdown(points: readonly SelectionCurvePoint[], baselineArm: string, candidateArm: string): string {
  const lines = [
    `| k (configurations per arm) | ${baselineArm}: val loss of pick | ${candidateArm}: val loss of pick | ${baselineArm}: test loss | ${candidateArm}: test loss | ${candidateArm} − ${baselineArm}, test loss [95% t] | seeds |`,
    '| ---: | ---: | ---: | ---: | ---: | --- | ---: |',
    ...points.map(
      (point) =>
        `| ${point.configurations} | ${fmt(point.baselineValidation)} | ${fmt(point.candidateValidation)} | ${fmt(point.baselineTest)} | ${fmt(point.candidateTest)} | ` +
        `${fmt(point.difference)}${point.interval ? ` [${fmt(point.interval[0])}, ${fmt(point.interval[1])}]` : ''} | ${point.seeds} |`,
    ),
  ];
  const ahead = points.filter((point) => point.difference < 0);
  const decisive = points.filter((point) => point.interval !== null && (point.interval[1] < 0 || point.interval[0] > 0));
  const overtakes = ahead.length === 0 ? `${candidateArm}'s pick is never ahead of ${baselineArm}'s on mean test loss` : `${candidateArm}'s pick is first ahead on mean test loss at k = ${ahead[0].configurations} (ahead at ${ahead.length} of ${points.length} budgets)`;
  const decided =
    decisive.length === 0
      ? 'no interval excludes 0: no evidence of a difference at any of these budgets'
      : `intervals excluding 0 at k = ${decisive.map((point) => `${point.configurations} (${point.difference < 0 ? `${candidateArm} better` : `${baselineArm} better`})`).join(', ')}`;
  return `${lines.join('\n')}\n\nReading: ${overtakes}; ${decided}.`;
}
