/**
 * The fused training-mode BatchNormalization (lib/train/native-batch-norm.ts) against tfjs's own
 * layer call: the output, the moving mean and variance after one step (tfjs's biased variance, not
 * TensorFlow's Bessel-corrected `batch_variance`: with 12 values per channel the two differ by 9%,
 * and momentum 0.5 makes that visible), and the gradients of a weighted sum of the output with
 * respect to the input, γ and β (autodiff through tfjs's call, whose mean and variance depend on x).
 *
 * Tolerance: 1e-5·|expected| + 1e-6 per element: float32, the same formulas summed in another order.
 */
import * as tf from '@tensorflow/tfjs';
import type { LayerVariable } from '@tensorflow/tfjs-layers/dist/variables';
import { nativeBackend } from '../../lib/backend/native-ops';
import { fusedBatchNormStep } from '../../lib/train/native-batch-norm';

function layer(inputShape: number[]): tf.layers.Layer {
  const bn = tf.layers.batchNormalization({
    momentum: 0.5,
    gammaInitializer: tf.initializers.randomUniform({ minval: 0.5, maxval: 1.5, seed: 3 }),
    betaInitializer: tf.initializers.randomUniform({ minval: -0.5, maxval: 0.5, seed: 4 }),
    movingMeanInitializer: tf.initializers.constant({ value: 0.3 }),
    movingVarianceInitializer: tf.initializers.constant({ value: 2 }),
  });
  bn.build([null, ...inputShape]);
  return bn;
}

/** Frees the layer's weights (a layer that was never called by its own `apply` cannot `dispose()`). */
function release(bn: tf.layers.Layer): void {
  bn.weights.forEach((weight) => (weight as unknown as { dispose(): void }).dispose());
}

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  expect(actual.length).toBe(expected.length);
  const far: string[] = [];
  for (let index = 0; index < expected.length; index++) {
    if (!(Math.abs(actual[index] - expected[index]) <= 1e-5 * Math.abs(expected[index]) + 1e-6)) far.push(`${what}[${index}]: ${actual[index]} vs ${expected[index]}`);
  }
  expect(far.slice(0, 5)).toEqual([]);
}

describe.each([
  ['rank 4 (a convolution output)', [2, 2, 3]],
  ['rank 3 (a sequence)', [4, 3]],
  ['rank 2 (Dense features)', [3]],
] as const)('fused BatchNormalization step, %s', (_name, inputShape) => {
  test('output, moving statistics and gradients equal tfjs\'s layer call', () => {
    if (nativeBackend() == null) {
      // Off the native backend there are no fused kernels: the lean objective runs the layer's own call.
      const bn = layer([...inputShape]);
      const internals = bn as unknown as Record<string, LayerVariable>;
      expect(fusedBatchNormStep({ gamma: internals.gamma, beta: internals.beta, movingMean: internals.movingMean, movingVariance: internals.movingVariance, momentum: 0.5, epsilon: 1e-3 })).toBeNull();
      release(bn);
      return;
    }
    const x = tf.randomNormal([3, ...inputShape], 1, 2, 'float32', 8);
    const weights = tf.randomNormal([3, ...inputShape], 0, 1, 'float32', 9);
    const results = [];
    for (const fused of [false, true]) {
      const bn = layer([...inputShape]);
      const internals = bn as unknown as Record<string, LayerVariable> & { momentum: number; epsilon: number };
      const step = fused
        ? fusedBatchNormStep({ gamma: internals.gamma, beta: internals.beta, movingMean: internals.movingMean, movingVariance: internals.movingVariance, momentum: internals.momentum, epsilon: internals.epsilon })
        : null;
      const apply = (input: tf.Tensor) => (step != null ? step.step(input) : (bn.apply(input, { training: true }) as tf.Tensor));
      const gamma = internals.gamma.read() as tf.Variable;
      const beta = internals.beta.read() as tf.Variable;
      const output = tf.tidy(() => Array.from(apply(x).dataSync()));
      const moving = [Array.from(internals.movingMean.read().dataSync()), Array.from(internals.movingVariance.read().dataSync())];
      const grads = tf.tidy(() => {
        const dx = tf.grad((input: tf.Tensor) => tf.sum(tf.mul(apply(input), weights)))(x);
        const { grads: weightGrads } = tf.variableGrads(() => tf.sum(tf.mul(apply(x), weights)) as tf.Scalar, [gamma, beta]);
        return [Array.from(dx.dataSync()), Array.from(weightGrads[gamma.name].dataSync()), Array.from(weightGrads[beta.name].dataSync())];
      });
      results.push({ output, moving, grads });
      step?.dispose();
      release(bn);
    }
    tf.dispose([x, weights]);
    const [general, fused] = results;
    expectClose(fused.output, general.output, 'y');
    expectClose(fused.moving[0], general.moving[0], 'moving mean');
    expectClose(fused.moving[1], general.moving[1], 'moving variance');
    // The statistics moved (momentum 0.5 from 0.3 and 2): the comparison is not of initial values.
    expect(general.moving[1].every((value) => Math.abs(value - 2) > 1e-3)).toBe(true);
    ['dx', 'dγ', 'dβ'].forEach((what, index) => expectClose(fused.grads[index], general.grads[index], what));
  });
});
