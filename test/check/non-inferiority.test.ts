/**
 * The gate's per-metric decision. Expected intervals are computed by hand from the textbook
 * formulas (paired t: d̄ ± t(1−α, n−1)·s/√n; Welch: Satterthwaite df), with t quantiles from
 * standard tables (t(0.95, 4) = 2.131847, t(0.95, 1) = 6.313752); tolerance 1e-6.
 */
import { decideNonInferiority } from '../../lib/check/non-inferiority';

const seeds = [1, 2, 3, 4, 5];

describe('decideNonInferiority', () => {
  test('paired t: interval of the mean worsening for a lower-is-better metric', () => {
    // worsening = current − baseline = [0.01, 0.02, 0, 0.01, 0.01]: mean 0.01, sd √(0.0002/4) = 0.0070711.
    const result = decideNonInferiority({
      baseline: { seeds, values: [1, 1, 1, 1, 1] },
      current: { seeds, values: [1.01, 1.02, 1.0, 1.01, 1.01] },
      margin: 0.1,
      higherIsBetter: false,
      alpha: 0.05,
    });
    expect(result.test).toBe('paired-t');
    expect(result.n.pairs).toBe(5);
    const halfWidth = 2.131847 * (Math.sqrt(0.0002 / 4) / Math.sqrt(5));
    expect(result.worsening).toBeCloseTo(0.01, 9);
    expect(result.interval?.lower).toBeCloseTo(0.01 - halfWidth, 6);
    expect(result.interval?.upper).toBeCloseTo(0.01 + halfWidth, 6);
    expect(result.verdict).toBe('non-inferior');
  });

  test('higher-is-better metrics count a drop as worsening; a clear drop beyond the margin is a regression', () => {
    const result = decideNonInferiority({
      baseline: { seeds, values: [0.9, 0.92, 0.91, 0.9, 0.93] },
      current: { seeds, values: [0.8, 0.81, 0.8, 0.79, 0.82] },
      margin: 0.03,
      higherIsBetter: true,
      alpha: 0.05,
    });
    expect(result.worsening).toBeCloseTo(0.108, 9);
    expect(result.interval!.lower).toBeGreaterThan(0.03);
    expect(result.verdict).toBe('regressed');
  });

  test('identical reruns (same backend, same seeds) are non-inferior with a zero-width interval', () => {
    const values = [0.94, 0.93, 0.95, 0.94, 0.92];
    const result = decideNonInferiority({ baseline: { seeds, values }, current: { seeds, values }, margin: 0.03, higherIsBetter: true, alpha: 0.05 });
    expect(result.interval).toEqual({ lower: 0, upper: 0 });
    expect(result.verdict).toBe('non-inferior');
  });

  test('an improvement is reported only when the whole interval is better, not for noise', () => {
    const improved = decideNonInferiority({
      baseline: { seeds, values: [0.5, 0.5, 0.5, 0.5, 0.5] },
      current: { seeds, values: [0.4, 0.41, 0.39, 0.4, 0.4] },
      margin: 0.05,
      higherIsBetter: false,
      alpha: 0.05,
    });
    expect(improved.verdict).toBe('improved'); // improvement 0.1 > margin 0.05, interval ±0.008
    // Noise of ±0.2 points around zero: within the margin, but not an established improvement.
    const noise = decideNonInferiority({
      baseline: { seeds, values: [0.9, 0.9, 0.9, 0.9, 0.9] },
      current: { seeds, values: [0.902, 0.898, 0.902, 0.899, 0.901] },
      margin: 0.03,
      higherIsBetter: true,
      alpha: 0.05,
    });
    expect(noise.verdict).toBe('non-inferior');
  });

  test('straddling the margin is undecided with an estimate of the seeds that would decide', () => {
    // Two pairs, worsening [0.0, 0.04]: mean 0.02, sd 0.028284, t(0.95,1) = 6.313752 → half-width 0.12627: straddles 0.03.
    const result = decideNonInferiority({
      baseline: { seeds: [1, 2], values: [0.9, 0.9] },
      current: { seeds: [1, 2], values: [0.9, 0.86] },
      margin: 0.03,
      higherIsBetter: true,
      alpha: 0.05,
    });
    expect(result.verdict).toBe('undecided');
    expect(result.interval!.upper).toBeCloseTo(0.02 + 6.313752 * (Math.sqrt(0.0008) / Math.sqrt(2)), 5);
    // Decides when t(0.95, n−1)·0.028284/√n < |0.03 − 0.02| = 0.01; by hand n = 24 (t = 1.7139, 1.7139·0.028284/√24 = 0.009895)
    // while n = 23 gives 1.7171·0.028284/√23 = 0.010127. So 22 more pairs.
    expect(result.moreSeeds).toBe(22);
  });

  test('without shared seeds it uses Welch with Satterthwaite degrees of freedom', () => {
    // baseline var 1e-4 (n=3: values 0.99, 1, 1.01), current var 4e-4 (n=3: 1.08, 1.1, 1.12).
    const result = decideNonInferiority({
      baseline: { seeds: [1, 2, 3], values: [0.99, 1, 1.01] },
      current: { seeds: [11, 12, 13], values: [1.08, 1.1, 1.12] },
      margin: 0.2,
      higherIsBetter: false,
      alpha: 0.05,
    });
    expect(result.test).toBe('welch-t');
    const a = 1e-4 / 3;
    const b = 4e-4 / 3;
    const degreesOfFreedom = (a + b) ** 2 / (a ** 2 / 2 + b ** 2 / 2); // 2.9412
    expect(degreesOfFreedom).toBeCloseTo(2.941176, 5);
    // t(0.95, 2.941176) = 2.372676 (numerical integration of the t density, bisection on the CDF).
    const halfWidth = 2.372676 * Math.sqrt(a + b);
    expect(result.worsening).toBeCloseTo(0.1, 9);
    expect(result.interval!.upper).toBeCloseTo(0.1 + halfWidth, 4);
    expect(result.verdict).toBe('non-inferior');
  });

  test('one value on a side cannot be judged: undecided, one more seed', () => {
    const result = decideNonInferiority({ baseline: { seeds: [1], values: [1] }, current: { seeds: [1], values: [5] }, margin: 0.1, higherIsBetter: false, alpha: 0.05 });
    expect(result.test).toBe('none');
    expect(result.verdict).toBe('undecided');
    expect(result.moreSeeds).toBe(1);
  });

  test('rejects bad arguments naming them', () => {
    const ok = { baseline: { seeds: [1, 2], values: [1, 2] }, current: { seeds: [1, 2], values: [1, 2] }, margin: 0.1, higherIsBetter: false, alpha: 0.05 };
    expect(() => decideNonInferiority({ ...ok, alpha: 0.5 })).toThrow('alpha: got 0.5');
    expect(() => decideNonInferiority({ ...ok, margin: -1 })).toThrow('margin: got -1');
    expect(() => decideNonInferiority({ ...ok, current: { seeds: [1], values: [1, 2] } })).toThrow('current: 1 seeds but 2 values');
  });
});

describe('decideNonInferiority: the "more seeds" estimate', () => {
  test('a mean worsening sitting on the margin cannot be decided by any reasonable number of seeds: capped', () => {
    // worsening [0.02, 0.04] mean 0.03 = margin: the gap |M − w̄| is 0, no half-width is below it.
    const result = decideNonInferiority({
      baseline: { seeds: [1, 2], values: [0.9, 0.9] },
      current: { seeds: [1, 2], values: [0.88, 0.86] },
      margin: 0.03,
      higherIsBetter: true,
      alpha: 0.05,
      maxSeedsEstimate: 50,
    });
    expect(result.verdict).toBe('undecided');
    expect(result.moreSeeds).toBe(50);
    expect(result.moreSeedsCapped).toBe(true);
  });
});
