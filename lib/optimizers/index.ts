/**
 * Optimizers with Keras 3's update rules: the lean optimizers `train()` runs, the tfjs `Optimizer`
 * wrapper `createOptimizer` gives `fit`, and learning-rate schedules.
 */
export type { LeanOptimizer } from './lean-optimizer';
export { LeanAdam } from './adam';
export type { LeanAdamArgs } from './adam';
export { LeanSgd } from './sgd';
export type { LeanSgdArgs } from './sgd';
export { LeanRmsprop } from './rmsprop';
export type { LeanRmspropArgs } from './rmsprop';
export { LeanAdagrad } from './adagrad';
export type { LeanAdagradArgs } from './adagrad';
export { KerasOptimizer } from './keras-optimizer';
export { createLeanOptimizer } from './create';
export { resolveSchedule, scheduleValue, learningRateFunction, SCHEDULE_KINDS } from './schedules';
export type { ScheduleSpec, ExponentialDecaySpec, CosineDecaySpec, PiecewiseConstantSpec, LearningRate, LearningRateFunction } from './schedules';
