/**
 * One Keras 3 layer config -> one tfjs layer, built with layerwise's own factories (lib/layers), so
 * regularizers, activity regularizers and constraints take effect with Keras semantics.
 *
 * Each translator reads the Keras 3 config fields (snake_case, Keras objects for initializers,
 * regularizers and constraints, DTypePolicy objects) and refuses values tfjs cannot reproduce,
 * naming the layer and the field. Keras 3 defaults where they differ from tfjs's are taken from the
 * config itself (e.g. LSTM/GRU `recurrent_activation: "sigmoid"`, GRU `reset_after: true`).
 */
import * as tf from '@tensorflow/tfjs';
import { describeValue, LayerwiseConfigError } from '../../errors/config-error';
import { layers } from '../../layers/factories';
import { setActivityRegularizer } from '../../activity/set';
import { createRegularizer, type RegularizerInput } from '../../regularizers';
import { enforceConstraints } from '../../layers/constraints';
import { forwardRecurrentLosses } from '../../layers/recurrent';
import { activityRegularization } from './activity-regularization';
import { readActivation, readConstraint, readDtype, readInitializer } from './keras-objects';

/** What a translator receives. */
export interface LayerTranslationContext {
  /** The layer's Keras class name, e.g. `LSTM`. */
  className: string;
  /** The layer's Keras config (`config` of the layer object). */
  config: Record<string, unknown>;
  /** `layers[3] "dense_1" (Dense)`-style label for error messages. */
  label: string;
  /** Input shape with the batch dimension, set for the first layer of a Sequential model. */
  batchInputShape?: (number | null)[];
}

type Translator = (context: LayerTranslationContext) => tf.layers.Layer;
type Args = Record<string, unknown>;

/** Fields shared by every layer: name, trainable, dtype (float32 only), and the Sequential input shape. */
function baseArgs({ config, label, batchInputShape }: LayerTranslationContext): Args {
  readDtype(config.dtype, `${label}.dtype`);
  const args: Args = { name: config.name, trainable: config.trainable ?? true };
  if (batchInputShape != null) args.batchInputShape = batchInputShape;
  return args;
}

function requireValue(context: LayerTranslationContext, key: string, allowed: unknown[]): void {
  const value = context.config[key];
  if (value === undefined) return;
  if (!allowed.some((candidate) => JSON.stringify(candidate) === JSON.stringify(value))) {
    throw new LayerwiseConfigError(`${context.label}.${key}`, `= ${describeValue(value)}: not supported by tfjs; allowed: ${allowed.map((v) => describeValue(v)).join(', ')}`);
  }
}

/** Initializer, regularizer and constraint fields: `<slot>_initializer` etc. -> tfjs args. */
function weightArgs(context: LayerTranslationContext, slots: string[]): Args {
  const { config, label } = context;
  const args: Args = {};
  const camel = (slot: string): string => slot.replace(/_(\w)/g, (_m, c: string) => c.toUpperCase());
  for (const slot of slots) {
    const initializer = readInitializer(config[`${slot}_initializer`], `${label}.${slot}_initializer`);
    if (initializer !== undefined) args[`${camel(slot)}Initializer`] = initializer;
    const regularizer = config[`${slot}_regularizer`];
    if (regularizer != null) args[`${camel(slot)}Regularizer`] = regularizer;
    const constraint = readConstraint(config[`${slot}_constraint`], `${label}.${slot}_constraint`);
    if (constraint !== undefined) args[`${camel(slot)}Constraint`] = constraint;
  }
  if (config.activity_regularizer != null) args.activityRegularizer = config.activity_regularizer;
  return args;
}

function dataFormat(context: LayerTranslationContext): Args {
  const value = context.config.data_format;
  if (value == null) return {};
  requireValue(context, 'data_format', ['channels_last', 'channels_first']);
  return { dataFormat: value === 'channels_first' ? 'channelsFirst' : 'channelsLast' };
}

