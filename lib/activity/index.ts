/**
 * Activity regularization that works in tfjs: penalties on layer outputs, divided by the batch
 * size (Keras >= 3.14 semantics), carried by each layer instance (`carry.ts`). Importing this
 * module changes nothing global; the opt-in tfjs fixes live in lib/tfjs-compat.
 */
export { activityPenalty } from './penalty';
export { setActivityRegularizer } from './set';
export { attachActivityRegularizer } from './attach';
export { carryActivityRegularizer, carriesActivityRegularizer, dropActivityCarry, isActivityLossClosure } from './carry';
export { loadLayersModel, modelFromJSON } from './load';
