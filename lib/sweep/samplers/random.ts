/** Random search: each configuration is an independent draw from the dimensions' priors, reproducible from (seed, arm, index). */
import type { ParameterValues } from '../record';
import { parameterNames, valueAtQuantile } from '../space';
import { SampleArgs, Sampler, seededStream } from './sampler';

export interface RandomSamplerArgs {
  /** Seed of every draw. Default 0. */
  seed?: number;
}

export class RandomSampler implements Sampler {
  readonly adaptive = false;
  private readonly seed: number;

  constructor(args: RandomSamplerArgs = {}) {
    this.seed = args.seed ?? 0;
  }

  sample(args: SampleArgs): ParameterValues {
    const random = seededStream('random', this.seed, args.arm, args.index, args.retry);
    const params: ParameterValues = {};
    for (const name of parameterNames(args.space)) params[name] = valueAtQuantile(args.space[name], random());
    return params;
  }
}
