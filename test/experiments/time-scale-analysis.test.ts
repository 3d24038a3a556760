/**
 * The time-scale study's estimators (experiments/fashion-mnist-time-scale.ts): the parabolic
 * optimum in log2(wd) and the least-squares slope with its t-interval. Expected values are worked
 * out by hand from the formulas in the comments.
 */
import { parabolicLog2Optimum, slopeWithInterval } from '../../experiments/fashion-mnist-time-scale';

describe('parabolicLog2Optimum', () => {
  const decays = [0.25, 0.5, 1, 2, 4];

  test('recovers the vertex of an exact parabola in log2(wd) (to 1e-12)', () => {
    // loss = (log2 wd − 0.3)²: vertex at log2 wd = 0.3, inside the bracket [−1, 1] around the best grid point wd = 1.
    const losses = decays.map((decay) => (Math.log2(decay) - 0.3) ** 2);
    const optimum = parabolicLog2Optimum(decays, losses);
    expect(optimum.atEdge).toBe(false);
    expect(optimum.log2).toBeCloseTo(0.3, 12);
  });

  test('a symmetric bracket gives the best grid point itself', () => {
    expect(parabolicLog2Optimum(decays, [3, 2, 1, 2, 3]).log2).toBe(0);
  });

  test('a best point at the edge of the grid is reported as the edge, flagged', () => {
    expect(parabolicLog2Optimum(decays, [1, 2, 3, 4, 5])).toEqual({ log2: -2, atEdge: true });
    expect(parabolicLog2Optimum(decays, [5, 4, 3, 2, 1])).toEqual({ log2: 2, atEdge: true });
  });

  test('wd = 0 has no logarithm and is left out, even when it is the lowest loss', () => {
    expect(parabolicLog2Optimum([0, ...decays], [0, 3, 2, 1, 2, 3])).toEqual({ log2: 0, atEdge: false });
  });

  test('the vertex is clamped to the neighbours of the best grid point', () => {
    // Nearly flat on one side: the raw vertex would fall outside [log2 0.5, log2 2] = [−1, 1].
    const optimum = parabolicLog2Optimum(decays, [9, 1.0001, 1, 9, 9]);
    expect(optimum.log2).toBeGreaterThanOrEqual(-1);
    expect(optimum.log2).toBeLessThanOrEqual(1);
  });
});

describe('slopeWithInterval', () => {
  test('an exact line has its slope and a zero-width interval', () => {
    const fit = slopeWithInterval([1, 2, 3, 4], [3, 1, -1, -3]);
    expect(fit.slope).toBeCloseTo(-2, 12);
    expect(fit.interval[0]).toBeCloseTo(-2, 12);
    expect(fit.interval[1]).toBeCloseTo(-2, 12);
  });

  test('matches the textbook interval: x = 1..4, y = 1, 3, 2, 4 (by hand)', () => {
    // slope = Sxy/Sxx = 4/5 = 0.8, intercept 0.5; residuals −0.3, 0.9, −0.9, 0.3 → RSS 1.8;
    // se = sqrt(RSS/(n−2)/Sxx) = sqrt(0.18) = 0.424264; t(0.975, 2) = 4.302653 (tables) → half-width 1.825460.
    const fit = slopeWithInterval([1, 2, 3, 4], [1, 3, 2, 4]);
    expect(fit.slope).toBeCloseTo(0.8, 12);
    expect(fit.interval[0]).toBeCloseTo(0.8 - 1.82546, 4);
    expect(fit.interval[1]).toBeCloseTo(0.8 + 1.82546, 4);
    expect(fit.n).toBe(4);
  });
});
