/**
 * The statistical decision of the gate for one metric of one entry: is the fresh run no worse than
 * the baseline by more than an allowed margin?
 *
 * Let w be the mean worsening (fresh − baseline for a lower-is-better metric, baseline − fresh for
 * a higher-is-better one) and M ≥ 0 the allowed margin. With a one-sided error rate α per
 * decision, the gate reads the two-sided (1 − 2α) t-interval [lower, upper] of w:
 *
 *   upper ≤ M   non-inferiority established (the worsening is within the margin)  → passes;
 *               if moreover upper < −M, an improvement larger than the margin is
 *               established                                                        → passes, "improved"
 *               (a consistent but smaller change, e.g. last-bit backend noise, is just "within margin");
 *   lower > M   a regression beyond the margin is established                      → fails;
 *   otherwise   undecided: the data cannot tell; we estimate how many more seeds would decide.
 *
 * These are the two one-sided tests of equivalence/non-inferiority testing (Schuirmann 1987;
 * Wellek, "Testing Statistical Hypotheses of Equivalence and Noninferiority", 2010): each verdict
 * is wrong with probability at most α when the t model holds.
 *
 * When the fresh run and the baseline share at least two seeds, the values are paired by seed and
 * the paired t-interval is used (a seed fixes the data split, initialization and shuffling, so
 * pairing removes that shared variance). Otherwise the two samples are compared with Welch's
 * unequal-variance t-interval (Welch 1947, Satterthwaite degrees of freedom).
 */
import { studentTQuantile } from '../statistics/distributions';

/** Per-seed values of one metric on one side of the comparison: `values[i]` was produced by `seeds[i]`. */
export interface SeedValues {
  seeds: readonly number[];
  values: readonly number[];
}

/** Arguments of {@link decideNonInferiority}. */
export interface NonInferiorityArgs {
  /** Values the baseline recorded. */
  baseline: SeedValues;
  /** Values of the fresh run. */
  current: SeedValues;
  /** Allowed worsening in the metric's units (≥ 0). */
  margin: number;
  /** True for accuracies; false for losses and gaps. */
  higherIsBetter: boolean;
  /** One-sided error rate of each verdict, in (0, 0.5). The interval shown is the two-sided (1 − 2α) one. */
  alpha: number;
  /** Cap of the "more seeds" estimate; beyond it the estimate reads "more than cap". Default 1000. */
  maxSeedsEstimate?: number;
}

export type NonInferiorityVerdict = 'improved' | 'non-inferior' | 'regressed' | 'undecided';

export interface NonInferiorityResult {
  /** Which interval was used: paired by seed, Welch's two-sample, or none (fewer than two values on a side). */
  test: 'paired-t' | 'welch-t' | 'none';
  /** Values used: pairs for the paired test, each side's count for Welch. */
  n: { baseline: number; current: number; pairs?: number };
  baselineMean: number;
  currentMean: number;
  /** Mean worsening (positive = worse than the baseline). */
  worsening: number;
  /** Two-sided (1 − 2α) interval of the mean worsening; null when the test is 'none'. */
  interval: { lower: number; upper: number } | null;
  margin: number;
  verdict: NonInferiorityVerdict;
  /**
   * For 'undecided': about how many more seeds per side (pairs, for the paired test; for Welch the
   * same number added to the baseline and the run) would decide, if the observed mean and spread
   * held. Capped at `maxSeedsEstimate` (then `moreSeedsCapped`), e.g. when the mean worsening sits
   * almost exactly on the margin.
   */
  moreSeeds?: number;
  /** True when `moreSeeds` hit `maxSeedsEstimate`. */
  moreSeedsCapped?: boolean;
}

function mean(values: readonly number[]): number {
  return values.reduce((sum, value) => sum + value, 0) / values.length;
}

function variance(values: readonly number[]): number {
  const center = mean(values);
  return values.reduce((sum, value) => sum + (value - center) ** 2, 0) / (values.length - 1);
}

