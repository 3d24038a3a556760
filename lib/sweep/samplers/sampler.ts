/**
 * The sampler interface: given an arm's search space, the configuration's index and whatever
 * configurations have finished (in any order), propose parameter values. A new sampler is one
 * file implementing this plus one line in `createSampler`.
 */
import seedrandom from 'seedrandom';
import type { ParameterValues } from '../record';
import type { SearchSpace } from '../space';

/** A finished configuration as the sampler sees it. */
export interface Observation {
  params: ParameterValues;
  /**
   * Mean final VALIDATION loss over the configuration's finished seeds (never a test metric).
   * Undefined when every seed diverged or failed: model-based samplers count it among the worst.
   */
  value?: number;
}

export interface SampleArgs {
  /** The arm's full space (shared dimensions plus its coefficients). */
  space: SearchSpace;
  /** Name of the arm: samplers derive their random streams from it so arms stay independent. */
  arm: string;
  /** 0-based configuration index within the arm. */
  index: number;
  /** Configurations per arm. */
  budget: number;
  /** Finished configurations of this arm; the runner passes those with a lower index, in index order (so proposals are deterministic). */
  history: readonly Observation[];
  /** 0 on the first proposal for this index; higher when the previous proposal duplicated a known configuration. */
  retry: number;
}

export interface Sampler {
  /** True when proposals depend on `history` (then a proposal is made only when its configuration is about to run). */
  readonly adaptive: boolean;
  sample(args: SampleArgs): ParameterValues;
  /**
   * False when the proposal for configuration `index` reads no history (TPE's random start-up
   * draws): the loop then proposes it at once instead of waiting for the lower indices to finish.
   * Optional: adaptive samplers without it wait for every lower index.
   */
  needsHistory?(index: number, budget: number): boolean;
}

/** A uniform [0, 1) generator, reproducible from its key. */
export function seededStream(...key: Array<string | number>): () => number {
  const generator = seedrandom(key.join('/'));
  return () => generator.quick();
}
