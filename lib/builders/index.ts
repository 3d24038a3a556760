/**
 * Typed, seeded model builders: JSON specs in, ordinary `tf.LayersModel`s out, with stable layer
 * names that per-layer policies can address.
 */
export type { ActivationName, CnnSpec, ConvBlockSpec, LayerRegularizers, MlpSpec, ModelSpec, RecurrentCellName, RnnSpec, TaskKind } from './spec';
export { ACTIVATION_NAMES, RECURRENT_CELL_NAMES, TASK_KINDS } from './spec';
export type { BuildOptions } from './build';
export { buildModel, cnn, layerNamesOf, mlp, rnn } from './build';
export type { TaskLossName } from './task';
export { lossFor, outputActivationFor } from './task';
export { modelSpecSchema, validateModelSpec } from './validate';
export { modelSpecFromConfig, modelSpecToConfig, withDefaults } from './config';
export { checkSeed, layerSeed } from './seeds';
export { loadKerasModel, saveKerasModel, supportedKerasClasses, registerKerasLayerClasses } from './keras-model';
export type { LoadKerasModelOptions, KerasModelSource } from './keras-model';
export type { ModelEntry, ModelFactoryContext } from './registry';
export { getRegisteredModel, registerModel, registeredModels } from './registry';
