/** Samplers by name: the one place a new sampler is wired in. */
import type { SamplerDefinition } from '../definition';
import { GridSampler } from './grid';
import { RandomSampler } from './random';
import type { Sampler } from './sampler';
import { TpeSampler } from './tpe';

export type { Observation, SampleArgs, Sampler } from './sampler';
export { seededStream } from './sampler';
export { GridSampler } from './grid';
export type { GridSamplerArgs } from './grid';
export { RandomSampler } from './random';
export type { RandomSamplerArgs } from './random';
export { TpeSampler } from './tpe';
export type { TpeSamplerArgs } from './tpe';

/** Builds the sampler a sweep definition names. */
export function createSampler(definition: SamplerDefinition): Sampler {
  switch (definition.type) {
    case 'grid':
      return new GridSampler({ seed: definition.seed });
    case 'random':
      return new RandomSampler({ seed: definition.seed });
    case 'tpe':
      return new TpeSampler({ seed: definition.seed, startupTrials: definition.startupTrials, candidates: definition.candidates, gamma: definition.gamma });
  }
}
