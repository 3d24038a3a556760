/**
 * `loadKerasModel(source)`: a Keras 3 model (JSON, or a `.keras` archive with its weights) as an
 * ordinary `tf.LayersModel`, built with layerwise's layer factories so every regularizer,
 * activity regularizer and constraint takes effect with Keras semantics, and `lossBreakdown`
 * gives the numbers Keras's `model.losses` and `evaluate()` give.
 */
import * as tf from '@tensorflow/tfjs';
import { describeValue, LayerwiseConfigError } from '../../errors/config-error';
import { createOptimizer } from '../../train/optimizer-spec';
import { ActivityRegularizationLayer } from './activity-regularization';
import { registerResetAfterGru } from '../../layers/gru';
import { registerRegularizerClasses } from '../../regularizers/registry';
import { readWeightGroups, type WeightArray, type WeightGroup } from './h5-weights';
import { isRecord, kerasObject } from './keras-objects';
import { resolveKerasSource, type KerasModelSource } from './source';
import { buildKerasTopology } from './topology';
import { kerasWeightPaths } from './weight-paths';

export type { KerasModelSource } from './source';

/** Options of `loadKerasModel`. */
export interface LoadKerasModelOptions {
  /**
   * Compile the model with the loss and optimizer of the archive's `compile_config` (when Keras
   * saved one), so `lossBreakdown(model, x, y)` and `fit` work without more setup. Default true.
   * Optimizer state (moments, iteration count) is not loaded.
   */
  compile?: boolean;
}

let classesRegistered = false;

/**
 * Makes layerwise's two Keras layer classes (the reset-after GRU, ActivityRegularization)
 * known to tfjs's serializer, so `tf.loadLayersModel` can read a model that `model.save` wrote after
 * `loadKerasModel`. `loadKerasModel` calls it; call it yourself before `tf.loadLayersModel` in a
 * process that has not loaded a Keras model. Safe to call repeatedly.
 */
export function registerKerasLayerClasses(): void {
  if (classesRegistered) return;
  registerResetAfterGru();
  registerRegularizerClasses();
  tf.serialization.registerClass(ActivityRegularizationLayer);
  classesRegistered = true;
}

/** Keras 3 loss identifiers -> tfjs loss names. */
const LOSSES: Record<string, string> = {
  mse: 'meanSquaredError',
  mean_squared_error: 'meanSquaredError',
  MeanSquaredError: 'meanSquaredError',
  mae: 'meanAbsoluteError',
  mean_absolute_error: 'meanAbsoluteError',
  MeanAbsoluteError: 'meanAbsoluteError',
  categorical_crossentropy: 'categoricalCrossentropy',
  CategoricalCrossentropy: 'categoricalCrossentropy',
  sparse_categorical_crossentropy: 'sparseCategoricalCrossentropy',
  SparseCategoricalCrossentropy: 'sparseCategoricalCrossentropy',
  binary_crossentropy: 'binaryCrossentropy',
  BinaryCrossentropy: 'binaryCrossentropy',
};

/** Keras 3 optimizer classes -> layerwise optimizer specs. */
function optimizerSpec(value: unknown): Parameters<typeof createOptimizer>[0] {
  if (typeof value === 'string') value = { class_name: value, config: {} };
  const object = kerasObject(value, 'compile_config.optimizer');
  const config = object.config;
  const learningRate = typeof config.learning_rate === 'number' ? config.learning_rate : undefined;
  switch (object.class_name.toLowerCase()) {
    case 'sgd':
      if (Number(config.momentum ?? 0) > 0) return { name: 'momentum', learningRate, momentum: Number(config.momentum), nesterov: Boolean(config.nesterov) };
      return { name: 'sgd', learningRate };
    case 'adam':
      return { name: 'adam', learningRate, beta1: config.beta_1 as number, beta2: config.beta_2 as number, epsilon: config.epsilon as number };
    case 'rmsprop':
      return { name: 'rmsprop', learningRate, rho: config.rho as number, momentum: config.momentum as number, epsilon: config.epsilon as number, centered: config.centered as boolean };
    case 'adagrad':
      return { name: 'adagrad', learningRate, initialAccumulatorValue: config.initial_accumulator_value as number };
    default:
      throw new LayerwiseConfigError(
        'compile_config.optimizer.class_name',
        `= ${describeValue(object.class_name)}: not supported; supported: SGD, Adam, RMSprop, Adagrad (or load with {compile: false} and compile yourself)`,
      );
  }
}

