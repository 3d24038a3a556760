/** Tiny tfjs models and data for the training tests (cpu backend, deterministic initializers). */
import * as tf from '@tensorflow/tfjs';

/** A one-unit linear layer with the given kernel and bias values. */
export function linearModel(args: { kernel: number[][]; bias?: number[]; kernelRegularizer?: Parameters<typeof tf.layers.dense>[0]['kernelRegularizer']; name?: string }): tf.Sequential {
  const inputSize = args.kernel.length;
  const units = args.kernel[0].length;
  const model = tf.sequential();
  model.add(
    tf.layers.dense({
      units,
      inputShape: [inputSize],
      useBias: args.bias != null,
      kernelRegularizer: args.kernelRegularizer,
      name: args.name,
    }),
  );
  const weights: tf.Tensor[] = [tf.tensor2d(args.kernel)];
  if (args.bias != null) weights.push(tf.tensor1d(args.bias));
  model.setWeights(weights);
  tf.dispose(weights);
  return model;
}

/** 4 → 8 (relu) → [dropout] → classes (softmax), seeded initializers. */
export function smallClassifier(args: { seed?: number; dropout?: number; classes?: number; l2?: number } = {}): tf.Sequential {
  const seed = args.seed ?? 11;
  const classes = args.classes ?? 3;
  const model = tf.sequential();
  model.add(
    tf.layers.dense({
      units: 8,
      inputShape: [4],
      activation: 'relu',
      kernelInitializer: tf.initializers.glorotUniform({ seed }),
      kernelRegularizer: args.l2 ? tf.regularizers.l2({ l2: args.l2 }) : undefined,
      name: 'hidden',
    }),
  );
  if (args.dropout) model.add(tf.layers.dropout({ rate: args.dropout }));
  model.add(
    tf.layers.dense({
      units: classes,
      activation: classes === 1 ? 'sigmoid' : 'softmax',
      kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }),
      name: 'out',
    }),
  );
  return model;
}

/** `count` samples of 4 features with `classes` one-hot labels (y = argmax of a fixed projection). */
export function classificationData(count: number, classes = 3, seed = 5): { x: tf.Tensor2D; y: tf.Tensor2D; labels: tf.Tensor1D } {
  return tf.tidy(() => {
    const x = tf.randomNormal([count, 4], 0, 1, 'float32', seed) as tf.Tensor2D;
    const projection = tf.randomNormal([4, Math.max(classes, 2)], 0, 1, 'float32', seed + 1);
    const scores = tf.matMul(x, projection);
    const labels = (classes === 1 ? tf.cast(tf.greater(tf.slice(scores, [0, 0], [-1, 1]).reshape([-1]), 0), 'int32') : tf.argMax(scores, 1)) as tf.Tensor1D;
    const y = (classes === 1 ? tf.cast(labels, 'float32').reshape([-1, 1]) : tf.oneHot(labels, classes).toFloat()) as tf.Tensor2D;
    return { x, y, labels: tf.cast(labels, 'float32') as tf.Tensor1D };
  });
}

/** All weights of a model as flat arrays. */
export function weightValues(model: tf.LayersModel): Float32Array[] {
  return model.getWeights().map((weight) => weight.dataSync() as Float32Array);
}
