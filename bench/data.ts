import * as tf from '@tensorflow/tfjs';
import seedrandom from 'seedrandom';
import { BENCH_MODEL_SHAPES, BenchModelName } from './models';

/** Synthetic inputs (uniform in [0, 1)) and one-hot labels from a fixed seed, the same on every backend. */
export function syntheticData(model: BenchModelName, samples: number, seed = 1234): { x: tf.Tensor; y: tf.Tensor } {
  const shape = BENCH_MODEL_SHAPES[model];
  const random = seedrandom(`layerwise-bench-${seed}`);
  const features = shape.input.reduce((product, size) => product * size, 1);
  const x = new Float32Array(samples * features);
  for (let index = 0; index < x.length; index++) x[index] = random();
  const labels = new Int32Array(samples);
  for (let index = 0; index < samples; index++) labels[index] = Math.floor(random() * shape.classes);
  return tf.tidy(() => ({
    x: tf.tensor(x, [samples, ...shape.input]),
    y: tf.oneHot(tf.tensor1d(labels, 'int32'), shape.classes).toFloat(),
  }));
}
