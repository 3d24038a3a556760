/** Paired differences over shared seeds, checked against hand computation. */
import { compareConfigurations, pairedCaution, pairedDifferences, pairedTTestPValue } from '../../lib/report/paired-comparison';
import { analyzeSweep } from '../../lib/report/analyze';
import { holmAdjust } from '../../lib/report/holm';
import { summarizeTrial } from '../../lib/sweep/selection/trial-summary';
import { trial } from './fixtures';

// Closed-form CDF of Student's t with 3 degrees of freedom: an independent check of jStat.
function tCdf3(t: number): number {
  const theta = Math.atan(t / Math.sqrt(3));
  return 0.5 + (theta + Math.sin(theta) * Math.cos(theta)) / Math.PI;
}

describe('pairedDifferences', () => {
  // candidate − baseline = [−0.1, −0.2, −0.05, −0.05]: mean −0.1, sd √(0.015/3) = 0.0707107,
  // se = 0.0353553, 95% t half-width 3.182446 · 0.0353553 = 0.112517.
  const pairs = [
    { seed: 3, baseline: 0.9, candidate: 0.85 },
    { seed: 1, baseline: 1.0, candidate: 0.9 },
    { seed: 2, baseline: 1.2, candidate: 1.0 },
    { seed: 4, baseline: 1.1, candidate: 1.05 },
  ];

  test('mean difference, sd and t-interval match the hand computation (tolerance 1e-5)', () => {
    const result = pairedDifferences(pairs, true, { bootstrapResamples: 4000 });
    expect(result.n).toBe(4);
    expect(result.seeds).toEqual([1, 2, 3, 4]);
    result.differences.forEach((difference, i) => expect(difference).toBeCloseTo([-0.1, -0.2, -0.05, -0.05][i], 12));
    expect(result.meanDifference).toBeCloseTo(-0.1, 12);
    expect(result.std).toBeCloseTo(Math.sqrt(0.005), 12);
    expect(result.tInterval?.lower).toBeCloseTo(-0.1 - 0.112517, 5);
    expect(result.tInterval?.upper).toBeCloseTo(-0.1 + 0.112517, 5);
  });

  test('P(candidate better) under t is T3(0.1/0.0353553) for a loss; the seed win rate is 4/4', () => {
    const result = pairedDifferences(pairs, true, { bootstrapResamples: 4000 });
    const expected = tCdf3(0.1 / (Math.sqrt(0.005) / 2)); // ≈ 0.96687
    expect(result.probabilityCandidateBetter.posteriorT).toBeCloseTo(expected, 6);
    expect(result.probabilityCandidateBetter.seedWinRate).toBe(1);
    // Every resampled mean of four negative differences is negative.
    expect(result.probabilityCandidateBetter.bootstrap).toBe(1);
  });

  test('for a higher-is-better metric the same differences make the candidate worse', () => {
    const result = pairedDifferences(pairs, false, { bootstrapResamples: 1000 });
    expect(result.probabilityCandidateBetter.posteriorT).toBeCloseTo(1 - tCdf3(0.1 / (Math.sqrt(0.005) / 2)), 6);
    expect(result.probabilityCandidateBetter.seedWinRate).toBe(0);
    expect(result.probabilityCandidateBetter.bootstrap).toBe(0);
  });

  test('pairing removes a shared seed effect that an unpaired comparison would see as noise', () => {
    // Seed effects of ±0.5 are shared; the candidate is better by exactly 0.01 on every seed.
    const shared = [0.5, -0.5, 0.3, -0.3].map((effect, seed) => ({ seed, baseline: 1 + effect, candidate: 0.99 + effect }));
    const result = pairedDifferences(shared, true, { bootstrapResamples: 500 });
    expect(result.std).toBeCloseTo(0, 12);
    expect(result.tInterval?.lower).toBeCloseTo(-0.01, 12);
    expect(result.tInterval?.upper).toBeCloseTo(-0.01, 12);
    expect(result.probabilityCandidateBetter.posteriorT).toBe(1);
  });

  test('one pair gives a difference but no interval or posterior', () => {
    const result = pairedDifferences([{ seed: 1, baseline: 1, candidate: 2 }], true);
    expect(result).toMatchObject({ n: 1, meanDifference: 1, std: null, tInterval: null, bootstrapInterval: null });
    expect(result.probabilityCandidateBetter).toEqual({ posteriorT: null, bootstrap: null, seedWinRate: 0 });
  });
});

