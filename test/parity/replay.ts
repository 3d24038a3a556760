/**
 * Rebuilds a Keras parity fixture with layerwise's public pieces: `lib/layers` factories (every
 * regularizer slot, activity included), `lib/regularizers`' `fromConfig` for the Keras configs,
 * the fixture's exact weights, and the optimizer / weight-decay options of `lib/train`.
 */
import * as tf from '@tensorflow/tfjs';
import { layers } from '../../lib/layers';
import { fromConfig } from '../../lib/regularizers';
import type { OptimizerSpec, TrainOptions } from '../../lib/train';
import type { FixtureOptimizer, KerasFixture, LayerJson, TensorJson, WeightsJson } from './fixture';

/** Keras regularizer slot -> tfjs/layerwise argument. */
const SLOT_ARGUMENT: Record<string, string> = {
  kernel: 'kernelRegularizer',
  bias: 'biasRegularizer',
  activity: 'activityRegularizer',
  recurrent: 'recurrentRegularizer',
  depthwise: 'depthwiseRegularizer',
  pointwise: 'pointwiseRegularizer',
  embeddings: 'embeddingsRegularizer',
  gamma: 'gammaRegularizer',
  beta: 'betaRegularizer',
};

/** Keras arguments each layer type may carry, and their tfjs names. Anything else fails loudly. */
const ARGUMENTS: Record<string, Record<string, string>> = {
  Dense: { units: 'units', activation: 'activation', use_bias: 'useBias' },
  Conv1D: { filters: 'filters', kernel_size: 'kernelSize', activation: 'activation', strides: 'strides', padding: 'padding' },
  Conv2D: { filters: 'filters', kernel_size: 'kernelSize', activation: 'activation', strides: 'strides', padding: 'padding' },
  DepthwiseConv2D: { kernel_size: 'kernelSize', depth_multiplier: 'depthMultiplier', activation: 'activation', padding: 'padding' },
  SeparableConv2D: { filters: 'filters', kernel_size: 'kernelSize', depth_multiplier: 'depthMultiplier', activation: 'activation', padding: 'padding' },
  Embedding: { input_dim: 'inputDim', output_dim: 'outputDim' },
  // recurrent_activation is always written by the generator: Keras's default is sigmoid, tfjs's hardSigmoid.
  LSTM: { units: 'units', activation: 'activation', recurrent_activation: 'recurrentActivation' },
  GRU: { units: 'units', activation: 'activation', recurrent_activation: 'recurrentActivation', reset_after: 'resetAfter' },
  BatchNormalization: { momentum: 'momentum', epsilon: 'epsilon' },
  Flatten: {},
};

type Factory = (args: Record<string, unknown>) => tf.layers.Layer;

const FACTORIES: Record<string, Factory> = {
  Dense: layers.dense as unknown as Factory,
  Conv1D: layers.conv1d as unknown as Factory,
  Conv2D: layers.conv2d as unknown as Factory,
  DepthwiseConv2D: layers.depthwiseConv2d as unknown as Factory,
  SeparableConv2D: layers.separableConv2d as unknown as Factory,
  Embedding: layers.embedding as unknown as Factory,
  LSTM: layers.lstm as unknown as Factory,
  GRU: layers.gru as unknown as Factory,
  BatchNormalization: layers.batchNormalization as unknown as Factory,
  Flatten: (args) => tf.layers.flatten(args),
};

function buildLayer(definition: LayerJson): tf.layers.Layer {
  const names = ARGUMENTS[definition.type];
  const factory = FACTORIES[definition.type];
  if (names == null || factory == null) throw new Error(`fixture layer ${definition.name}: no replay for Keras type ${definition.type}`);
  const args: Record<string, unknown> = { name: definition.name };
  for (const [key, value] of Object.entries(definition.args)) {
    const tfjsName = names[key];
    if (tfjsName == null) throw new Error(`fixture layer ${definition.name}: argument ${key} of ${definition.type} has no replay`);
    args[tfjsName] = value;
  }
  for (const [slot, config] of Object.entries(definition.regularizers)) {
    const argument = SLOT_ARGUMENT[slot];
    if (argument == null) throw new Error(`fixture layer ${definition.name}: unknown regularizer slot ${slot}`);
    if (config != null) args[argument] = fromConfig(config);
  }
  const layer = factory(args);
  layer.trainable = definition.trainable;
  return layer;
}

export function tensorOf(json: TensorJson): tf.Tensor {
  return tf.tensor(json.values, json.shape, json.dtype);
}

