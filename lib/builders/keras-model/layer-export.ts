/**
 * One tfjs layer -> its Keras 3 layer config (the reverse of layer-translate.ts), for
 * `saveKerasModel`. Regularizers are written with lib/regularizers' Keras 3 `toConfig`; a setting
 * Keras would compute differently (e.g. tfjs's `hardSigmoid`, which is not Keras 3's
 * `hard_sigmoid`) is refused, naming the layer and the field, rather than written wrongly.
 */
import * as tf from '@tensorflow/tfjs';
import type { Regularizer } from '@tensorflow/tfjs-layers/dist/regularizers';
import { describeValue, LayerwiseConfigError } from '../../errors/config-error';
import { specOf, toConfig } from '../../regularizers';
import { ActivityRegularizationLayer } from './activity-regularization';
import { ResetAfterGRUCell } from '../../layers/gru';
import { float32Policy, writeActivation, writeConstraint, writeInitializer } from './keras-objects';

/** A Keras 3 class name and config. */
export interface ExportedLayer {
  className: string;
  config: Record<string, unknown>;
}

type Fields = Record<string, unknown>;

function regularizerConfig(regularizer: unknown, field: string): unknown {
  if (regularizer == null) return null;
  const spec = specOf(regularizer);
  if (spec == null) {
    throw new LayerwiseConfigError(field, `= ${describeValue((regularizer as Regularizer).getClassName?.())}: this tfjs regularizer has no Keras equivalent; use a layerwise regularizer (regularizers.l1/l2/l1l2/orthogonal/custom)`);
  }
  return toConfig(spec);
}

/** `<slot>_initializer`, `<slot>_regularizer`, `<slot>_constraint` from the owner's tfjs properties. */
function weightFields(owner: Fields, slots: [string, string][], label: string): Fields {
  const fields: Fields = {};
  for (const [kerasSlot, tfjsSlot] of slots) {
    if (`${tfjsSlot}Initializer` in owner) fields[`${kerasSlot}_initializer`] = writeInitializer(owner[`${tfjsSlot}Initializer`], `${label}.${tfjsSlot}Initializer`);
    if (`${tfjsSlot}Regularizer` in owner) fields[`${kerasSlot}_regularizer`] = regularizerConfig(owner[`${tfjsSlot}Regularizer`], `${label}.${tfjsSlot}Regularizer`);
    if (`${tfjsSlot}Constraint` in owner) fields[`${kerasSlot}_constraint`] = writeConstraint(owner[`${tfjsSlot}Constraint`], `${label}.${tfjsSlot}Constraint`);
  }
  return fields;
}

function base(layer: tf.layers.Layer): Fields {
  return { name: layer.name, trainable: layer.trainable, dtype: float32Policy() };
}

function activity(layer: tf.layers.Layer): Fields {
  return { activity_regularizer: regularizerConfig(layer.activityRegularizer, `${layer.name}.activityRegularizer`) };
}

function dataFormat(config: Fields): string {
  return config.dataFormat === 'channelsFirst' ? 'channels_first' : 'channels_last';
}

function activationField(value: unknown, label: string): string {
  try {
    return writeActivation(value);
  } catch (error) {
    throw new LayerwiseConfigError(label, (error as Error).message.replace(/^activation\s*/, ''));
  }
}

const KERNEL_BIAS: [string, string][] = [['kernel', 'kernel'], ['bias', 'bias']];
const RECURRENT: [string, string][] = [['kernel', 'kernel'], ['recurrent', 'recurrent'], ['bias', 'bias']];

function rnnFields(layer: tf.layers.Layer, cell: Fields, config: Fields, withGates: boolean): Fields {
  const label = layer.name;
  const fields: Fields = {
    ...base(layer),
    ...activity(layer),
    return_sequences: config.returnSequences ?? false,
    return_state: config.returnState ?? false,
    go_backwards: config.goBackwards ?? false,
    stateful: config.stateful ?? false,
    unroll: config.unroll ?? false,
    zero_output_for_mask: false,
    units: cell.units,
    activation: activationField((cell as { activationName?: string }).activationName ?? config.activation, `${label}.activation`),
    use_bias: cell.useBias ?? true,
    ...weightFields(cell, RECURRENT, label),
    dropout: Number(cell.dropout ?? 0),
    recurrent_dropout: Number(cell.recurrentDropout ?? 0),
    seed: null,
  };
  if (withGates) fields.recurrent_activation = activationField((cell as { recurrentActivationName?: string }).recurrentActivationName ?? config.recurrentActivation, `${label}.recurrentActivation`);
  return fields;
}

