/**
 * The seeded training loop and what it needs: optimizer specs (plain data), decoupled weight
 * decay (AdamW/SGDW, Keras 3 order), early stopping, per-epoch measurements (inference-mode data
 * losses of every split, penalties, weight norms, gaps).
 */
export { train } from './train';
export type { TrainOptions, TrainData, SplitTensors, BatchInfo, EpochEndAnswer, EpochTrainedInfo } from './options';
export type { EpochRecord, SplitMetrics, SplitName, RunStatus, TrainResult } from './record';
export {
  createOptimizer,
  disposeOptimizer,
  resolveOptimizerSpec,
  optimizerToConfig,
  optimizerFromConfig,
  currentLearningRate,
  OPTIMIZER_NAMES,
} from './optimizer-spec';
export type { OptimizerSpec, OptimizerName, SgdSpec, MomentumSpec, AdamSpec, AdamwSpec, RmspropSpec, AdagradSpec } from './optimizer-spec';
export { resolveWeightDecay, applyWeightDecay, decoupledStep, WeightDecayApplier, KERNEL_WEIGHT_PATTERN } from './weight-decay';
export type { WeightDecaySetting, DecayedWeight } from './weight-decay';
export type { EarlyStoppingArgs } from './early-stopping';
export { TRAIN_OPTION_KEYS } from './options';
export { divergenceReason, atClipCeiling, CLIP_CEILING_LOSS, CROSS_ENTROPY_EPSILON } from './divergence';
export { checkDataShapes } from './shape-check';
export { TRAIN_LOSS_NAMES, detectAccuracyKind } from './loss-function';
export type { LossFunction, AccuracyKind } from './loss-function';
export { SeededMathRandom, SeededShuffler } from './seeded-random';
export { decoupledWeightDecay, DecoupledWeightDecayCallback } from './weight-decay-callback';
export type { WeightDecayCallbackArgs } from './weight-decay-callback';
export { trainPopulation, planPopulation } from './population';
export type { TrainPopulationArgs, PopulationMemberInput, PopulationPlanResult } from './population';