describe('compareConfigurations', () => {
  test('pairs by seed, not by position, and reports seeds without a partner', () => {
    const baseline = [
      trial({ arm: 'uniform', configId: 'u', seed: 1, train: 0.1, validation: 0.3, test: 1.0 }),
      trial({ arm: 'uniform', configId: 'u', seed: 2, train: 0.1, validation: 0.3, test: 1.2 }),
      trial({ arm: 'uniform', configId: 'u', seed: 5, train: 0.1, validation: 0.3, test: 9.0 }),
    ].map(summarizeTrial);
    const candidate = [
      trial({ arm: 'per-layer', configId: 'p', seed: 2, train: 0.1, validation: 0.3, test: 1.0 }),
      trial({ arm: 'per-layer', configId: 'p', seed: 7, train: 0.1, validation: 0.3, test: 0.0 }),
      trial({ arm: 'per-layer', configId: 'p', seed: 1, train: 0.1, validation: 0.3, test: 0.9 }),
      trial({ arm: 'per-layer', configId: 'p', seed: 3, state: 'failed', train: 0.1, validation: 0.3, test: 0.0 }),
    ].map(summarizeTrial);
    const comparison = compareConfigurations(
      { arm: 'uniform', configId: 'u', trials: baseline },
      { arm: 'per-layer', configId: 'p', trials: candidate },
      { bootstrapResamples: 500 },
    );
    expect(comparison.sharedSeeds).toEqual([1, 2]);
    expect(comparison.unpairedSeeds).toEqual({ baseline: [5], candidate: [7] });
    const testLoss = comparison.metrics.find((entry) => entry.metric === 'testLoss');
    expect(testLoss?.differences.map((value) => Number(value.toFixed(12)))).toEqual([-0.1, -0.2]);
    expect(testLoss?.meanDifference).toBeCloseTo(-0.15, 12);
    // lossGap = test − train per seed, so its differences equal the test-loss differences here.
    expect(comparison.metrics.find((entry) => entry.metric === 'lossGap')?.meanDifference).toBeCloseTo(-0.15, 12);
    // No accuracy was recorded, so no accuracy comparison is invented.
    expect(comparison.metrics.map((entry) => entry.metric)).toEqual(['testLoss', 'lossGap', 'validationLoss']);
  });
});

describe('small-sample caution', () => {
  it('warns below 5 pairs and not from 5 on', () => {
    expect(pairedCaution(3)).toMatch(/only 3 paired seed\(s\): bootstrap intervals and probabilities are unreliable below 5 seeds/);
    expect(pairedCaution(5)).toBeUndefined();
  });
});

describe('paired t-test p-values, metric roles and Holm across test metrics', () => {
  test('p = 2·(1 − T_{n−1}(|t|)): differences [−0.02, −0.01, −0.03, 0, −0.015] give t = −3, p = 0.03994 (t table, df 4)', () => {
    expect(pairedTTestPValue([-0.02, -0.01, -0.03, 0, -0.015])).toBeCloseTo(0.03994, 4);
    expect(pairedTTestPValue([0.1])).toBeNull();
    expect(pairedTTestPValue([0.1, 0.1])).toBe(0);
    expect(pairedTTestPValue([0, 0])).toBe(1);
  });

  test('validation metrics are labelled selection and left out of the Holm family; test metrics are Holm-adjusted together', () => {
    const records = [1, 2, 3, 4].flatMap((seed) => [
      trial({ arm: 'uniform', configId: 'u', seed, train: 0.1, validation: 0.3, test: 0.3 + seed * 0.01, trainAccuracy: 1, testAccuracy: 0.9 }),
      trial({ arm: 'per-layer', configId: 'p', seed, train: 0.1, validation: 0.28, test: 0.29 + seed * 0.012, trainAccuracy: 1, testAccuracy: 0.91 - seed * 0.001 }),
    ]);
    const comparison = analyzeSweep(records, { bootstrapResamples: 100 }).comparison!;
    const byMetric = Object.fromEntries(comparison.metrics.map((entry) => [entry.metric, entry]));
    expect(byMetric.validationLoss.role).toBe('selection');
    expect(byMetric.validationLoss.holmPValue).toBeNull();
    const family = comparison.metrics.filter((entry) => entry.role === 'evaluation' && entry.pValue !== null);
    expect(family.map((entry) => entry.metric).sort()).toEqual(['accuracyGap', 'lossGap', 'testAccuracy', 'testLoss']);
    expect(family.map((entry) => entry.holmPValue)).toEqual(holmAdjust(family.map((entry) => entry.pValue as number)));
  });
});
