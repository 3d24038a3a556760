/** Pruners by name. */
import type { PruningDefinition } from '../definition';
import { AshaPruner } from './asha';
import { MedianPruner } from './median';
import { NoPruner, Pruner } from './pruner';

export type { Pruner, PruneQuestion, TrialCurve } from './pruner';
export { NoPruner } from './pruner';
export { MedianPruner } from './median';
export type { MedianPrunerArgs } from './median';
export { AshaPruner } from './asha';
export type { AshaPrunerArgs } from './asha';

/** Builds the pruner a sweep definition names. */
export function createPruner(definition: PruningDefinition): Pruner {
  switch (definition.type) {
    case 'none':
      return new NoPruner();
    case 'median':
      return new MedianPruner({ startupTrials: definition.startupTrials, warmupEpochs: definition.warmupEpochs });
    case 'asha':
      return new AshaPruner({ minEpochs: definition.minEpochs, reductionFactor: definition.reductionFactor });
  }
}