function checkArgs(args: NonInferiorityArgs): void {
  if (!(args.alpha > 0 && args.alpha < 0.5)) throw new RangeError(`alpha: got ${args.alpha}; allowed: a number in (0, 0.5)`);
  if (!(args.margin >= 0) || !Number.isFinite(args.margin)) throw new RangeError(`margin: got ${args.margin}; allowed: a finite number >= 0`);
  for (const [side, sample] of [['baseline', args.baseline], ['current', args.current]] as const) {
    if (sample.seeds.length !== sample.values.length) {
      throw new RangeError(`${side}: ${sample.seeds.length} seeds but ${sample.values.length} values; they must pair one to one`);
    }
    if (sample.values.length === 0) throw new RangeError(`${side}: no values`);
    if (sample.values.some((value) => !Number.isFinite(value))) throw new RangeError(`${side}: values must be finite numbers`);
  }
}

/** Smallest k ≥ 1 such that `halfWidth(k)` < gap, or `cap` with `capped` if none up to it. */
function seedsToDecide(gap: number, halfWidth: (extra: number) => number, cap: number): { extra: number; capped: boolean } {
  for (let extra = 1; extra <= cap; extra += 1) {
    if (halfWidth(extra) < gap) return { extra, capped: false };
  }
  return { extra: cap, capped: true };
}

/** Decides non-inferiority of `current` against `baseline` for one metric (see the file comment). */
export function decideNonInferiority(args: NonInferiorityArgs): NonInferiorityResult {
  checkArgs(args);
  const cap = args.maxSeedsEstimate ?? 1000;
  const sign = args.higherIsBetter ? -1 : 1; // worsening = sign · (current − baseline)
  const quantile = (degreesOfFreedom: number): number => studentTQuantile(1 - args.alpha, degreesOfFreedom);
  const baselineMean = mean(args.baseline.values);
  const currentMean = mean(args.current.values);

  const baselineBySeed = new Map(args.baseline.seeds.map((seed, index) => [seed, args.baseline.values[index]]));
  const shared = [...new Set(args.current.seeds)].filter((seed) => baselineBySeed.has(seed));
  const currentBySeed = new Map(args.current.seeds.map((seed, index) => [seed, args.current.values[index]]));

  let test: NonInferiorityResult['test'];
  let worsening: number;
  let halfWidth: ((extra: number) => number) | null;
  const n: NonInferiorityResult['n'] = { baseline: args.baseline.values.length, current: args.current.values.length };
  if (shared.length >= 2) {
    test = 'paired-t';
    const differences = shared.map((seed) => sign * ((currentBySeed.get(seed) as number) - (baselineBySeed.get(seed) as number)));
    n.pairs = differences.length;
    worsening = mean(differences);
    const sd = Math.sqrt(variance(differences));
    halfWidth = (extra) => {
      const pairs = differences.length + extra;
      return quantile(pairs - 1) * (sd / Math.sqrt(pairs));
    };
  } else if (n.baseline >= 2 && n.current >= 2) {
    test = 'welch-t';
    worsening = sign * (currentMean - baselineMean);
    const baselineVariance = variance(args.baseline.values);
    const currentVariance = variance(args.current.values);
    halfWidth = (extra) => {
      const nb = n.baseline + extra;
      const nc = n.current + extra;
      const a = baselineVariance / nb;
      const b = currentVariance / nc;
      const standardError = Math.sqrt(a + b);
      if (standardError === 0) return 0;
      // Welch–Satterthwaite degrees of freedom.
      const degreesOfFreedom = (a + b) ** 2 / ((a * a) / (nb - 1) + (b * b) / (nc - 1));
      return quantile(degreesOfFreedom) * standardError;
    };
  } else {
    test = 'none';
    worsening = sign * (currentMean - baselineMean);
    halfWidth = null;
  }

  const result: NonInferiorityResult = { test, n, baselineMean, currentMean, worsening, interval: null, margin: args.margin, verdict: 'undecided' };
  if (halfWidth === null) {
    // One value on a side: no spread to judge noise by. Two seeds per side is the minimum.
    result.moreSeeds = 1;
    return result;
  }
  const width = halfWidth(0);
  result.interval = { lower: worsening - width, upper: worsening + width };
  // A tiny epsilon keeps a value exactly at the margin from failing on float noise.
  const epsilon = 1e-12;
  if (result.interval.lower > args.margin + epsilon) result.verdict = 'regressed';
  else if (result.interval.upper <= args.margin + epsilon) result.verdict = result.interval.upper < -args.margin ? 'improved' : 'non-inferior';
  else {
    const gap = Math.abs(args.margin - worsening);
    const { extra, capped } = seedsToDecide(gap, halfWidth, cap);
    result.moreSeeds = extra;
    if (capped) result.moreSeedsCapped = true;
  }
  return result;
}
