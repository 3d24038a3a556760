/**
 * The few distribution functions the reporter needs, taken from jStat (a maintained statistics
 * library) rather than hand-written approximations, behind a small typed surface because jStat
 * ships no type declarations.
 */

/** The part of jStat's API used here, typed by hand from jStat 1.9 (`node_modules/jstat/dist/jstat.js`). */
interface JStatSubset {
  studentt: {
    /** Inverse CDF of Student's t with `dof` degrees of freedom. */
    inv(p: number, dof: number): number;
    /** CDF of Student's t with `dof` degrees of freedom. */
    cdf(x: number, dof: number): number;
  };
}

// jStat is CommonJS without types; require keeps the import typed through JStatSubset instead of `any`.
// eslint-disable-next-line @typescript-eslint/no-var-requires
const jStat: JStatSubset = (require('jstat') as { jStat: JStatSubset }).jStat;

// A report asks for the same few quantiles (one confidence level, a few seed counts) once per
// configuration and metric: remembered, since jStat inverts the incomplete beta each time.
const tQuantiles = new Map<string, number>();

/** The `p` quantile of Student's t distribution with `degreesOfFreedom` degrees of freedom. */
export function studentTQuantile(p: number, degreesOfFreedom: number): number {
  const key = `${p}:${degreesOfFreedom}`;
  let quantile = tQuantiles.get(key);
  if (quantile === undefined) {
    quantile = jStat.studentt.inv(p, degreesOfFreedom);
    if (tQuantiles.size < 10000) tQuantiles.set(key, quantile);
  }
  return quantile;
}

/** P(T <= x) for Student's t with `degreesOfFreedom` degrees of freedom. */
export function studentTCdf(x: number, degreesOfFreedom: number): number {
  return jStat.studentt.cdf(x, degreesOfFreedom);
}

/**
 * Sample quantiles of `values` at each probability, by linear interpolation between order
 * statistics (R type 7, numpy's default `linear`), so results match `numpy.quantile`. The same
 * arithmetic as jStat's `quantiles(values, probabilities, 1, 1)`, on a typed-array copy sorted
 * natively: a report takes quantiles of 10,000 bootstrap means per interval, where jStat's sort
 * with a comparator function was most of the time.
 */
export function sampleQuantiles(values: ArrayLike<number>, probabilities: readonly number[]): number[] {
  const sorted = Float64Array.from(values).sort();
  const n = sorted.length;
  const clip = (value: number, low: number, high: number): number => Math.max(low, Math.min(value, high));
  return probabilities.map((p) => {
    // jStat with alphap = betap = 1: m = 1 - p, aleph = n·p + m.
    const aleph = n * p + (1 + p * (1 - 1 - 1));
    const k = Math.floor(clip(aleph, 1, n - 1));
    const gamma = clip(aleph - k, 0, 1);
    return (1 - gamma) * sorted[k - 1] + gamma * sorted[k];
  });
}
