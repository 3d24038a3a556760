/**
 * The always-valid confidence sequence (Lai 1976 t-mixture) and the sequential rule `decide`.
 * The closed-form interval is checked against the mixture martingale computed directly from its
 * definition; the error rate under repeated looks is checked by seeded simulation.
 */
import { confidenceSequenceInterval, decide } from '../../lib/statistics/confidence-sequence';
import { simulateSequentialComparisons } from '../../lib/report/sequential-simulation';
import { tInterval } from '../../lib/statistics/summary-stats';

/** L_n(μ) = √(c/(n+c)) · (1 − S²/((n+c)V))^(−n/2), straight from the definition. */
function mixtureMartingale(values: number[], mu: number, c: number): number {
  const n = values.length;
  const s = values.reduce((sum, value) => sum + (value - mu), 0);
  const v = values.reduce((sum, value) => sum + (value - mu) ** 2, 0);
  return Math.sqrt(c / (n + c)) * (1 - (s * s) / ((n + c) * v)) ** (-n / 2);
}

const RULE = { alpha: 0.05, minSeeds: 3, maxSeeds: 20 };

describe('confidenceSequenceInterval', () => {
  const values = [0.3, -0.1, 0.5, 0.2, 0.4, 0.0, 0.25, 0.35];

  test('its bounds are exactly where the mixture martingale reaches 1/α = 20 (tolerance 5e-8)', () => {
    for (const c of [0.5, 1, 3]) {
      const interval = confidenceSequenceInterval(values, { alpha: 0.05, mixturePrecision: c });
      expect(mixtureMartingale(values, interval.lower, c)).toBeCloseTo(20, 7);
      expect(mixtureMartingale(values, interval.upper, c)).toBeCloseTo(20, 7);
      const center = (interval.lower + interval.upper) / 2;
      expect(mixtureMartingale(values, center, c)).toBeLessThan(20);
      expect(mixtureMartingale(values, interval.upper + 0.01, c)).toBeGreaterThan(20);
    }
  });

  test('with one value the martingale is 1 and the interval is the whole line; it is unbounded until enough values', () => {
    expect(mixtureMartingale([0.7], 0.1, 0.5)).toBeCloseTo(1, 12);
    expect(confidenceSequenceInterval([0.7])).toEqual({ lower: -Infinity, upper: Infinity, n: 1 });
    expect(confidenceSequenceInterval([1, 2, 3]).upper).toBe(Infinity); // c = 0.5: finite from 4 values
    expect(Number.isFinite(confidenceSequenceInterval([1, 2, 3, 4]).upper)).toBe(true);
  });

  test('is wider than the fixed-n t-interval (the price of looking after every seed)', () => {
    const sequence = confidenceSequenceInterval(values);
    const fixed = tInterval(values, 0.95)!;
    expect(sequence.upper - sequence.lower).toBeGreaterThan(fixed.upper - fixed.lower);
  });

  test('rejects bad input naming the argument', () => {
    expect(() => confidenceSequenceInterval([1, 2], { alpha: 1 })).toThrow('alpha: got 1');
    expect(() => confidenceSequenceInterval([1, 2], { mixturePrecision: 0 })).toThrow('mixturePrecision: got 0');
    expect(() => confidenceSequenceInterval([1, NaN])).toThrow('values: every value must be a finite number');
  });
});

describe('decide', () => {
  const clearlyLower = [-1.0, -1.1, -0.9, -1.05, -0.95, -1.0];

  test('orients the answer by lowerIsBetter', () => {
    expect(decide(clearlyLower).decision).toBe('better');
    expect(decide(clearlyLower, { lowerIsBetter: false }).decision).toBe('worse');
    expect(decide(clearlyLower).reason).toBe('beyond margin');
    expect(decide(clearlyLower).seeds).toBe(6);
  });

  test('needs the interval beyond the margin; inside ±margin it stops with "no difference"', () => {
    expect(decide(clearlyLower, { margin: 2 }).decision).toBe('no difference');
    expect(decide(clearlyLower, { margin: 2 }).reason).toBe('within margin');
    const small = [0.01, -0.01, 0.02, 0.0, -0.02, 0.01, 0.0, 0.01];
    expect(decide(small, { margin: 0 }).decision).toBe('continue');
    expect(decide(small, { margin: 0, maxSeeds: 8 })).toMatchObject({ decision: 'no difference', reason: 'max seeds reached' });
  });

  test('continues below minSeeds and rejects bad options', () => {
    expect(decide(clearlyLower, { minSeeds: 10 })).toMatchObject({ decision: 'continue', reason: 'below min seeds' });
    expect(() => decide([1, 2], { margin: -1 })).toThrow('margin: got -1');
    expect(() => decide([1, 2], { minSeeds: 5, maxSeeds: 3 })).toThrow('maxSeeds: got 3; allowed: an integer >= minSeeds (5)');
  });
});

describe('sequential rule by simulation (seeded, deterministic; looks after every seed from 3 to 20)', () => {
  test('A/A, normal differences: 21 of 1000 comparisons (2.1%) declare a difference, at most the stated 5%', () => {
    const result = simulateSequentialComparisons({ comparisons: 1000, trueDifference: 0, seed: 'aa', rule: RULE });
    expect(result.differenceRate).toBeLessThanOrEqual(0.05);
    // The observed figure quoted in the name and in docs/statistics.md (same seed, same stream).
    expect(result.decisions.better + result.decisions.worse).toBe(21);
  });

  test('A/A, heavier-tailed (Laplace) differences: 9 of 1000 (0.9%) declare a difference, at most 5%', () => {
    const result = simulateSequentialComparisons({ comparisons: 1000, trueDifference: 0, noise: 'laplace', seed: 'aa', rule: RULE });
    expect(result.differenceRate).toBeLessThanOrEqual(0.05);
    expect(result.decisions.better + result.decisions.worse).toBe(9);
  });

  test('contrast: stopping when a fixed-n 95% t-interval excludes 0 declares a difference in 23.6% of A/A comparisons', () => {
    const naive = (differences: readonly number[]) => {
      const interval = tInterval(differences, 0.95)!;
      return interval.lower > 0 ? ('worse' as const) : interval.upper < 0 ? ('better' as const) : ('continue' as const);
    };
    const result = simulateSequentialComparisons({ comparisons: 1000, trueDifference: 0, seed: 'aa', rule: RULE, naiveTInterval: naive });
    expect(result.differenceRate).toBeGreaterThan(0.15);
    expect(result.differenceRate).toBeCloseTo(0.236, 3);
  });

  test('a known effect of 2 sd: all 400 comparisons find "better", stopping at a median of 6 seeds (max 20)', () => {
    const result = simulateSequentialComparisons({ comparisons: 400, trueDifference: -2, seed: 'effect', rule: RULE });
    expect(result.decisions.better).toBe(400);
    expect(result.medianSeeds).toBe(6);
    expect(result.meanSeeds).toBeLessThan(8);
  });

  test('a known effect of 1 sd: 85% find "better" (none "worse"), median 12 seeds of at most 20', () => {
    const result = simulateSequentialComparisons({ comparisons: 400, trueDifference: -1, seed: 'effect', rule: RULE });
    expect(result.decisions.better / result.comparisons).toBeGreaterThanOrEqual(0.8);
    expect(result.decisions.worse).toBe(0);
    expect(result.medianSeeds).toBeLessThan(RULE.maxSeeds);
  });
});
