/**
 * The model zoo of `npm run bench -- --suite zoo` (issue 16): every model a sweep commonly trains,
 * built here with tfjs layers and layerwise regularizers, and identically in Keras by
 * bench/zoo/keras_zoo.py (same ids, layer sizes, activations, penalties, optimizer, batch size).
 *
 * Settings that differ between the libraries' defaults are stated on both sides:
 * - LSTM and GRU use `recurrentActivation: 'sigmoid'` (Keras 3's default; tfjs defaults to hardSigmoid).
 * - GRU uses Keras 3's default `reset_after=True` on both sides: layerwise's `layers.gru` (lib/layers/gru.ts;
 *   tfjs's own GRUCell implements only `reset_after=False` and throws on `resetAfter: true`).
 * - Dropout and BatchNormalization keep both libraries' defaults (momentum 0.99, epsilon 1e-3).
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendName } from '../../lib/backend';
import { createRegularizer, l1, l2 } from '../../lib/regularizers';
// tfjs alone refuses to apply a layer with an activity regularizer; layerwise's factory carries it.
import { layers } from '../../lib/layers';

/** What the zoo models learn: one-hot classes (softmax + categorical cross-entropy) or a 0/1 target (sigmoid + binary cross-entropy). */
export type ZooTarget = { kind: 'categorical'; classes: number } | { kind: 'binary' };

/** One zoo model: its shape facts, training settings and tfjs builder. */
export interface ZooModel {
  /** Stable id shared with keras_zoo.py, e.g. `mlp`, `lstm`. */
  id: string;
  /** One line naming the architecture and penalties (the same in Keras). */
  description: string;
  /** Shape of one sample. */
  input: number[];
  target: ZooTarget;
  /** Loss name as layerwise `train` takes it. */
  loss: 'categoricalCrossentropy' | 'binaryCrossentropy';
  batchSize: number;
  /** Adam learning rate (Keras and layerwise both use Adam with otherwise default settings). */
  learningRate: number;
  /** Samples per repeat in a full run. */
  samples: number;
  /** Epochs per timed repeat. */
  epochs: number;
  /** Backends layerwise is measured on (the native one always; pure JS too where it may win). */
  backends: BackendName[];
  /** Builds a fresh, uncompiled tfjs model. */
  build(): tf.LayersModel;
}

const L2_KERNEL = 1e-4;
const ACTIVITY_L1 = 1e-5;
/** Layerwise's L2 as a tfjs regularizer object (the spec factories return plain data). */
const kernelL2 = () => createRegularizer(l2({ l2: L2_KERNEL }));

