/** Summary statistics against hand-computed values. */
import { bootstrapInterval, bootstrapMeans, mean, sampleStd, summarize, tInterval } from '../../lib/statistics/summary-stats';
import { sampleQuantiles, studentTCdf, studentTQuantile } from '../../lib/statistics/distributions';

describe('distributions (jStat)', () => {
  test('t quantile for df = 3 at 0.975 is 3.182446 (printed t tables), to 1e-6', () => {
    expect(studentTQuantile(0.975, 3)).toBeCloseTo(3.182446, 6);
  });

  test('t CDF for df = 3 matches the closed form 1/2 + (θ + sinθcosθ)/π with θ = atan(t/√3), to 1e-7 (jStat evaluates the incomplete beta function numerically)', () => {
    for (const t of [-2, -0.5, 0, 1, 2.828427]) {
      const theta = Math.atan(t / Math.sqrt(3));
      const expected = 0.5 + (theta + Math.sin(theta) * Math.cos(theta)) / Math.PI;
      expect(studentTCdf(t, 3)).toBeCloseTo(expected, 7);
    }
  });

  test('sample quantiles interpolate linearly like numpy (type 7): [1,2,3,4,5,10] at 0.025 → 1.125, 0.975 → 9.375', () => {
    // h = (n − 1)p = 0.125 → 1 + 0.125·(2 − 1); h = 4.875 → 5 + 0.875·(10 − 5).
    const [low, high] = sampleQuantiles([10, 1, 4, 2, 5, 3], [0.025, 0.975]);
    expect(low).toBeCloseTo(1.125, 12);
    expect(high).toBeCloseTo(9.375, 12);
  });
});

describe('mean, standard deviation and t-interval', () => {
  test('[1, 2, 3, 4]: mean 2.5, sd √(5/3), 95% t-interval 2.5 ± 3.182446·√(5/3)/2 = [0.445740, 4.554260]', () => {
    expect(mean([1, 2, 3, 4])).toBe(2.5);
    expect(sampleStd([1, 2, 3, 4])).toBeCloseTo(Math.sqrt(5 / 3), 12);
    const interval = tInterval([1, 2, 3, 4]);
    // Tolerance 1e-5: the hand value uses the t quantile rounded to 6 decimals (error < 1e-6 · 0.65).
    expect(interval?.lower).toBeCloseTo(0.445740, 5);
    expect(interval?.upper).toBeCloseTo(4.554260, 5);
  });

  test('90% interval uses t(0.95, 3) = 2.353363: [2.5 − 1.519073, 2.5 + 1.519073]', () => {
    const interval = tInterval([1, 2, 3, 4], 0.9);
    const half = 2.353363 * Math.sqrt(5 / 3) / 2;
    expect(interval?.lower).toBeCloseTo(2.5 - half, 5);
    expect(interval?.upper).toBeCloseTo(2.5 + half, 5);
  });

  test('fewer than two values give no spread and no interval', () => {
    expect(tInterval([3])).toBeNull();
    expect(Number.isNaN(sampleStd([3]))).toBe(true);
    const summary = summarize([3]);
    expect(summary).toMatchObject({ n: 1, mean: 3, std: null, tInterval: null, bootstrapInterval: null, min: 3, max: 3 });
    expect(summarize([])).toMatchObject({ n: 0, mean: null, std: null, min: null, max: null });
  });

  test('summarize drops undefined, null, NaN and infinities', () => {
    const summary = summarize([1, undefined, 2, NaN, null, 3, Infinity, 4]);
    expect(summary.n).toBe(4);
    expect(summary.mean).toBe(2.5);
    expect(summary.tInterval?.lower).toBeCloseTo(0.445740, 5);
  });

  test('a confidence outside (0, 1) is rejected, naming the field and the allowed range', () => {
    expect(() => tInterval([1, 2], 95)).toThrow('report.confidence: got 95; allowed: a number strictly between 0 and 1');
  });
});

describe('bootstrap interval', () => {
  test('is reproducible for a seed and changes with the seed', () => {
    const values = [0.31, 0.29, 0.35, 0.27, 0.33];
    const a = bootstrapInterval(values, { bootstrapSeed: 's1', bootstrapResamples: 2000 });
    const b = bootstrapInterval(values, { bootstrapSeed: 's1', bootstrapResamples: 2000 });
    expect(a).toEqual(b);
    // Intervals of 5 values sit on a coarse grid, so compare the resampled means themselves.
    expect(bootstrapMeans(values, 50, 's2')).not.toEqual(bootstrapMeans(values, 50, 's1'));
    expect(bootstrapMeans(values, 50, 's1')).toEqual(bootstrapMeans(values, 50, 's1'));
    expect((a as { lower: number }).lower).toBeGreaterThanOrEqual(0.27);
    expect((a as { upper: number }).upper).toBeLessThanOrEqual(0.35);
    expect((a as { lower: number }).lower).toBeLessThan(mean(values));
  });

  test('for [0, 1] resampled means are 0, 0.5, 1 with probabilities 1/4, 1/2, 1/4, so the 95% interval is [0, 1]', () => {
    const means = bootstrapMeans([0, 1], 10000, 'check');
    const half = means.filter((value) => value === 0.5).length / means.length;
    // Binomial(10000, 0.5) proportion: 3 standard errors = 0.015.
    expect(Math.abs(half - 0.5)).toBeLessThan(0.015);
    expect(bootstrapInterval([0, 1], { bootstrapSeed: 'check' })).toEqual({ lower: 0, upper: 1 });
  });

  test('a constant sample has a zero-width interval', () => {
    expect(bootstrapInterval([2, 2, 2])).toEqual({ lower: 2, upper: 2 });
  });

  test('a non-integer resample count is rejected', () => {
    expect(() => bootstrapMeans([1, 2], 0.5, 'x')).toThrow('report.bootstrapResamples: got 0.5');
  });
});
