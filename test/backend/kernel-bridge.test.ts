import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { TRAINING_KERNELS_MISSING_FROM_WASM, bridgeMissingKernels } from '../../lib/backend';
import { silenceCpuBanner } from '../../lib/backend/cpu-banner';

/** Gradient of sum(conv2d(x, w)) with respect to the filter w, and of an embedding lookup, on the active backend. */
function gradients(): { filter: number[]; table: number[] } {
  return tf.tidy(() => {
    const x = tf.tensor4d(Array.from({ length: 2 * 5 * 5 * 2 }, (_, index) => ((index * 7) % 11) / 10 - 0.5), [2, 5, 5, 2]);
    const w = tf.tensor4d(Array.from({ length: 3 * 3 * 2 * 3 }, (_, index) => ((index * 5) % 7) / 7 - 0.4), [3, 3, 2, 3]);
    const filter = tf.grad((kernel: tf.Tensor) => tf.conv2d(x, kernel as tf.Tensor4D, 1, 'valid').square().sum())(w);
    const table = tf.tensor2d([[1, 2], [3, 4], [5, 6]]);
    const indices = tf.tensor1d([2, 0, 2], 'int32');
    const tableGradient = tf.grad((t: tf.Tensor) => tf.gather(t, indices).mul(tf.tensor2d([[1, 1], [2, 2], [3, 3]])).sum())(table);
    return { filter: Array.from(filter.dataSync()), table: Array.from(tableGradient.dataSync()) };
  });
}

describe('bridging kernels the wasm backend lacks to the cpu backend', () => {
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it('makes Conv2D filter gradients and gather gradients run on wasm with the cpu results', async () => {
    await tf.setBackend('cpu');
    silenceCpuBanner();
    const expected = gradients();
    // Ground truth for the embedding gradient by hand: rows picked [2,0,2] weighted 1,2,3 -> row0 gets 2, row1 0, row2 1+3.
    expect(expected.table).toEqual([2, 2, 0, 0, 4, 4]);

    expect(await tf.setBackend('wasm')).toBe(true);
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeUndefined();
    expect(() => gradients()).toThrow(/Conv2DBackpropFilter/);

    const bridged = bridgeMissingKernels({ target: 'wasm', donor: 'cpu' });
    expect(bridged).toEqual([...TRAINING_KERNELS_MISSING_FROM_WASM]);
    const before = tf.memory().numTensors;
    const actual = gradients();
    expect(tf.memory().numTensors).toBe(before);
    // Same float32 arithmetic in the same JS kernel: equal up to float32 rounding of the forward pass on wasm.
    actual.filter.forEach((value, index) => expect(value).toBeCloseTo(expected.filter[index], 4));
    expect(actual.table).toEqual(expected.table);
    // Second call: everything is already there, nothing is re-registered.
    expect(bridgeMissingKernels({ target: 'wasm' })).toEqual([]);
  });

  it('leaves kernels the target already has alone', async () => {
    await tf.setBackend('wasm');
    const before = tf.getKernel('Conv2D', 'wasm');
    expect(bridgeMissingKernels({ target: 'wasm', kernelNames: ['Conv2D'] })).toEqual([]);
    expect(tf.getKernel('Conv2D', 'wasm')).toBe(before);
  });
});
