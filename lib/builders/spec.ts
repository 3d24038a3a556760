/**
 * Model specs: JSON-serializable descriptions of the models layerwise builds.
 * Layer names are stable and predictable so per-layer policies can address them:
 * an MLP's hidden layers are `dense_1 .. dense_n` and its output `output`;
 * a CNN's conv layers are `conv_1 .. conv_n`, pools `pool_1 ..`, dense head `dense_1 ..`, output `output`.
 *
 * The number after a helper layer's name is that of the layer it follows: `dropout_k` and
 * `batch_norm_k` follow `dense_k` (MLP, CNN head) or `conv_k` (CNN batch norm), `pool_k` follows
 * `conv_k` (a block without pooling leaves a gap: conv_1, conv_2, pool_2). The CNN's flatten layer
 * is `flatten`.
 *
 * A recurrent network's recurrent layers are `recurrent_1 .. recurrent_n` (each optionally followed
 * by `batch_norm_k` and `dropout_k`), its dense head `dense_1 ..`, then `output`.
 */
import type { RegularizerSpec } from '../regularizers/spec';

export type ActivationName = 'relu' | 'tanh' | 'sigmoid' | 'elu' | 'selu' | 'linear' | 'softmax' | 'gelu' | 'swish';

export const ACTIVATION_NAMES: readonly ActivationName[] = ['relu', 'tanh', 'sigmoid', 'elu', 'selu', 'linear', 'softmax', 'gelu', 'swish'];

/** What the output layer predicts; decides the output activation and the loss. */
export type TaskKind = 'binary' | 'multiclass' | 'regression';

export const TASK_KINDS: readonly TaskKind[] = ['binary', 'multiclass', 'regression'];

/** A multilayer perceptron as data: `dense_1..dense_k` hidden layers, then the `output` layer. */
export interface MlpSpec {
  type: 'mlp';
  /** Number of input features. */
  inputSize: number;
  /** Units per hidden layer, in order. */
  hidden: number[];
  /** Number of outputs: 1 for binary or scalar regression, number of classes for multiclass. */
  outputSize: number;
  /** Hidden activation. Default 'relu'. */
  activation?: ActivationName;
  /** Dropout rate after each hidden layer (0 = none). Default 0. */
  dropout?: number;
  /**
   * Each hidden layer as a linear `dense_k` followed by its own activation layer `activation_k`,
   * so a policy can put an activity penalty before the nonlinearity (on `dense_k`: the
   * pre-activations) or after it (on `activation_k`: what passes it). The same function and, for
   * the same seed, the same weights as the fused model (activation layers take no seed position).
   * Default false.
   */
  activationLayers?: boolean;
  /**
   * Batch normalization after each hidden layer's activation (before its dropout), named
   * `batch_norm_k`. Default false.
   */
  batchNormalization?: boolean;
  task: TaskKind;
}

/** One convolution block of a `CnnSpec`: Conv2D, optional batch normalization, optional max pooling. */
export interface ConvBlockSpec {
  filters: number;
  /** Square kernel size. Default 3. */
  kernelSize?: number;
  /** Max-pool size after the conv (0 or absent = no pooling). */
  pool?: number;
  /** Activation of the conv. Default 'relu'. */
  activation?: ActivationName;
  /** Conv padding. Default 'valid' (Keras's default). */
  padding?: 'valid' | 'same';
}

/** A convolutional network as data: conv blocks, flatten, dense head layers, then the `output` layer. */
export interface CnnSpec {
  type: 'cnn';
  /** [height, width, channels]. */
  inputShape: [number, number, number];
  blocks: ConvBlockSpec[];
  /** Units of the dense layers between flatten and output. */
  dense: number[];
  outputSize: number;
  /** Dropout rate after each dense head layer (0 = none; needs a non-empty `dense`). Default 0. */
  dropout?: number;
  /** Activation of the dense head layers. Default 'relu'. */
  activation?: ActivationName;
  /** Batch normalization after each conv (before pooling), named `batch_norm_k`. Default false. */
  batchNormalization?: boolean;
  task: TaskKind;
}

/** Recurrent cell classes of an `RnnSpec`: Keras's SimpleRNN, LSTM and GRU (with Keras 3 defaults). */
export type RecurrentCellName = 'simpleRNN' | 'lstm' | 'gru';

export const RECURRENT_CELL_NAMES: readonly RecurrentCellName[] = ['simpleRNN', 'lstm', 'gru'];

/**
 * A recurrent network for sequences as data: stacked recurrent layers `recurrent_1..recurrent_n`
 * (every one but the last returns its whole sequence, so the next can read it; the last returns
 * its final output), then dense head layers `dense_1..`, then the `output` layer. Layers are made
 * by lib/layers's factories, so they have Keras 3's defaults (Glorot-uniform kernels, orthogonal
 * recurrent kernels, LSTM forget bias 1, GRU `reset_after`).
 */
export interface RnnSpec {
  type: 'rnn';
  /** [timesteps, features] of one sample. */
  inputShape: [number, number];
  /** Cell class of every recurrent layer. */
  cell: RecurrentCellName;
  /** Units per recurrent layer, in order (at least one). */
  units: number[];
  /** Units of the dense layers between the last recurrent layer and the output. Default []. */
  dense?: number[];
  outputSize: number;
  /** Activation of the dense head layers. Default 'relu'. (The cells keep Keras's tanh.) */
  activation?: ActivationName;
  /** Dropout rate after each recurrent layer (`dropout_k`; 0 = none). Default 0. */
  dropout?: number;
  /** Batch normalization after each recurrent layer (before its dropout), named `batch_norm_k`. Default false. */
  batchNormalization?: boolean;
  task: TaskKind;
}

/** Any model the builders make from data (`buildModel`); the `type` field tells which. */
export type ModelSpec = MlpSpec | CnnSpec | RnnSpec;

/** Regularizers attached to one layer's slots. */
export interface LayerRegularizers {
  kernel?: RegularizerSpec;
  /** Recurrent kernel of a recurrent layer. */
  recurrent?: RegularizerSpec;
  bias?: RegularizerSpec;
  activity?: RegularizerSpec;
  /** BatchNormalization scale. */
  gamma?: RegularizerSpec;
  /** BatchNormalization offset. */
  beta?: RegularizerSpec;
}