function noQuantization(context: LayerTranslationContext): void {
  for (const key of ['quantization_config', 'lora_rank']) {
    if (context.config[key] != null) {
      throw new LayerwiseConfigError(`${context.label}.${key}`, `= ${describeValue(context.config[key])}: quantized / LoRA layers are not supported; allowed: null`);
    }
  }
}

function convolution(factory: (args: never) => tf.layers.Layer, paddings: string[]): Translator {
  return (context) => {
    const { config } = context;
    noQuantization(context);
    requireValue(context, 'padding', paddings);
    requireValue(context, 'groups', [1]);
    return factory({
      ...baseArgs(context),
      filters: config.filters,
      kernelSize: config.kernel_size,
      strides: config.strides,
      padding: config.padding,
      dilationRate: config.dilation_rate,
      activation: readActivation(config.activation, `${context.label}.activation`),
      useBias: config.use_bias ?? true,
      ...dataFormat(context),
      ...weightArgs(context, ['kernel', 'bias']),
    } as never);
  };
}

function pooling(factory: (args: never) => tf.layers.Layer): Translator {
  return (context) => {
    requireValue(context, 'padding', ['valid', 'same']);
    return factory({
      ...baseArgs(context),
      poolSize: context.config.pool_size,
      strides: context.config.strides ?? undefined,
      padding: context.config.padding,
      ...dataFormat(context),
    } as never);
  };
}

function globalPooling(factory: (args: never) => tf.layers.Layer): Translator {
  return (context) => {
    requireValue(context, 'keepdims', [false]);
    return factory({ ...baseArgs(context), ...dataFormat(context) } as never);
  };
}

function merge(factory: (args: never) => tf.layers.Layer, extra?: (config: Args) => Args): Translator {
  return (context) => factory({ ...baseArgs(context), ...(extra ? extra(context.config) : {}) } as never);
}

/** Fields of Keras's RNN base class (keras/src/layers/rnn/rnn.py) that tfjs's RNN also has. */
function rnnArgs(context: LayerTranslationContext): Args {
  const { config, label } = context;
  const args: Args = {
    ...baseArgs(context),
    units: config.units,
    activation: readActivation(config.activation ?? 'tanh', `${label}.activation`),
    useBias: config.use_bias ?? true,
    returnSequences: config.return_sequences ?? false,
    returnState: config.return_state ?? false,
    goBackwards: config.go_backwards ?? false,
    stateful: config.stateful ?? false,
    unroll: config.unroll ?? false,
    dropout: config.dropout ?? 0,
    recurrentDropout: config.recurrent_dropout ?? 0,
    ...weightArgs(context, ['kernel', 'recurrent', 'bias']),
  };
  if (config.recurrent_activation !== undefined || context.className === 'LSTM' || context.className === 'GRU') {
    args.recurrentActivation = readActivation(config.recurrent_activation ?? 'sigmoid', `${label}.recurrent_activation`);
  }
  requireValue(context, 'zero_output_for_mask', [false]);
  return args;
}


