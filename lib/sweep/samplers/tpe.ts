/**
 * Tree-structured Parzen Estimator (Bergstra et al. 2011; the univariate form Optuna and hyperopt
 * default to). Finished configurations are split into the best `gamma` fraction ("good") and the
 * rest; each dimension gets a Parzen density l(x) over good values and g(x) over the rest, and the
 * candidate drawn from l with the largest l(x)/g(x) is proposed. Dimensions are modelled
 * independently, so a per-layer space of many coefficients costs one 1-D model per coefficient
 * where a grid would explode.
 *
 * Only `history` is read. The runner passes, for configuration i, exactly the arm's configurations
 * 0 … i-1 in index order (it holds configuration i back until they have finished), so parallel
 * workers, several machines and resumes give the same proposals as one worker.
 * Configurations whose seeds all diverged or failed count as worse than every finished one.
 */
import type { ParameterValues } from '../record';
import { Dimension, parameterNames, valueAtQuantile } from '../space';
import { Observation, SampleArgs, Sampler, seededStream } from './sampler';

export interface TpeSamplerArgs {
  /** Seed of every draw. Default 0. */
  seed?: number;
  /** Finished configurations before the model is used; before that, random draws. Default min(10, max(2, ceil(budget / 3))). */
  startupTrials?: number;
  /** Candidates drawn from l(x) per dimension and proposal. Default 24. */
  candidates?: number;
  /** Fraction of observations in the good group (at least 1, at most 25). Default 0.25. */
  gamma?: number;
}

const SQRT2 = Math.SQRT2;

/** erf by Abramowitz & Stegun 7.1.26 (absolute error < 1.5e-7): enough for kernel normalisation. */
function erf(x: number): number {
  const sign = x < 0 ? -1 : 1;
  const t = 1 / (1 + 0.3275911 * Math.abs(x));
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return sign * y;
}

function normalCdf(x: number): number {
  return 0.5 * (1 + erf(x / SQRT2));
}

/** A mixture of Gaussians truncated to [low, high], one kernel per point plus a wide prior kernel. */
class ParzenEstimator {
  private readonly mus: number[];
  private readonly sigmas: number[];
  private readonly masses: number[];

  constructor(points: number[], private readonly low: number, private readonly high: number) {
    const range = high - low;
    const mus = [...points, (low + high) / 2].sort((a, b) => a - b);
    const minimumSigma = range / Math.min(100, mus.length + 1);
    this.mus = mus;
    this.sigmas = mus.map((mu, position) => {
      const left = mu - (position > 0 ? mus[position - 1] : low);
      const right = (position < mus.length - 1 ? mus[position + 1] : high) - mu;
      return Math.min(range, Math.max(minimumSigma, left, right));
    });
    // The prior kernel is as wide as the range, whatever its neighbours.
    const priorPosition = mus.indexOf((low + high) / 2);
    this.sigmas[priorPosition] = range;
    this.masses = this.mus.map((mu, position) => Math.max(1e-12, normalCdf((high - mu) / this.sigmas[position]) - normalCdf((low - mu) / this.sigmas[position])));
  }

  sample(random: () => number): number {
    const component = Math.min(this.mus.length - 1, Math.floor(random() * this.mus.length));
    const mu = this.mus[component];
    const sigma = this.sigmas[component];
    for (let tries = 0; tries < 100; tries++) {
      // Box–Muller from the seeded stream.
      const u = Math.max(random(), 1e-12);
      const x = mu + sigma * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
      if (x >= this.low && x <= this.high) return x;
    }
    return Math.min(this.high, Math.max(this.low, mu));
  }

  logDensity(x: number): number {
    let density = 0;
    for (let position = 0; position < this.mus.length; position++) {
      const z = (x - this.mus[position]) / this.sigmas[position];
      density += Math.exp(-0.5 * z * z) / (this.sigmas[position] * Math.sqrt(2 * Math.PI) * this.masses[position]);
    }
    return Math.log(density / this.mus.length + 1e-300);
  }
}

