/**
 * Layer factories whose regularizers all take effect, plus the fixes tfjs 4.22 needs:
 * RNN/Bidirectional penalties forwarded, constraints applied in training, and a map from each
 * regularized weight to its layer and slot.
 */
export { layers } from './factories';
export type { WithRegularizerSpecs } from './factories';
export { forwardRecurrentLosses, forwardAllRecurrentLosses } from './recurrent';
export { applyConstraints, enforceConstraints, constraintsCallback, ApplyConstraintsCallback } from './constraints';
export { regularizedWeights, WEIGHT_SLOTS } from './slots';
export type { RegularizedWeight, WeightSlot } from './slots';
export { allLayers, childLayers } from './walk';
export { checkRegularizerRanks } from './rank-check';
