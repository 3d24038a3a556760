/**
 * layerwise: per-layer regularization for TensorFlow.js with Keras semantics.
 *
 * The names users reach for first are exported flat (`regularizers`, `layers`, `lossBreakdown`,
 * `uniform`, `perLayer`, `applyPolicy`, `describePolicy`, `mlp`, `cnn`, `train`, `initBackend`).
 * Every module is also exported whole as a namespace (`data`, `sweep`, `report`, `check`, ...),
 * which keeps generic names such as `fromConfig` or `oneHot` unambiguous.
 */

// Regularizers: plain-data specs with Keras 3 formulas, configs and validation.
export { regularizers, registerRegularizer, createRegularizer, specOf, computePenalty } from './regularizers';
export type {
  RegularizerSpec,
  L1Spec,
  L2Spec,
  L1L2Spec,
  OrthogonalSpec,
  CustomSpec,
  KerasRegularizerConfig,
  RegularizerInput,
  CustomRegularizerFactory,
} from './regularizers';

// Layers whose regularizer slots take specs; activity regularization that works; loss accounting.
export { layers, applyConstraints, enforceConstraints, constraintsCallback, forwardAllRecurrentLosses, regularizedWeights } from './layers';
export type { RegularizedWeight, WeightSlot } from './layers';
export {
  setActivityRegularizer,
  activityPenalty,
  installActivityRegularization,
  uninstallActivityRegularization,
} from './activity';
export { lossBreakdown, regularizationPenalty, useKerasPenalties, useTfjsPenalties } from './loss';
export type { LossBreakdown, LossBreakdownOptions, RegularizationPenalty } from './loss';

// Builders and policies.
export { mlp, cnn, buildModel, layerNamesOf, lossFor, validateModelSpec } from './builders';
export type { MlpSpec, CnnSpec, ConvBlockSpec, ModelSpec, LayerRegularizers, TaskKind, BuildOptions } from './builders';
export { uniform, perLayer, applyPolicy, describePolicy, formatPolicyTable, weightDecayRates, policyToConfig, policyFromConfig } from './policy';
export type { Policy, UniformPolicy, PerLayerPolicy, UniformArgs, PerLayerArgs, PolicyRow, Selector } from './policy';

// Training.
export { train, createOptimizer, decoupledWeightDecay } from './train';
export type { TrainOptions, TrainData, TrainResult, EpochRecord, SplitMetrics, OptimizerSpec } from './train';
export type { ScheduleSpec, LearningRate, LearningRateFunction } from './optimizers';

// Backend selection.
export { initBackend, activeBackend, BackendUnavailableError } from './backend';
export type { BackendInfo, BackendName } from './backend';

// The CI regression gate, usable from jest: expect.extend({ toMatchBaseline }).
export { toMatchBaseline, compareToBaseline, readBaseline } from './check';
export type { Baseline, MetricsTable, CheckReport } from './check';

// Whole modules.
export * as activity from './activity';
export * as backend from './backend';
export * as builders from './builders';
export * as check from './check';
export * as data from './data';
export * as loss from './loss';
export * as policy from './policy';
export * as report from './report';
export * as sweep from './sweep';
export * as postgres from './sweep/postgres';
export * as training from './train';
