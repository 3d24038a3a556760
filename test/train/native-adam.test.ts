import * as tf from '@tensorflow/tfjs';
import { LeanAdam } from '../../lib/optimizers/adam';
import { nativeBackend } from '../../lib/train/native-kernels';

const args = { learningRate: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 };

/** Runs `steps` Adam steps on two variables with fixed gradients; `between` may change the variables between steps. */
function run(fused: boolean, steps: number, between?: (variables: tf.Variable[], step: number) => void): number[][] {
  const variables = [tf.variable(tf.tensor2d([[1, -2], [0.5, 3]])), tf.variable(tf.tensor1d([0.25, -0.75, 4]))];
  const optimizer = new LeanAdam({ ...args, fused });
  for (let step = 0; step < steps; step++) {
    between?.(variables, step);
    tf.tidy(() => {
      const gradients = [tf.mul(tf.tensor2d([[0.5, -1], [2, 0.001]]), step + 1), tf.tensor1d([-3, 0, 1e-4])];
      optimizer.applyGradients(variables, gradients);
    });
  }
  optimizer.dispose();
  const values = variables.map((variable) => Array.from(variable.dataSync()));
  tf.dispose(variables);
  return values;
}

test('one Adam step matches Keras 3 formula computed by hand (w − lr·(1−β1)g·sqrt(1−β2)/(1−β1) / (sqrt((1−β2)g²) + ε))', () => {
  const [kernel, bias] = run(true, 1);
  const expected = (w: number, g: number): number => {
    const alpha = (args.learningRate * Math.sqrt(1 - args.beta2)) / (1 - args.beta1);
    return w - ((1 - args.beta1) * g * alpha) / (Math.sqrt((1 - args.beta2) * g * g) + args.epsilon);
  };
  // Tolerance 1e-6 absolute: float32 weights of magnitude <= 4 (ulp 4.8e-7).
  [[1, 0.5], [-2, -1], [0.5, 2], [3, 0.001]].forEach(([w, g], index) => expect(Math.abs(kernel[index] - expected(w, g))).toBeLessThan(1e-6));
  [[0.25, -3], [-0.75, 0], [4, 1e-4]].forEach(([w, g], index) => expect(Math.abs(bias[index] - expected(w, g))).toBeLessThan(1e-6));
});

test('the fused kernel (native backend) equals the elementwise update over several steps, also when the variables are changed between steps', () => {
  // On other backends both runs take the elementwise path: the comparison still holds.
  const changeWeights = (variables: tf.Variable[], step: number): void => {
    if (step === 2) variables[0].assign(tf.tensor2d([[0.1, 0.2], [0.3, 0.4]]));
  };
  for (const between of [undefined, changeWeights]) {
    const fused = run(true, 5, between);
    const elementwise = run(false, 5, between);
    // Tolerance 1e-6 absolute (weights of magnitude <= 4, float32 ulp <= 4.8e-7): the same formula; the kernel
    // forms 1 − β in float32 and vectorizes, so results differ by a few ulps after 5 steps.
    fused.forEach((values, i) => values.forEach((value, j) => expect(Math.abs(value - elementwise[i][j])).toBeLessThan(1e-6)));
  }
});

test('the fused kernel is used exactly on the native backend, and frees its resource variables and constants', () => {
  const initial = tf.tensor1d([1, 2]);
  const before = tf.memory().numTensors;
  const variable = tf.variable(initial);
  const optimizer = new LeanAdam(args);
  tf.tidy(() => optimizer.applyGradients([variable], [tf.tensor1d([1, 1])]));
  expect((optimizer as unknown as { fused: unknown }).fused != null).toBe(nativeBackend() != null);
  optimizer.dispose();
  variable.dispose();
  expect(tf.memory().numTensors).toBe(before);
  initial.dispose();
});
