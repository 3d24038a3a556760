/**
 * layerwise: per-layer regularization for TensorFlow.js with Keras semantics.
 *
 * The root holds what a Keras user reaches for: regularizers, layers, policies, builders, `train`,
 * `lossBreakdown`, the backend and the datasets. Sweeps, reports, the CI check and the PostgreSQL
 * store are subpath exports, so importing the root loads none of their dependencies (ajv, vega,
 * vega-lite, pg):
 *
 *   import { runSweep } from 'layerwise/sweep';
 *   import { writeReport } from 'layerwise/report';
 *   import { toMatchBaseline } from 'layerwise/check';
 *   import { openPostgresStore } from 'layerwise/postgres';
 *
 * Every name here has a doc comment at its declaration and is exercised by test/index.test.ts;
 * test/architecture/public-face.test.ts keeps the list and the lazy loading so.
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
export { setActivityRegularizer, activityPenalty } from './activity';
// Opt-in fixes of plain tfjs training (nothing is patched on import); the install/uninstall names are deprecated aliases.
export { enableKerasSemantics, installActivityRegularization, uninstallActivityRegularization } from './tfjs-compat';
export type { KerasSemanticsHandle } from './tfjs-compat';
export { lossBreakdown, regularizationPenalty, useKerasPenalties, useTfjsPenalties } from './loss';
export type { LossBreakdown, LossBreakdownOptions, RegularizationPenalty } from './loss';

// Builders and policies.
export { mlp, cnn, rnn, buildModel, layerNamesOf, lossFor, validateModelSpec, registerModel } from './builders';
export type { MlpSpec, CnnSpec, RnnSpec, ConvBlockSpec, ModelSpec, LayerRegularizers, TaskKind, BuildOptions, ModelEntry, ModelFactoryContext } from './builders';
export { loadKerasModel, saveKerasModel } from './builders';
export { uniform, perLayer, applyPolicy, describePolicy, formatPolicyTable, weightDecayRates, policyToConfig, policyFromConfig } from './policy';
export type { Policy, UniformPolicy, PerLayerPolicy, UniformArgs, PerLayerArgs, PolicyRow, Selector } from './policy';

// Training.
export { train, createOptimizer, decoupledWeightDecay } from './train';
export type { TrainOptions, TrainData, TrainResult, EpochRecord, SplitMetrics, OptimizerSpec } from './train';
export type { ScheduleSpec, LearningRate, LearningRateFunction } from './optimizers';

// Backend selection.
export { initBackend, activeBackend, describeBackend, BackendUnavailableError } from './backend';
export type { BackendInfo, BackendName, InitBackendArgs } from './backend';

// Datasets: shipped and registered data sets by name, CSV files, seeded splits, standardization, tensors.
export { loadDataset, listDatasets, registerDataset, loadCsvDataset, splitDataset, standardizeSplits, toTrainingData, makeMoons, toTensors } from './data';
export type { Dataset, DatasetEntry, CsvDatasetArgs, DatasetSplits, SplitArgs, ToTensorsArgs, TrainingTensors } from './data';
