import * as tf from '@tensorflow/tfjs';

/** The two benchmark models of issue 3, identical in Keras (keras_bench.py). */
export type BenchModelName = 'mlp' | 'cnn';
export const BENCH_MODEL_NAMES: readonly BenchModelName[] = ['mlp', 'cnn'];

/** Shape facts the data generator and the Keras script share. */
export const BENCH_MODEL_SHAPES: Record<BenchModelName, { input: number[]; classes: number; batchSize: number }> = {
  mlp: { input: [784], classes: 10, batchSize: 128 },
  cnn: { input: [28, 28, 1], classes: 10, batchSize: 64 },
};

/**
 * Builds and compiles a benchmark model with raw tfjs-layers (the "raw fit" baseline):
 * - mlp: Dense(256, relu) -> Dense(10, softmax), L2(1e-4) on both kernels, Adam(1e-3).
 * - cnn: Conv2D(16, 3x3, relu) -> MaxPool(2) -> Flatten -> Dense(10, softmax), Adam(1e-3).
 * Loss categorical cross-entropy on one-hot labels in both.
 */
export function buildRawModel(name: BenchModelName): tf.LayersModel {
  const model = buildArchitecture(name, true);
  model.compile({ optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy' });
  return model;
}

/**
 * The architecture only, not compiled; `regularized` puts the MLP's L2(1e-4) on its kernels (the CNN
 * has no regularizer). The layerwise cases build it unregularized and add the penalty with a policy.
 */
export function buildArchitecture(name: BenchModelName, regularized: boolean): tf.Sequential {
  const model = tf.sequential();
  if (name === 'mlp') {
    const l2 = () => (regularized ? tf.regularizers.l2({ l2: 1e-4 }) : undefined);
    model.add(tf.layers.dense({ inputShape: [784], units: 256, activation: 'relu', kernelRegularizer: l2() }));
    model.add(tf.layers.dense({ units: 10, activation: 'softmax', kernelRegularizer: l2() }));
  } else {
    model.add(tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 16, kernelSize: 3, activation: 'relu' }));
    model.add(tf.layers.maxPooling2d({ poolSize: 2 }));
    model.add(tf.layers.flatten());
    model.add(tf.layers.dense({ units: 10, activation: 'softmax' }));
  }
  return model;
}