/** Internal (model) scale of a numeric dimension. */
function numericScale(dimension: Exclude<Dimension, { type: 'choice' }>): { low: number; high: number; toInternal: (value: number) => number; fromInternal: (x: number) => number } {
  switch (dimension.type) {
    case 'uniform':
      return { low: dimension.low, high: dimension.high, toInternal: (value) => value, fromInternal: (x) => x };
    case 'logUniform':
      return {
        low: Math.log(dimension.low),
        high: Math.log(dimension.high),
        toInternal: (value) => Math.log(value),
        fromInternal: (x) => Math.min(dimension.high, Math.max(dimension.low, Math.exp(x))),
      };
    case 'int': {
      const step = dimension.step ?? 1;
      return {
        low: dimension.low - step / 2,
        high: dimension.high + step / 2,
        toInternal: (value) => value,
        fromInternal: (x) => Math.min(dimension.high, Math.max(dimension.low, dimension.low + Math.round((x - dimension.low) / step) * step)),
      };
    }
  }
}

export class TpeSampler implements Sampler {
  readonly adaptive = true;
  private readonly seed: number;
  private readonly startupTrials?: number;
  private readonly candidates: number;
  private readonly gamma: number;

  constructor(args: TpeSamplerArgs = {}) {
    this.seed = args.seed ?? 0;
    this.startupTrials = args.startupTrials;
    this.candidates = args.candidates ?? 24;
    this.gamma = args.gamma ?? 0.25;
  }

  /** Finished configurations needed before proposals use the model. */
  startupFor(budget: number): number {
    return this.startupTrials ?? Math.min(10, Math.max(2, Math.ceil(budget / 3)));
  }

  /**
   * Below the start-up count the draw is random whatever the history (fewer lower configurations
   * than start-up trials exist), so it can be proposed before the lower ones finish.
   */
  needsHistory(index: number, budget: number): boolean {
    return index >= this.startupFor(budget);
  }

  sample(args: SampleArgs): ParameterValues {
    const random = seededStream('tpe', this.seed, args.arm, args.index, args.retry);
    const names = parameterNames(args.space);
    const params: ParameterValues = {};
    const usable = args.history.filter((observation) => names.every((name) => observation.params[name] !== undefined));
    if (usable.length < this.startupFor(args.budget)) {
      for (const name of names) params[name] = valueAtQuantile(args.space[name], random());
      return params;
    }
    const sorted = [...usable].sort((a, b) => worstLast(a) - worstLast(b));
    const goodCount = Math.min(25, Math.max(1, Math.ceil(this.gamma * sorted.length)));
    const good = sorted.slice(0, goodCount);
    const bad = sorted.slice(goodCount);
    for (const name of names) params[name] = this.proposeDimension(args.space[name], name, good, bad, random);
    return params;
  }

  private proposeDimension(dimension: Dimension, name: string, good: Observation[], bad: Observation[], random: () => number): number | string | boolean {
    if (dimension.type === 'choice') {
      const weights = (group: Observation[]): number[] =>
        dimension.values.map((value) => (group.filter((observation) => observation.params[name] === value).length + 1) / (group.length + dimension.values.length));
      const l = weights(good);
      const g = weights(bad);
      let best = 0;
      let bestScore = -Infinity;
      for (let candidate = 0; candidate < this.candidates; candidate++) {
        let u = random();
        let category = 0;
        while (category < l.length - 1 && u >= l[category]) u -= l[category++];
        const score = Math.log(l[category]) - Math.log(g[category]);
        if (score > bestScore) [best, bestScore] = [category, score];
      }
      return dimension.values[best];
    }
    const scale = numericScale(dimension);
    const internal = (group: Observation[]): number[] => group.map((observation) => scale.toInternal(Number(observation.params[name])));
    const l = new ParzenEstimator(internal(good), scale.low, scale.high);
    const g = new ParzenEstimator(internal(bad), scale.low, scale.high);
    let best = l.sample(random);
    let bestScore = -Infinity;
    for (let candidate = 0; candidate < this.candidates; candidate++) {
      const x = l.sample(random);
      const score = l.logDensity(x) - g.logDensity(x);
      if (score > bestScore) [best, bestScore] = [x, score];
    }
    return scale.fromInternal(best);
  }
}

function worstLast(observation: Observation): number {
  return observation.value === undefined || !Number.isFinite(observation.value) ? Infinity : observation.value;
}
