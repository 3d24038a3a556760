import * as tf from '@tensorflow/tfjs';
import { argMaxRows, Dataset, loadDigits, makeMoons, oneHot, splitDataset, toTensors, toTrainingData } from '../../lib/data';

const three: Dataset = { name: 'three', x: Float64Array.from([1, 2, 3, 4, 5, 6]), y: Int32Array.from([2, 0, 1]), sampleCount: 3, featureCount: 2, classCount: 3 };

describe('oneHot', () => {
  it('encodes and argMaxRows decodes', () => {
    expect(Array.from(oneHot([2, 0], 3))).toEqual([0, 0, 1, 1, 0, 0]);
    expect(Array.from(argMaxRows(oneHot([2, 0, 1], 3), 3))).toEqual([2, 0, 1]);
    expect(() => oneHot([3], 3)).toThrow('oneHot: label 3 at index 0 is outside 0..2');
  });
});

describe('toTensors', () => {
  it('binary labels for two classes, flat features', async () => {
    const moons = makeMoons({ samples: 6, noise: 0.1, seed: 2 });
    const { x, y } = toTensors(moons);
    expect([x.shape, x.dtype, y.shape, y.dtype]).toEqual([[6, 2], 'float32', [6, 1], 'float32']);
    // float32 rounding of the float64 coordinates: Math.fround is the exact expectation.
    expect(Array.from(await x.data())).toEqual(Array.from(moons.x).map(Math.fround));
    expect(Array.from(await y.data())).toEqual(Array.from(moons.y));
    tf.dispose([x, y]);
  });

  it('one-hot by default for more classes; index labels on request', async () => {
    const oneHotPair = toTensors(three);
    expect(oneHotPair.y.shape).toEqual([3, 3]);
    expect(Array.from(await oneHotPair.y.data())).toEqual([0, 0, 1, 1, 0, 0, 0, 1, 0]);
    const indexPair = toTensors(three, { labels: 'index' });
    expect([indexPair.y.shape, indexPair.y.dtype]).toEqual([[3], 'int32']);
    tf.dispose([oneHotPair, indexPair]);
  });

  it("image layout gives [n, h, w, c]", () => {
    const digits = loadDigits();
    const { x, y } = toTensors(digits, { layout: 'image' });
    expect([x.shape, y.shape]).toEqual([[1797, 8, 8, 1], [1797, 10]]);
    tf.dispose([x, y]);
  });

  it('creates exactly the two returned tensors, and none when it rejects its arguments', () => {
    const before = tf.memory().numTensors;
    const pair = toTensors(three);
    expect(tf.memory().numTensors).toBe(before + 2);
    tf.dispose(pair);
    expect(tf.memory().numTensors).toBe(before);
    expect(() => toTensors(three, { labels: 'binary' })).toThrow(`toTensors: labels 'binary' needs 2 classes, dataset "three" has 3; use 'oneHot' or 'index'`);
    expect(() => toTensors(three, { layout: 'image' })).toThrow(`toTensors: layout 'image' needs an imageShape, dataset "three" has none; use 'flat'`);
    expect(() => toTensors(three, { labels: 'sparse' as never })).toThrow(`labels must be one of 'auto', 'binary', 'oneHot', 'index', got "sparse"`);
    const bad: Dataset = { ...three, y: Int32Array.from([0, 5, 1]) };
    expect(() => toTensors(bad)).toThrow('oneHot: label 5 at index 1 is outside 0..2');
    expect(tf.memory().numTensors).toBe(before);
  });

  it('toTrainingData builds every part; tf.dispose(data) frees them all', () => {
    const before = tf.memory().numTensors;
    const data = toTrainingData(splitDataset(makeMoons({ samples: 40, seed: 1 }), { validation: 0.25, test: 0.25, seed: 0 }));
    expect([data.train.x.shape[0], data.validation?.x.shape[0], data.test?.y.shape[0]]).toEqual([20, 10, 10]);
    expect(tf.memory().numTensors).toBe(before + 6);
    tf.dispose(data);
    expect(tf.memory().numTensors).toBe(before);
  });
});