/** Keras 3 class name -> translator. */
export const LAYER_TRANSLATORS: Record<string, Translator> = {
  Dense: (context) => {
    noQuantization(context);
    return layers.dense({
      ...baseArgs(context),
      units: context.config.units,
      activation: readActivation(context.config.activation, `${context.label}.activation`),
      useBias: context.config.use_bias ?? true,
      ...weightArgs(context, ['kernel', 'bias']),
    } as never);
  },
  Conv1D: convolution(layers.conv1d as never, ['valid', 'same', 'causal']),
  Conv2D: convolution(layers.conv2d as never, ['valid', 'same']),
  MaxPooling1D: pooling(tf.layers.maxPooling1d as never),
  MaxPooling2D: pooling(tf.layers.maxPooling2d as never),
  AveragePooling1D: pooling(tf.layers.averagePooling1d as never),
  AveragePooling2D: pooling(tf.layers.averagePooling2d as never),
  GlobalAveragePooling1D: globalPooling(tf.layers.globalAveragePooling1d as never),
  GlobalAveragePooling2D: globalPooling(tf.layers.globalAveragePooling2d as never),
  GlobalMaxPooling1D: globalPooling(tf.layers.globalMaxPooling1d as never),
  GlobalMaxPooling2D: globalPooling(tf.layers.globalMaxPooling2d as never),
  Flatten: (context) => tf.layers.flatten({ ...baseArgs(context), ...dataFormat(context) } as never),
  Reshape: (context) => tf.layers.reshape({ ...baseArgs(context), targetShape: context.config.target_shape } as never),
  Dropout: (context) =>
    tf.layers.dropout({ ...baseArgs(context), rate: context.config.rate, noiseShape: context.config.noise_shape ?? undefined, seed: context.config.seed ?? undefined } as never),
  Activation: (context) => tf.layers.activation({ ...baseArgs(context), activation: readActivation(context.config.activation, `${context.label}.activation`) } as never),
  BatchNormalization: (context) => {
    const { config } = context;
    requireValue(context, 'renorm', [false]);
    requireValue(context, 'synchronized', [false]);
    const axis = Array.isArray(config.axis) && config.axis.length === 1 ? config.axis[0] : config.axis;
    return layers.batchNormalization({
      ...baseArgs(context),
      axis: axis ?? -1,
      momentum: config.momentum ?? 0.99,
      epsilon: config.epsilon ?? 1e-3,
      center: config.center ?? true,
      scale: config.scale ?? true,
      movingMeanInitializer: readInitializer(config.moving_mean_initializer, `${context.label}.moving_mean_initializer`),
      movingVarianceInitializer: readInitializer(config.moving_variance_initializer, `${context.label}.moving_variance_initializer`),
      ...weightArgs(context, ['beta', 'gamma']),
    } as never);
  },
  Embedding: (context) => {
    const { config } = context;
    noQuantization(context);
    return layers.embedding({
      ...baseArgs(context),
      inputDim: config.input_dim,
      outputDim: config.output_dim,
      maskZero: config.mask_zero ?? false,
      ...weightArgs(context, ['embeddings']),
    } as never);
  },
  SimpleRNN: (context) => layers.simpleRNN(rnnArgs(context) as never),
  LSTM: (context) => layers.lstm({ ...rnnArgs(context), unitForgetBias: context.config.unit_forget_bias ?? true } as never),
  // Keras 3's default reset_after=True is layers.gru's own (lib/layers/gru.ts implements it for tfjs).
  GRU: (context) => layers.gru({ ...rnnArgs(context), resetAfter: context.config.reset_after ?? true } as never),
  Add: merge(tf.layers.add as never),
  Multiply: merge(tf.layers.multiply as never),
  Average: merge(tf.layers.average as never),
  Maximum: merge(tf.layers.maximum as never),
  Minimum: merge(tf.layers.minimum as never),
  Concatenate: merge(tf.layers.concatenate as never, (config) => ({ axis: config.axis ?? -1 })),
  ActivityRegularization: (context) => {
    baseArgs(context);
    return activityRegularization({ name: context.config.name as string, l1: Number(context.config.l1 ?? 0), l2: Number(context.config.l2 ?? 0) });
  },
};

/** Every Keras class the loader supports, InputLayer included. */
export function supportedKerasClasses(): string[] {
  return ['InputLayer', ...Object.keys(LAYER_TRANSLATORS)].sort();
}

/** Translates one layer, or throws naming the layer, its class and the supported classes. */
export function translateLayer(context: LayerTranslationContext): tf.layers.Layer {
  const { className } = context;
  const translator = LAYER_TRANSLATORS[className];
  if (translator == null) {
    throw new LayerwiseConfigError(
      context.label,
      `: layer ${describeValue(context.config.name)} has class ${describeValue(className)}, which loadKerasModel does not support; supported classes: ${supportedKerasClasses().join(', ')}`,
    );
  }
  return translator(context);
}
