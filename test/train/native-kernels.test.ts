import * as tf from '@tensorflow/tfjs';
import { biasAdd, matMul2d, maxPool2d, MaxPoolArgs, oneDnnPoolingAvailable } from '../../lib/train/native-kernels';

/** Values in steps of 0.5 from a seeded uniform: many exact ties inside pooling windows. */
function tiedInput(shape: [number, number, number, number], seed: number): tf.Tensor4D {
  return tf.tidy(() => tf.div(tf.round(tf.randomUniform(shape, -2, 2, 'float32', seed)), 2) as tf.Tensor4D);
}

test('oneDNN max pooling is found on the native backend (pinned TensorFlow wheels are built with oneDNN) and never elsewhere', () => {
  expect(oneDnnPoolingAvailable()).toBe(tf.getBackend() === 'tensorflow');
});

describe.each([
  ['2x2 / 2 valid', { poolSize: [2, 2], strides: [2, 2], padding: 'valid' }, [3, 8, 8, 4], 0],
  ['2x2 / 2 valid, odd size', { poolSize: [2, 2], strides: [2, 2], padding: 'valid' }, [2, 9, 7, 3], 0],
  ['2x2 / 2 same, odd size', { poolSize: [2, 2], strides: [2, 2], padding: 'same' }, [2, 9, 7, 3], 0],
  // Overlapping windows add several gradients into one input: the summation order may differ (float32 rounding).
  ['3x3 / 2 same (overlapping)', { poolSize: [3, 3], strides: [2, 2], padding: 'same' }, [2, 9, 9, 2], 1e-6],
  ['2x3 / (1, 2) valid (overlapping)', { poolSize: [2, 3], strides: [1, 2], padding: 'valid' }, [2, 6, 9, 2], 1e-6],
] as const)('maxPool2d %s', (_name, args, shape, tolerance) => {
  test('equals tf.maxPool forward and gradient, ties going to the first maximum as in TensorFlow', () => {
    const x = tiedInput([...shape], 4);
    const pooling = args as unknown as MaxPoolArgs;
    const reference = tf.maxPool(x, pooling.poolSize, pooling.strides, pooling.padding);
    const dy = tf.randomUniform(reference.shape, -1, 1, 'float32', 5);
    const pooled = maxPool2d(x, pooling);
    expect(pooled.shape).toEqual(reference.shape);
    expect(Array.from(pooled.dataSync())).toEqual(Array.from(reference.dataSync()));
    const expected = tf.grad((input: tf.Tensor) => tf.maxPool(input as tf.Tensor4D, pooling.poolSize, pooling.strides, pooling.padding))(x, dy).dataSync();
    const actual = tf.grad((input: tf.Tensor) => maxPool2d(input as tf.Tensor4D, pooling))(x, dy).dataSync();
    // Tolerance: 0 (exact) for non-overlapping windows, else 1e-6 absolute (gradients are sums of at most 9 values in [-1, 1]).
    actual.forEach((value, index) => expect(Math.abs(value - expected[index])).toBeLessThanOrEqual(tolerance));
    tf.dispose([x, reference, dy, pooled]);
  });
});

test('biasAdd equals a broadcasting add; its gradients are dy and the sum of dy over all but the channel axis', () => {
  const x = tf.randomUniform([2, 3, 4, 5], -1, 1, 'float32', 6);
  const bias = tf.randomUniform([5], -1, 1, 'float32', 7);
  const dy = tf.randomUniform([2, 3, 4, 5], -1, 1, 'float32', 8);
  const sum = biasAdd(x, bias);
  expect(Array.from(sum.dataSync())).toEqual(Array.from(tf.add(x, bias).dataSync()));
  const [dx, dBias] = tf.grads((input: tf.Tensor, b: tf.Tensor) => biasAdd(input, b))([x, bias], dy);
  expect(Array.from(dx.dataSync())).toEqual(Array.from(dy.dataSync()));
  // Hand-computed sums of 24 values each; 1e-5 absolute allows for another summation order.
  const expected = tf.sum(dy, [0, 1, 2]).dataSync();
  expect(dBias.shape).toEqual([5]);
  dBias.dataSync().forEach((value, index) => expect(value).toBeCloseTo(expected[index], 5));
  tf.dispose([x, bias, dy, sum, dx, dBias]);
});

test.each([
  [false, false],
  [true, false],
  [false, true],
])('matMul2d(transposeA %s, transposeB %s) equals tf.matMul (native: MatMul vs tfjs\'s BatchMatMulV2, float32 rounding only)', (transposeA, transposeB) => {
  const a = tf.randomUniform(transposeA ? [7, 5] : [5, 7], -1, 1, 'float32', 9) as tf.Tensor2D;
  const b = tf.randomUniform(transposeB ? [3, 7] : [7, 3], -1, 1, 'float32', 10) as tf.Tensor2D;
  const product = matMul2d(a, b, transposeA, transposeB);
  const expected = tf.matMul(a, b, transposeA, transposeB);
  expect(product.shape).toEqual([5, 3]);
  // Tolerance: 7-term dot products of values in [-1, 1]; two kernels may sum in another order (a few float32 ulps).
  const got = Array.from(product.dataSync());
  Array.from(expected.dataSync()).forEach((value, index) => expect(Math.abs(got[index] - value)).toBeLessThanOrEqual(1e-6));
  // Deterministic: the same product twice is bit-identical.
  const again = matMul2d(a, b, transposeA, transposeB);
  expect(Array.from(again.dataSync())).toEqual(got);
  tf.dispose([a, b, product, expected, again]);
});
