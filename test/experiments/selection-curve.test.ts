/**
 * The budget curve of the Fashion-MNIST study (experiments/selection-curve.ts): after k
 * configurations each arm picks its best mean validation loss, and the picks' test losses are
 * compared seed by seed. Records are built by hand (the curve reads only arm, index, seed, state
 * and the final losses); the expected picks and differences follow from the numbers below.
 */
import { selectionCurve, selectionCurveMarkdown } from '../../experiments/selection-curve';
import type { TrialRecord } from '../../lib/sweep';

function record(arm: string, index: number, seed: number, validation: number, test: number): TrialRecord {
  const split = (loss: number) => ({ loss, accuracy: 0.5 });
  return {
    trialId: `${arm}-${index}-${seed}`,
    configId: `${arm}-${index}`,
    sweepName: 'curve',
    arm,
    index,
    params: {},
    seed,
    state: 'complete',
    attempts: 1,
    epochs: [],
    final: { epoch: 1, train: split(0.1), validation: split(validation), test: split(test), penalty: 0, penaltyPerLayer: {}, weightNorms: {}, seconds: 0 },
  } as TrialRecord;
}

const seeds = [1, 2, 3];
// uniform: config 0 (val 0.50) then config 1 (val 0.40, better); test 0.45 + seed/100 and 0.38 + seed/100.
// per-layer: config 0 (val 0.60), config 1 (val 0.70, worse), config 2 (val 0.30, best); test 0.55, 0.65, 0.30 (+ seed/1000).
const records: TrialRecord[] = [
  ...seeds.map((seed) => record('uniform', 0, seed, 0.5, 0.45 + seed / 100)),
  ...seeds.map((seed) => record('uniform', 1, seed, 0.4, 0.38 + seed / 100)),
  ...seeds.map((seed) => record('uniform', 2, seed, 0.45, 0.4)),
  ...seeds.map((seed) => record('per-layer', 0, seed, 0.6, 0.55 + seed / 1000)),
  ...seeds.map((seed) => record('per-layer', 1, seed, 0.7, 0.65 + seed / 1000)),
  ...seeds.map((seed) => record('per-layer', 2, seed, 0.3, 0.3 + seed / 1000)),
];

test('each arm keeps its best-validation pick among the first k configurations, and the picks are paired by seed', () => {
  const curve = selectionCurve(records, 'uniform', 'per-layer', 3);
  expect(curve.map((point) => point.configurations)).toEqual([1, 2, 3]);
  // Means of three equal values: equal to them up to float rounding (1e-12).
  [0.5, 0.4, 0.4].forEach((value, k) => expect(curve[k].baselineValidation).toBeCloseTo(value, 12));
  [0.6, 0.6, 0.3].forEach((value, k) => expect(curve[k].candidateValidation).toBeCloseTo(value, 12));
  // k = 1: per-layer 0.55+s/1000 − uniform 0.45+s/100 = 0.1 − 0.009·s → mean over s = 1..3: 0.1 − 0.018 = 0.082.
  expect(curve[0].difference).toBeCloseTo(0.082, 12);
  // k = 3: 0.3+s/1000 − (0.38+s/100) = −0.08 − 0.009·s → mean −0.098, sd 0.009 → t-interval ±4.302653·0.009/√3.
  expect(curve[2].difference).toBeCloseTo(-0.098, 12);
  const half = (4.302653 * 0.009) / Math.sqrt(3);
  expect(curve[2].interval![0]).toBeCloseTo(-0.098 - half, 5);
  expect(curve[2].interval![1]).toBeCloseTo(-0.098 + half, 5);
  expect(curve.every((point) => point.seeds === 3)).toBe(true);
});

test('a one-configuration arm (none) keeps that configuration at every k', () => {
  const withNone = [...records, ...seeds.map((seed) => record('none', 0, seed, 0.55, 0.5))];
  const curve = selectionCurve(withNone, 'none', 'uniform', 3);
  curve.forEach((point) => expect(point.baselineTest).toBeCloseTo(0.5, 12));
});

test('the reading names the first k where the candidate is ahead and the budgets whose interval excludes 0', () => {
  const text = selectionCurveMarkdown(selectionCurve(records, 'uniform', 'per-layer', 3), 'uniform', 'per-layer');
  expect(text).toContain("per-layer's pick is first ahead on mean test loss at k = 3 (ahead at 1 of 3 budgets)");
  expect(text).toContain('intervals excluding 0 at k = 1 (uniform better), 2 (uniform better), 3 (per-layer better)');
});

test('never ahead and never decisive reads as no evidence', () => {
  const tied = [...seeds.map((seed) => record('uniform', 0, seed, 0.5, 0.4 + seed / 100)), ...seeds.map((seed) => record('per-layer', 0, seed, 0.5, 0.4 + (4 - seed) / 100))];
  const text = selectionCurveMarkdown(selectionCurve(tied, 'uniform', 'per-layer', 1), 'uniform', 'per-layer');
  expect(text).toContain("per-layer's pick is never ahead of uniform's on mean test loss");
  expect(text).toContain('no evidence of a difference at any of these budgets');
});