function lossName(value: unknown): string {
  let identifier = value;
  if (isRecord(value)) {
    const object = kerasObject(value, 'compile_config.loss');
    if (object.config.from_logits === true) {
      throw new LayerwiseConfigError('compile_config.loss.from_logits', '= true: tfjs losses take probabilities; allowed: false (or load with {compile: false})');
    }
    identifier = object.class_name;
  }
  const name = typeof identifier === 'string' ? LOSSES[identifier] : undefined;
  if (name == null) {
    throw new LayerwiseConfigError('compile_config.loss', `= ${describeValue(identifier)}: not supported; supported: ${Object.keys(LOSSES).join(', ')} (or load with {compile: false})`);
  }
  return name;
}

function compileFromConfig(model: tf.LayersModel, compileConfig: Record<string, unknown>): void {
  if (compileConfig.loss == null) return;
  // Sanitize the spec: drop fields Keras left undefined so layerwise's defaults apply.
  const spec = Object.fromEntries(Object.entries(optimizerSpec(compileConfig.optimizer ?? 'sgd')).filter(([, v]) => v !== undefined && v !== null));
  model.compile({ loss: lossName(compileConfig.loss), optimizer: createOptimizer(spec as Parameters<typeof createOptimizer>[0]) });
}

/** Every layer of the model by name (nested RNN cells are reached through their layer). */
function layersByName(model: tf.LayersModel): Map<string, tf.layers.Layer> {
  return new Map(model.layers.map((layer) => [layer.name, layer]));
}

/** The variables of the layer whose group is at `owner`, its own first, then nested groups (an RNN's `cell`). */
function arraysUnder(groups: WeightGroup[], owner: string): WeightArray[] {
  return groups.filter((group) => group.path === owner || group.path.startsWith(`${owner}/`)).flatMap((group) => group.arrays);
}

function setLayerWeights(layer: tf.layers.Layer, arrays: WeightArray[], where: string): void {
  const expected = layer.weights;
  if (arrays.length !== expected.length) {
    throw new LayerwiseConfigError(where, `has ${arrays.length} variables in model.weights.h5 but the layer "${layer.name}" has ${expected.length} (${expected.map((w) => `[${w.shape}]`).join(', ')})`);
  }
  arrays.forEach((array, index) => {
    const shape = expected[index].shape;
    if (JSON.stringify(shape) !== JSON.stringify(array.shape)) {
      throw new LayerwiseConfigError(`${where}/vars/${index}`, `has shape [${array.shape}] but "${layer.name}".${expected[index].originalName ?? index} has [${shape}]`);
    }
  });
  const tensors = arrays.map((array) => tf.tensor(array.values, array.shape, 'float32'));
  layer.setWeights(tensors);
  tf.dispose(tensors);
}

function loadWeights(model: tf.LayersModel, kerasLayers: { name: string; className: string }[], groups: WeightGroup[], origin: string): void {
  const byName = layersByName(model);
  // Keras >= 3.x writes the layer name on each vars group; older files are matched by path.
  const namedOwner = new Map<string, string>();
  for (const group of groups) if (group.name != null && /^layers\/[^/]+$/.test(group.path)) namedOwner.set(group.name, group.path);
  const paths = kerasWeightPaths(kerasLayers.map((layer) => layer.className));
  kerasLayers.forEach(({ name }, index) => {
    const layer = byName.get(name);
    if (layer == null || layer.weights.length === 0) return;
    const owner = namedOwner.get(name) ?? paths[index];
    const arrays = arraysUnder(groups, owner);
    if (arrays.length === 0) throw new LayerwiseConfigError(`${origin}: model.weights.h5`, `has no variables for layer "${name}" (looked for ${owner}/vars)`);
    setLayerWeights(layer, arrays, `${origin}: model.weights.h5 ${owner}`);
  });
}

/**
 * Loads a Keras 3 model: a JSON string (`model.to_json()`), its parsed object, a path to a `.json`
 * file (architecture only: weights are freshly initialized), or a path to a `.keras` archive
 * (architecture and weights; compiled with its loss and optimizer when Keras saved them).
 * Unsupported layers are refused with the layer's name, its class and the supported classes.
 */
export async function loadKerasModel(source: KerasModelSource, options: LoadKerasModelOptions = {}): Promise<tf.LayersModel> {
  registerKerasLayerClasses();
  const resolved = await resolveKerasSource(source);
  if (resolved.kerasVersion != null && !resolved.kerasVersion.startsWith('3.')) {
    throw new LayerwiseConfigError('metadata.json keras_version', `= ${describeValue(resolved.kerasVersion)}: loadKerasModel reads Keras 3 archives; allowed: 3.x`);
  }
  const { model, kerasLayers } = buildKerasTopology(resolved.modelConfig);
  try {
    if (resolved.weights != null) loadWeights(model, kerasLayers, await readWeightGroups(resolved.weights), resolved.origin);
    if ((options.compile ?? true) && resolved.compileConfig != null) compileFromConfig(model, resolved.compileConfig);
  } catch (error) {
    model.dispose();
    throw error;
  }
  return model;
}
