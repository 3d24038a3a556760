/**
 * Decoupled weight decay inside plain `model.fit`, through the callback. Expected values come from
 * the update rule itself (Keras 3: w ← update(w, g(w)) − lr·wd·w_pre), computed by running the same
 * fit without decay and subtracting lr·wd·w_pre by hand; tolerance 1e-6 (float32).
 */
import * as tf from '@tensorflow/tfjs';
import { decoupledWeightDecay } from '../../lib/train/weight-decay-callback';
import { createOptimizer } from '../../lib/train/optimizer-spec';

const x = tf.tensor2d([[1, 2], [3, -1], [-2, 0.5], [0.5, 0.5]]);
const y = tf.tensor2d([[1], [0], [1], [0]]);

function buildModel(optimizer: tf.Optimizer, l2?: number): tf.LayersModel {
  const model = tf.sequential({
    layers: [
      tf.layers.dense({
        units: 1,
        inputShape: [2],
        activation: 'sigmoid',
        kernelInitializer: tf.initializers.constant({ value: 0.5 }),
        biasInitializer: tf.initializers.constant({ value: 0.1 }),
        kernelRegularizer: l2 === undefined ? undefined : tf.regularizers.l2({ l2 }),
        name: 'dense',
      }),
    ],
  });
  model.compile({ optimizer, loss: 'binaryCrossentropy' });
  return model;
}

function kernelOf(model: tf.LayersModel): number[] {
  return Array.from(model.getLayer('dense').getWeights()[0].dataSync());
}

afterAll(() => tf.dispose([x, y]));

describe('decoupledWeightDecay callback for model.fit', () => {
  it('one Adam step equals the undecayed step minus lr·wd·w_pre on kernels only (biases untouched)', async () => {
    const learningRate = 0.1;
    const rate = 0.5;
    const plain = buildModel(tf.train.adam(learningRate));
    await plain.fit(x, y, { epochs: 1, batchSize: 4, shuffle: false, verbose: 0 });
    const decayed = buildModel(tf.train.adam(learningRate));
    await decayed.fit(x, y, { epochs: 1, batchSize: 4, shuffle: false, verbose: 0, callbacks: [decoupledWeightDecay({ model: decayed, weightDecay: rate })] });
    const expected = kernelOf(plain).map((value) => value - learningRate * rate * 0.5);
    kernelOf(decayed).forEach((value, index) => expect(value).toBeCloseTo(expected[index], 6));
    expect(decayed.getLayer('dense').getWeights()[1].dataSync()[0]).toBeCloseTo(plain.getLayer('dense').getWeights()[1].dataSync()[0], 7);
    plain.dispose();
    decayed.dispose();
  });

  it('under plain SGD equals an L2(wd/2) penalty over several steps', async () => {
    const rate = 0.2;
    const withL2 = buildModel(tf.train.sgd(0.05), rate / 2);
    await withL2.fit(x, y, { epochs: 5, batchSize: 2, shuffle: false, verbose: 0 });
    const withDecay = buildModel(tf.train.sgd(0.05));
    await withDecay.fit(x, y, { epochs: 5, batchSize: 2, shuffle: false, verbose: 0, callbacks: [decoupledWeightDecay({ model: withDecay, weightDecay: rate })] });
    const expected = kernelOf(withL2);
    kernelOf(withDecay).forEach((value, index) => expect(value).toBeCloseTo(expected[index], 6));
    withL2.dispose();
    withDecay.dispose();
  });

  it('with a scheduled learning rate, each step decays with the rate of its own update (equals L2(wd/2) under the same schedule)', async () => {
    const rate = 0.2;
    // The rate changes at every step, so reading it after the update (the next step's) would differ.
    const schedule = { kind: 'piecewiseConstant', boundaries: [0, 1, 2, 3], values: [0.2, 0.1, 0.05, 0.02, 0.01] } as const;
    const first = createOptimizer({ name: 'sgd', learningRate: { ...schedule, boundaries: [...schedule.boundaries], values: [...schedule.values] } });
    const withL2 = buildModel(first, rate / 2);
    await withL2.fit(x, y, { epochs: 5, batchSize: 4, shuffle: false, verbose: 0 });
    const second = createOptimizer({ name: 'sgd', learningRate: { ...schedule, boundaries: [...schedule.boundaries], values: [...schedule.values] } });
    const withDecay = buildModel(second);
    await withDecay.fit(x, y, { epochs: 5, batchSize: 4, shuffle: false, verbose: 0, callbacks: [decoupledWeightDecay({ model: withDecay, weightDecay: rate })] });
    const expected = kernelOf(withL2);
    kernelOf(withDecay).forEach((value, index) => expect(value).toBeCloseTo(expected[index], 6));
    withL2.dispose();
    withDecay.dispose();
    first.dispose();
    second.dispose();
  });

  it('leaves no tensors behind', async () => {
    const optimizer = tf.train.sgd(0.05);
    const model = buildModel(optimizer);
    const before = tf.memory().numTensors;
    await model.fit(x, y, { epochs: 2, batchSize: 2, verbose: 0, callbacks: [decoupledWeightDecay({ model, weightDecay: 0.1 })] });
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
    optimizer.dispose();
  });

  it('names the weight when a rate key matches nothing', () => {
    const model = buildModel(tf.train.sgd(0.1));
    expect(() => decoupledWeightDecay({ model, weightDecay: { 'dense/kernal': 0.1 } })).toThrow(/weightDecayCallback.weightDecay\["dense\/kernal"\].*dense\/kernel/);
    model.dispose();
  });
});