/** The zoo, in table order. Keep in step with `build()` in keras_zoo.py. */
export const ZOO_MODELS: readonly ZooModel[] = [
  {
    id: 'mlp',
    description: 'MLP 784-256-10, ReLU, softmax, L2(1e-4) kernels',
    input: [784], target: { kind: 'categorical', classes: 10 }, loss: 'categoricalCrossentropy',
    batchSize: 128, learningRate: 1e-3, samples: 8192, epochs: 2, backends: ['tensorflow'],
    build: () => {
      const model = tf.sequential();
      model.add(tf.layers.dense({ inputShape: [784], units: 256, activation: 'relu', kernelRegularizer: kernelL2() }));
      model.add(tf.layers.dense({ units: 10, activation: 'softmax', kernelRegularizer: kernelL2() }));
      return model;
    },
  },
  {
    id: 'cnn',
    description: 'CNN Conv2D(16,3x3,relu)-MaxPool(2)-Flatten-Dense(10,softmax), 28x28x1, no penalty',
    input: [28, 28, 1], target: { kind: 'categorical', classes: 10 }, loss: 'categoricalCrossentropy',
    batchSize: 64, learningRate: 1e-3, samples: 2048, epochs: 2, backends: ['tensorflow'],
    build: () => {
      const model = tf.sequential();
      model.add(tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 16, kernelSize: 3, activation: 'relu' }));
      model.add(tf.layers.maxPooling2d({ poolSize: 2 }));
      model.add(tf.layers.flatten());
      model.add(tf.layers.dense({ units: 10, activation: 'softmax' }));
      return model;
    },
  },
  {
    id: 'mlp-general',
    description: 'MLP 784-256(relu, activity L1 1e-5)-Dropout(0.3)-BatchNorm-128(relu)-10(softmax), L2(1e-4) kernels',
    input: [784], target: { kind: 'categorical', classes: 10 }, loss: 'categoricalCrossentropy',
    batchSize: 128, learningRate: 1e-3, samples: 8192, epochs: 2, backends: ['tensorflow'],
    build: () => {
      const model = tf.sequential();
      model.add(layers.dense({ inputShape: [784], units: 256, activation: 'relu', kernelInitializer: 'glorotNormal', kernelRegularizer: kernelL2(), activityRegularizer: l1({ l1: ACTIVITY_L1 }) }));
      model.add(tf.layers.dropout({ rate: 0.3 }));
      model.add(tf.layers.batchNormalization());
      model.add(tf.layers.dense({ units: 128, activation: 'relu', kernelRegularizer: kernelL2() }));
      model.add(tf.layers.dense({ units: 10, activation: 'softmax', kernelRegularizer: kernelL2() }));
      return model;
    },
  },
  {
    id: 'mlp-binary',
    description: 'MLP 784-256(relu)-1(sigmoid), binary cross-entropy, L2(1e-4) kernels',
    input: [784], target: { kind: 'binary' }, loss: 'binaryCrossentropy',
    batchSize: 128, learningRate: 1e-3, samples: 8192, epochs: 2, backends: ['tensorflow'],
    build: () => {
      const model = tf.sequential();
      model.add(tf.layers.dense({ inputShape: [784], units: 256, activation: 'relu', kernelRegularizer: kernelL2() }));
      model.add(tf.layers.dense({ units: 1, activation: 'sigmoid', kernelRegularizer: kernelL2() }));
      return model;
    },
  },
  {
    id: 'cnn-bn',
    description: 'CNN [Conv2D(16,3,relu)-BatchNorm-MaxPool(2)] x [Conv2D(32,3,relu)-BatchNorm-MaxPool(2)]-Flatten-Dropout(0.25)-Dense(10,softmax), L2(1e-4) kernels',
    input: [28, 28, 1], target: { kind: 'categorical', classes: 10 }, loss: 'categoricalCrossentropy',
    batchSize: 64, learningRate: 1e-3, samples: 2048, epochs: 1, backends: ['tensorflow'],
    build: () => {
      const model = tf.sequential();
      model.add(tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 16, kernelSize: 3, activation: 'relu', kernelRegularizer: kernelL2() }));
      model.add(tf.layers.batchNormalization());
      model.add(tf.layers.maxPooling2d({ poolSize: 2 }));
      model.add(tf.layers.conv2d({ filters: 32, kernelSize: 3, activation: 'relu', kernelRegularizer: kernelL2() }));
      model.add(tf.layers.batchNormalization());
      model.add(tf.layers.maxPooling2d({ poolSize: 2 }));
      model.add(tf.layers.flatten());
      model.add(tf.layers.dropout({ rate: 0.25 }));
      model.add(tf.layers.dense({ units: 10, activation: 'softmax', kernelRegularizer: kernelL2() }));
      return model;
    },
  },
  {
    id: 'conv1d',
    description: 'Conv1D on 128x8 sequences: Conv1D(32,5,relu)-MaxPool1D(2)-Conv1D(32,5,relu)-GlobalAvgPool1D-Dense(5,softmax), L2(1e-4) kernels',
    input: [128, 8], target: { kind: 'categorical', classes: 5 }, loss: 'categoricalCrossentropy',
    batchSize: 64, learningRate: 1e-3, samples: 2048, epochs: 2, backends: ['tensorflow'],
    build: () => {
      const model = tf.sequential();
      model.add(tf.layers.conv1d({ inputShape: [128, 8], filters: 32, kernelSize: 5, activation: 'relu', kernelRegularizer: kernelL2() }));
      model.add(tf.layers.maxPooling1d({ poolSize: 2 }));
      model.add(tf.layers.conv1d({ filters: 32, kernelSize: 5, activation: 'relu', kernelRegularizer: kernelL2() }));
      model.add(tf.layers.globalAveragePooling1d());
      model.add(tf.layers.dense({ units: 5, activation: 'softmax', kernelRegularizer: kernelL2() }));
      return model;
    },
  },
  {
    id: 'lstm',
    description: 'LSTM(64, recurrent_activation sigmoid) on 32x16 sequences-Dense(5,softmax), L2(1e-4) kernels',
    input: [32, 16], target: { kind: 'categorical', classes: 5 }, loss: 'categoricalCrossentropy',
    batchSize: 64, learningRate: 1e-3, samples: 2048, epochs: 1, backends: ['tensorflow'],
    build: () => {
      const model = tf.sequential();
      model.add(tf.layers.lstm({ inputShape: [32, 16], units: 64, recurrentActivation: 'sigmoid', kernelRegularizer: kernelL2() }));
      model.add(tf.layers.dense({ units: 5, activation: 'softmax', kernelRegularizer: kernelL2() }));
      return model;
    },
  },
  {
    id: 'gru',
    description: 'GRU(64, recurrent_activation sigmoid, reset_after=True) on 32x16 sequences-Dense(5,softmax), L2(1e-4) kernels',
    input: [32, 16], target: { kind: 'categorical', classes: 5 }, loss: 'categoricalCrossentropy',
    batchSize: 64, learningRate: 1e-3, samples: 2048, epochs: 1, backends: ['tensorflow'],
    build: () => {
      const model = tf.sequential();
      model.add(layers.gru({ inputShape: [32, 16], units: 64, recurrentActivation: 'sigmoid', resetAfter: true, kernelRegularizer: kernelL2() }));
      model.add(tf.layers.dense({ units: 5, activation: 'softmax', kernelRegularizer: kernelL2() }));
      return model;
    },
  },
  {
    id: 'functional-shared',
    description: 'functional: x(784)-Dense(256,relu)=h; shared Dense(256,relu) applied to h and to its own output; Add-Dense(10,softmax), L2(1e-4) kernels',
    input: [784], target: { kind: 'categorical', classes: 10 }, loss: 'categoricalCrossentropy',
    batchSize: 128, learningRate: 1e-3, samples: 8192, epochs: 2, backends: ['tensorflow'],
    build: () => {
      const input = tf.input({ shape: [784] });
      const hidden = tf.layers.dense({ units: 256, activation: 'relu', kernelRegularizer: kernelL2() }).apply(input) as tf.SymbolicTensor;
      const shared = tf.layers.dense({ units: 256, activation: 'relu', kernelRegularizer: kernelL2(), name: 'shared' });
      const once = shared.apply(hidden) as tf.SymbolicTensor;
      const twice = shared.apply(once) as tf.SymbolicTensor;
      const sum = tf.layers.add().apply([once, twice]) as tf.SymbolicTensor;
      const output = tf.layers.dense({ units: 10, activation: 'softmax', kernelRegularizer: kernelL2() }).apply(sum) as tf.SymbolicTensor;
      return tf.model({ inputs: input, outputs: output });
    },
  },
  {
    id: 'tiny-mlp',
    description: "README's MLP 2-16-16-1 (relu, sigmoid), binary cross-entropy, L2(1e-4) kernels, Adam 0.01, batch 32",
    input: [2], target: { kind: 'binary' }, loss: 'binaryCrossentropy',
    batchSize: 32, learningRate: 0.01, samples: 512, epochs: 10, backends: ['tensorflow', 'cpu'],
    build: () => {
      const model = tf.sequential();
      model.add(tf.layers.dense({ inputShape: [2], units: 16, activation: 'relu', kernelRegularizer: kernelL2() }));
      model.add(tf.layers.dense({ units: 16, activation: 'relu', kernelRegularizer: kernelL2() }));
      model.add(tf.layers.dense({ units: 1, activation: 'sigmoid', kernelRegularizer: kernelL2() }));
      return model;
    },
  },
];

export const ZOO_MODEL_IDS: readonly string[] = ZOO_MODELS.map((model) => model.id);

/** The zoo model with this id; throws naming the allowed ids. */
export function zooModel(id: string): ZooModel {
  const model = ZOO_MODELS.find((candidate) => candidate.id === id);
  if (model === undefined) throw new Error(`unknown zoo model "${id}"; allowed: ${ZOO_MODEL_IDS.join(', ')}`);
  return model;
}