/** The model of the fixture with its initial weights. */
export function buildModel(fixture: KerasFixture): tf.LayersModel {
  const spec = fixture.model;
  const input = tf.input({ shape: spec.input.shape, dtype: spec.input.dtype, name: 'input' });
  const built = new Map(spec.layers.map((definition) => [definition.name, buildLayer(definition)] as const));
  const tensors = new Map<string, tf.SymbolicTensor>([['input', input]]);
  for (const call of spec.calls) {
    const layer = built.get(call.layer);
    const source = tensors.get(call.input);
    if (layer == null || source == null) throw new Error(`fixture call ${JSON.stringify(call)} names an unknown layer or tensor`);
    tensors.set(call.output, layer.apply(source) as tf.SymbolicTensor);
  }
  const model = tf.model({ inputs: input, outputs: tensors.get(spec.output) as tf.SymbolicTensor, name: 'model' });
  setWeights(model, fixture.initialWeights);
  return model;
}

/**
 * The fixture's model as a `tf.Sequential` when its calls form one chain (each layer applied once,
 * to the previous layer's output), else null: the form `train`'s lean path plans for.
 */
export function buildSequentialModel(fixture: KerasFixture): tf.Sequential | null {
  const spec = fixture.model;
  let previous = 'input';
  const seen = new Set<string>();
  for (const call of spec.calls) {
    if (call.input !== previous || seen.has(call.layer)) return null;
    seen.add(call.layer);
    previous = call.output;
  }
  if (previous !== spec.output || spec.input.dtype !== 'float32') return null;
  const model = tf.sequential({ name: 'model' });
  model.add(tf.layers.inputLayer({ inputShape: spec.input.shape, name: 'input' }));
  const definitions = new Map(spec.layers.map((definition) => [definition.name, definition] as const));
  for (const call of spec.calls) model.add(buildLayer(definitions.get(call.layer)!));
  setWeights(model, fixture.initialWeights);
  return model;
}

/** Sets every layer's weights; Keras's `layer.weights` order is tfjs's order for every replayed type. */
export function setWeights(model: tf.LayersModel, weights: WeightsJson): void {
  for (const [layerName, values] of Object.entries(weights)) {
    const layer = model.getLayer(layerName);
    const current = layer.weights;
    if (current.length !== values.length) throw new Error(`${layerName}: Keras has ${values.length} weights, tfjs ${current.length}`);
    values.forEach((value, index) => {
      if (current[index].shape.join(',') !== value.shape.join(',')) {
        throw new Error(`${layerName}.${value.name}: Keras shape [${value.shape}] but tfjs ${current[index].name} has [${current[index].shape}]`);
      }
    });
    const tensors = values.map(tensorOf);
    layer.setWeights(tensors);
    tf.dispose(tensors);
  }
}

/** The fixture's optimizer as a layerwise spec (AdamW = Adam + decoupled weight decay). */
export function optimizerSpecOf(optimizer: FixtureOptimizer): OptimizerSpec {
  switch (optimizer.name) {
    case 'sgd':
      return { name: 'sgd', learningRate: optimizer.learningRate };
    case 'momentum':
      return { name: 'momentum', learningRate: optimizer.learningRate, momentum: optimizer.momentum, nesterov: optimizer.nesterov };
    case 'adam':
    case 'adamw':
      return { name: 'adam', learningRate: optimizer.learningRate, beta1: optimizer.beta1, beta2: optimizer.beta2, epsilon: optimizer.epsilon };
  }
}

/**
 * The Keras decay as layerwise `weightDecay`: a rate per weight `originalName` for every trainable
 * weight whose Keras short name matches none of the exclusion regexes (Keras joins them and uses
 * `re.search` on the short name). Undefined when the optimizer has no decay.
 */
export function weightDecayOf(fixture: KerasFixture): TrainOptions['weightDecay'] {
  const optimizer = fixture.training?.optimizer;
  if (optimizer?.weightDecay == null) return undefined;
  const exclude = (optimizer.excludeFromWeightDecay ?? []).map((pattern) => new RegExp(pattern));
  const rates: Record<string, number> = {};
  for (const [layerName, weights] of Object.entries(fixture.initialWeights)) {
    for (const weight of weights) {
      if (!weight.trainable || exclude.some((pattern) => pattern.test(weight.name))) continue;
      rates[`${layerName}/${weight.name}`] = optimizer.weightDecay;
    }
  }
  return rates;
}

/** Reads every weight of the fixture's layers as plain numbers, keyed like the fixture. */
export function readWeights(model: tf.LayersModel, like: WeightsJson): Record<string, Record<string, number[]>> {
  const out: Record<string, Record<string, number[]>> = {};
  for (const [layerName, values] of Object.entries(like)) {
    const current = model.getLayer(layerName).weights;
    out[layerName] = {};
    values.forEach((value, index) => {
      out[layerName][value.name] = Array.from(current[index].read().dataSync());
    });
  }
  return out;
}
