/**
 * Typed, seeded model builders: JSON specs in, ordinary `tf.LayersModel`s out, with stable layer
 * names that per-layer policies can address.
 */
export type { ActivationName, CnnSpec, ConvBlockSpec, LayerRegularizers, MlpSpec, ModelSpec, TaskKind } from './spec';
export { ACTIVATION_NAMES, TASK_KINDS } from './spec';
export type { BuildOptions } from './build';
export { buildModel, cnn, layerNamesOf, mlp } from './build';
export type { TaskLossName } from './task';
export { lossFor, outputActivationFor } from './task';
export { modelSpecSchema, validateModelSpec } from './validate';
export { modelSpecFromConfig, modelSpecToConfig, withDefaults } from './config';
export { checkSeed, layerSeed } from './seeds';
export { loadKerasModel, saveKerasModel, supportedKerasClasses, registerKerasLayerClasses } from './keras-model';
export type { LoadKerasModelOptions, KerasModelSource } from './keras-model';