/** tfjs layer -> Keras 3 class and config. */
export function exportLayer(layer: tf.layers.Layer): ExportedLayer {
  const className = layer.getClassName();
  const config = layer.getConfig() as Fields;
  const fields = layer as unknown as Fields;
  const label = layer.name;
  if (layer instanceof ActivityRegularizationLayer) return { className: 'ActivityRegularization', config: { ...base(layer), l1: layer.l1, l2: layer.l2 } };
  const cell = (layer as unknown as { cell?: Fields }).cell;
  if (layer instanceof tf.RNN && cell instanceof ResetAfterGRUCell && cell.resetAfter) {
    return { className: 'GRU', config: { ...rnnFields(layer, cell as unknown as Fields, config, true), reset_after: true, use_cudnn: 'auto' } };
  }
  switch (className) {
    case 'Dense':
      return {
        className,
        config: { ...base(layer), units: config.units, activation: activationField(config.activation, `${label}.activation`), use_bias: config.useBias, ...weightFields(fields, KERNEL_BIAS, label), ...activity(layer), quantization_config: null },
      };
    case 'Conv1D':
    case 'Conv2D':
      return {
        className,
        config: {
          ...base(layer),
          filters: config.filters,
          kernel_size: config.kernelSize,
          strides: config.strides,
          padding: config.padding,
          data_format: dataFormat(config),
          dilation_rate: config.dilationRate,
          groups: 1,
          activation: activationField(config.activation, `${label}.activation`),
          use_bias: config.useBias,
          ...weightFields(fields, KERNEL_BIAS, label),
          ...activity(layer),
        },
      };
    case 'MaxPooling1D':
    case 'MaxPooling2D':
    case 'AveragePooling1D':
    case 'AveragePooling2D':
      return { className, config: { ...base(layer), pool_size: config.poolSize, strides: config.strides, padding: config.padding, data_format: dataFormat(config) } };
    case 'GlobalAveragePooling1D':
    case 'GlobalAveragePooling2D':
    case 'GlobalMaxPooling1D':
    case 'GlobalMaxPooling2D':
      return { className, config: { ...base(layer), data_format: dataFormat(config), keepdims: false } };
    case 'Flatten':
      return { className, config: { ...base(layer), data_format: dataFormat(config) } };
    case 'Reshape':
      return { className, config: { ...base(layer), target_shape: config.targetShape } };
    case 'Dropout':
      return { className, config: { ...base(layer), rate: config.rate, seed: config.seed ?? null, noise_shape: config.noiseShape ?? null } };
    case 'Activation':
      return { className, config: { ...base(layer), activation: activationField(config.activation, `${label}.activation`) } };
    case 'BatchNormalization':
      return {
        className,
        config: {
          ...base(layer),
          axis: config.axis,
          momentum: config.momentum,
          epsilon: config.epsilon,
          center: config.center,
          scale: config.scale,
          ...weightFields(fields, [['beta', 'beta'], ['gamma', 'gamma'], ['moving_mean', 'movingMean'], ['moving_variance', 'movingVariance']], label),
          synchronized: false,
        },
      };
    case 'Embedding':
      return {
        className,
        config: { ...base(layer), input_dim: config.inputDim, output_dim: config.outputDim, ...weightFields(fields, [['embeddings', 'embeddings']], label), ...activity(layer), mask_zero: config.maskZero ?? false },
      };
    case 'SimpleRNN':
      return { className, config: rnnFields(layer, cell!, config, false) };
    case 'LSTM':
      return { className, config: { ...rnnFields(layer, cell!, config, true), unit_forget_bias: config.unitForgetBias ?? true, use_cudnn: 'auto' } };
    case 'GRU':
      return { className, config: { ...rnnFields(layer, cell!, config, true), reset_after: false, use_cudnn: 'auto' } };
    case 'Add':
    case 'Multiply':
    case 'Average':
    case 'Maximum':
    case 'Minimum':
      return { className, config: base(layer) };
    case 'Concatenate':
      return { className, config: { ...base(layer), axis: config.axis ?? -1 } };
    default:
      throw new LayerwiseConfigError(
        label,
        `: layer "${label}" has class ${describeValue(className)}, which saveKerasModel cannot write; supported: ActivityRegularization, Activation, Add, Average, AveragePooling1D, AveragePooling2D, BatchNormalization, Concatenate, Conv1D, Conv2D, Dense, Dropout, Embedding, Flatten, GRU, GlobalAveragePooling1D, GlobalAveragePooling2D, GlobalMaxPooling1D, GlobalMaxPooling2D, LSTM, MaxPooling1D, MaxPooling2D, Maximum, Minimum, Multiply, Reshape, SimpleRNN`,
      );
  }
}
