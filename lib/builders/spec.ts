/**
 * Model specs: JSON-serializable descriptions of the models layerwise builds.
 * Layer names are stable and predictable so per-layer policies can address them:
 * an MLP's hidden layers are `dense_1 .. dense_n` and its output `output`;
 * a CNN's conv layers are `conv_1 .. conv_n`, pools `pool_1 ..`, dense head `dense_1 ..`, output `output`.
 */
import type { RegularizerSpec } from '../regularizers/spec';

export type ActivationName = 'relu' | 'tanh' | 'sigmoid' | 'elu' | 'selu' | 'linear' | 'softmax' | 'gelu' | 'swish';

/** What the output layer predicts; decides the output activation and the loss. */
export type TaskKind = 'binary' | 'multiclass' | 'regression';

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
  task: TaskKind;
}

export interface ConvBlockSpec {
  filters: number;
  /** Square kernel size. Default 3. */
  kernelSize?: number;
  /** Max-pool size after the conv (0 or absent = no pooling). */
  pool?: number;
  activation?: ActivationName;
}

export interface CnnSpec {
  type: 'cnn';
  /** [height, width, channels]. */
  inputShape: [number, number, number];
  blocks: ConvBlockSpec[];
  /** Units of the dense layers between flatten and output. */
  dense: number[];
  outputSize: number;
  dropout?: number;
  task: TaskKind;
}

export type ModelSpec = MlpSpec | CnnSpec;

/** Regularizers attached to one layer's slots. */
export interface LayerRegularizers {
  kernel?: RegularizerSpec;
  bias?: RegularizerSpec;
  activity?: RegularizerSpec;
}
