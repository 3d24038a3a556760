/**
 * Monte-Carlo check of the sequential rule: many simulated paired comparisons, each adding one
 * seed at a time from `minSeeds` to `maxSeeds` and asking {@link decide} after every seed, exactly
 * as the sweep runner will. With a true difference of 0 (an A/A comparison: both arms the same
 * policy) every 'better' or 'worse' is a false difference, and their fraction estimates the
 * rule's false-difference rate under repeated looks.
 */
import seedrandom from 'seedrandom';
import { decide, DecideOptions, SequentialDecision } from '../statistics/confidence-sequence';

/** Shape of the simulated per-seed differences (before scaling by `sd`). */
export type NoiseShape = 'normal' | 'laplace';

export interface SequentialSimulationArgs {
  /** Number of simulated comparisons. */
  comparisons: number;
  /** True mean of the differences (0 for A/A). */
  trueDifference: number;
  /** Standard deviation of a single difference. Default 1. */
  sd?: number;
  /** Shape of the noise. Default 'normal'. */
  noise?: NoiseShape;
  /** Seed of the random stream (seedrandom), so the simulation is deterministic. */
  seed: string;
  /** Options of the rule; `minSeeds` and `maxSeeds` are required here. */
  rule: DecideOptions & { minSeeds: number; maxSeeds: number };
  /**
   * Instead of {@link decide}, a naive rule for contrast: stop when the fixed-n two-sided t-interval
   * at level 1 − α excludes zero. Default false.
   */
  naiveTInterval?: (differences: readonly number[]) => SequentialDecision;
}

export interface SequentialSimulationResult {
  comparisons: number;
  /** Count of each final decision. */
  decisions: Record<Exclude<SequentialDecision, 'continue'>, number>;
  /** ('better' + 'worse') / comparisons. */
  differenceRate: number;
  /** Mean number of seeds at which the comparisons stopped. */
  meanSeeds: number;
  /** Median of the same. */
  medianSeeds: number;
}

/** A standard normal (Box–Muller) or unit-variance Laplace draw from `random`. */
function draw(random: () => number, noise: NoiseShape): number {
  if (noise === 'laplace') {
    const u = random() - 0.5;
    // Laplace with scale b has variance 2b²; b = 1/√2 gives variance 1.
    return -(Math.SQRT1_2) * Math.sign(u) * Math.log(1 - 2 * Math.abs(u));
  }
  let u = 0;
  while (u === 0) u = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

export function simulateSequentialComparisons(args: SequentialSimulationArgs): SequentialSimulationResult {
  const random = seedrandom(args.seed);
  const sd = args.sd ?? 1;
  const decisions = { better: 0, worse: 0, 'no difference': 0 };
  const stops: number[] = [];
  for (let comparison = 0; comparison < args.comparisons; comparison += 1) {
    const differences: number[] = [];
    let decision: SequentialDecision = 'continue';
    while (decision === 'continue') {
      differences.push(args.trueDifference + sd * draw(random, args.noise ?? 'normal'));
      if (differences.length < args.rule.minSeeds) continue;
      decision = args.naiveTInterval ? args.naiveTInterval(differences) : decide(differences, args.rule).decision;
      if (decision === 'continue' && differences.length >= args.rule.maxSeeds) decision = 'no difference';
    }
    decisions[decision] += 1;
    stops.push(differences.length);
  }
  const sorted = [...stops].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return {
    comparisons: args.comparisons,
    decisions,
    differenceRate: (decisions.better + decisions.worse) / args.comparisons,
    meanSeeds: stops.reduce((sum, value) => sum + value, 0) / stops.length,
    medianSeeds: sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2,
  };
}
