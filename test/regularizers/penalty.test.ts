/**
 * Penalty formulas against hand-computed values from the Keras 3 formulas
 * (keras/src/regularizers/regularizers.py). Tolerance: 5-6 decimals, float32 arithmetic.
 * The three orthogonal values were also confirmed with real Keras 3.15.1 on TF 2.21:
 * 0.98386991 (rows), 0.98994946 (columns), 0.11785113 (3x3, factor 0.5).
 */
import * as tf from '@tensorflow/tfjs';
import { computePenalty, l1, l1l2, l2, orthogonal, registerRegularizer, custom } from '../../lib/regularizers';

const W = [[1, -2], [3, -4]];

function penaltyOf(spec: Parameters<typeof computePenalty>[0], values: number[][]): number {
  return tf.tidy(() => computePenalty(spec, tf.tensor2d(values)).dataSync()[0]);
}

describe('computePenalty on W = [[1,-2],[3,-4]]', () => {
  it('L1 = l1 * sum|w| = 0.1 * 10', () => {
    expect(penaltyOf(l1({ l1: 0.1 }), W)).toBeCloseTo(1.0, 6);
  });

  it('L2 = l2 * sum w^2 = 0.1 * 30 (no 1/2 factor)', () => {
    expect(penaltyOf(l2({ l2: 0.1 }), W)).toBeCloseTo(3.0, 6);
  });

  it('L1L2 = 0.1 * 10 + 0.2 * 30 = 7', () => {
    expect(penaltyOf(l1l2({ l1: 0.1, l2: 0.2 }), W)).toBeCloseTo(7.0, 5);
  });

  it('L1L2 with only l1 given adds no l2 term (tfjs would add l2 = 0.01 -> 1.3)', () => {
    expect(penaltyOf(l1l2({ l1: 0.1 }), W)).toBeCloseTo(1.0, 6);
  });

  it('orthogonal rows: |cos(r1, r2)| = 11 / (sqrt(5) * 5)', () => {
    const expected = 11 / (Math.sqrt(5) * 5); // 0.983869...
    expect(penaltyOf(orthogonal({ factor: 1, mode: 'rows' }), W)).toBeCloseTo(expected, 5);
  });

  it('orthogonal columns: |cos(c1, c2)| = 14 / sqrt(10 * 20)', () => {
    const expected = 14 / Math.sqrt(200); // 0.989949...
    expect(penaltyOf(orthogonal({ factor: 1, mode: 'columns' }), W)).toBeCloseTo(expected, 5);
  });

  it('orthogonal averages over unordered pairs and scales by factor', () => {
    // rows [1,0,0], [1,1,0], [0,0,2]: cosines 1/sqrt(2), 0, 0 -> mean over 3 pairs = 0.2357022; factor 0.5.
    const value = penaltyOf(orthogonal({ factor: 0.5 }), [[1, 0, 0], [1, 1, 0], [0, 0, 2]]);
    expect(value).toBeCloseTo((0.5 * (1 / Math.SQRT2)) / 3, 6);
  });

  it('orthogonal gives 0 for a zero row (normalization is clamped, as in Keras)', () => {
    expect(penaltyOf(orthogonal({ factor: 1 }), [[0, 0], [3, 4]])).toBeCloseTo(0, 6);
  });

  it('orthogonal rejects inputs of rank other than 2', () => {
    expect(() => tf.tidy(() => computePenalty(orthogonal(), tf.zeros([2, 2, 2])))).toThrow(/rank 2.*\[2, 2, 2\]/);
  });

  it('custom regularizers compute their registered penalty', () => {
    registerRegularizer('maxAbs', (config) => (x) => tf.mul(config.scale as number, tf.max(tf.abs(x))) as tf.Scalar);
    expect(penaltyOf(custom({ name: 'maxAbs', config: { scale: 2 } }), W)).toBeCloseTo(8, 6);
  });

  it('leaves no tensors behind', () => {
    const before = tf.memory().numTensors;
    const input = tf.tensor2d(W);
    for (const spec of [l1(), l2(), l1l2({ l1: 1, l2: 1 }), orthogonal()]) computePenalty(spec, input).dispose();
    input.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
