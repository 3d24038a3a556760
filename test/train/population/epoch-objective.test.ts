/**
 * EpochObjective (lib/train/population/epoch-objective.ts): the epoch's Σ over steps of size ×
 * (mean data loss + weight penalties + activity penalty) per member, formed a few steps at a time,
 * against the per-step formula computed step by step here (tfjs's binary cross-entropy mean per
 * member, Σ|w|·l1 + Σw²·l2 per slot, the activity term). Tolerance 1e-5 relative: both are float32
 * sums of the same terms in another order (rounding ~1e-7 relative over these few terms); a
 * missing step, slot, coefficient or batch-size weight moves the sum by far more than that.
 */
import * as tf from '@tensorflow/tfjs';
import { EpochObjective } from '../../../lib/train/population/epoch-objective';

const MEMBERS = 3;

/** Deterministic values in (-1, 1). */
function values(count: number, seed: number): number[] {
  return Array.from({ length: count }, (_, index) => Math.sin(seed * 12.9898 + index * 78.233));
}

interface Step {
  size: number;
  predictions: tf.Tensor3D;
  labels: tf.Tensor3D;
  kernel: tf.Tensor3D;
  bias: tf.Tensor3D;
  activity: tf.Tensor1D;
}

function makeSteps(sizes: number[]): Step[] {
  return sizes.map((size, index) => ({
    size,
    // Probabilities in (0.05, 0.95) and 0/1 labels.
    predictions: tf.tensor3d(values(MEMBERS * size, index + 1).map((value) => 0.5 + 0.45 * value), [MEMBERS, size, 1]),
    labels: tf.tensor3d(values(MEMBERS * size, index + 50).map((value) => (value > 0 ? 1 : 0)), [MEMBERS, size, 1]),
    kernel: tf.tensor3d(values(MEMBERS * 4 * 3, index + 100), [MEMBERS, 4, 3]),
    bias: tf.tensor3d(values(MEMBERS * 3, index + 200), [MEMBERS, 1, 3]),
    activity: tf.tensor1d(values(MEMBERS, index + 300).map((value) => Math.abs(value) * 0.01)),
  }));
}

describe('EpochObjective', () => {
  it.each([1, 2, 64])('sums size × per-step objective over 5 steps of sizes 8, 8, 8, 8, 5 with at most %i pending', (pendingLimit) => {
    const l1 = tf.tensor1d([1e-3, 0, 2e-2]);
    const l2 = tf.tensor1d([1e-2, 5e-3, 0]);
    const steps = makeSteps([8, 8, 8, 8, 5]);
    const expected = tf.tidy(() => {
      let sum: tf.Tensor = tf.zeros([MEMBERS]);
      for (const step of steps) {
        const data = tf.mean(tf.metrics.binaryCrossentropy(step.labels, step.predictions), 1);
        const kernelPenalty = tf.add(tf.mul(tf.sum(tf.abs(step.kernel), [1, 2]), l1), tf.mul(tf.sum(tf.square(step.kernel), [1, 2]), l2));
        const biasPenalty = tf.mul(tf.sum(tf.square(step.bias), [1, 2]), l2);
        sum = tf.add(sum, tf.mul(tf.addN([data, kernelPenalty, biasPenalty, step.activity]), step.size));
      }
      return sum.dataSync();
    });
    const before = tf.memory().numTensors;
    const objective = new EpochObjective(tf.metrics.binaryCrossentropy, pendingLimit);
    for (const step of steps) {
      tf.tidy(() =>
        objective.add({
          size: step.size,
          data: { predictions: step.predictions, labels: step.labels },
          weights: [
            { value: step.kernel, l1, l2 },
            { value: step.bias, l1: null, l2 },
          ],
          activity: step.activity,
        }),
      );
    }
    // The objective keeps its own references: the steps' tensors can go before it sums them.
    tf.dispose(steps.flatMap((step) => [step.predictions, step.labels, step.kernel, step.bias, step.activity]));
    const sum = objective.take() as tf.Tensor1D;
    const actual = sum.dataSync();
    sum.dispose();
    expect(objective.take()).toBeNull();
    objective.dispose();
    expect(tf.memory().numTensors).toBe(before - steps.length * 5);
    tf.dispose([l1, l2]);
    for (let member = 0; member < MEMBERS; member++) {
      expect(Math.abs(actual[member] - expected[member])).toBeLessThanOrEqual(1e-5 * Math.abs(expected[member]));
    }
  });

  it('sums per-row losses (the softmax head) without labels', () => {
    const rows = [tf.tensor2d(values(MEMBERS * 4, 7).map(Math.abs), [MEMBERS, 4]), tf.tensor2d(values(MEMBERS * 2, 8).map(Math.abs), [MEMBERS, 2])];
    const expected = tf.tidy(() => tf.add(tf.mul(tf.mean(rows[0], 1), 4), tf.mul(tf.mean(rows[1], 1), 2)).dataSync());
    const objective = new EpochObjective(() => {
      throw new Error('no loss function call expected for per-row losses');
    }, 1);
    for (const step of rows) tf.tidy(() => objective.add({ size: step.shape[1], data: { rows: step }, weights: [], activity: null }));
    const sum = objective.take() as tf.Tensor1D;
    const actual = sum.dataSync();
    tf.dispose([sum, ...rows]);
    objective.dispose();
    for (let member = 0; member < MEMBERS; member++) expect(Math.abs(actual[member] - expected[member])).toBeLessThanOrEqual(1e-5 * Math.abs(expected[member]));
  });
});
