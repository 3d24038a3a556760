/**
 * Lean optimizers for the training loop: Keras 3 formulas, kept constants, few kernel calls per step.
 */
export type { LeanOptimizer } from './lean-optimizer';
export { LeanAdam } from './adam';
export type { LeanAdamArgs } from './adam';
export { LeanSgd } from './sgd';
export type { LeanSgdArgs } from './sgd';
export { createLeanOptimizer } from './create';
