/**
 * binaryCrossEntropyRows (lib/train/population/binary-cross-entropy.ts) against tfjs's
 * `tf.metrics.binaryCrossentropy` (what `train` records) on probabilities across (0, 1), including
 * ones clipped at ε = 1e-7 and 1 − ε and well-fit rows with losses ~1e-5, labels 0 and 1, two
 * outputs per row. Tolerance 1e-5 relative + 1e-7 absolute per row: the two formulas are equal
 * for labels in [0, 1] and differ by float32 rounding (~1e-7 relative); a missing clip or a wrong
 * term moves a row's loss by far more.
 */
import * as tf from '@tensorflow/tfjs';
import { binaryCrossEntropyRows } from '../../../lib/train/population/binary-cross-entropy';
import { ScalarCache } from '../../../lib/train/scalar-cache';

describe('binaryCrossEntropyRows', () => {
  it('matches tfjs binaryCrossentropy per row, clipped probabilities and well-fit rows included', () => {
    const probabilities = [0, 1e-9, 1e-7, 3e-6, 0.01, 0.2, 0.5, 0.7, 0.99, 0.99999, 1 - 1e-7, 1];
    const members = 2;
    const rows = probabilities.length;
    // [members, rows, 2]: member 0 labels 1 then 0, member 1 labels 0 then 1; the second output mirrors the first probability.
    const p: number[] = [];
    const t: number[] = [];
    for (let member = 0; member < members; member++) {
      probabilities.forEach((probability, row) => {
        p.push(probability, 1 - probability * 0.5);
        t.push((member + row) % 2, (member + row + 1) % 2);
      });
    }
    const predictions = tf.tensor3d(p, [members, rows, 2]);
    const labels = tf.tensor3d(t, [members, rows, 2]);
    const before = tf.memory().numTensors;
    const scalars = new ScalarCache();
    const actual = tf.tidy(() => binaryCrossEntropyRows(labels, predictions, scalars).dataSync());
    // Nothing left but the cache's kept scalars.
    scalars.dispose();
    expect(tf.memory().numTensors).toBe(before);
    const expected = tf.tidy(() => tf.metrics.binaryCrossentropy(labels, predictions).dataSync());
    expect(actual.length).toBe(members * rows);
    for (let index = 0; index < expected.length; index++) {
      expect(Math.abs(actual[index] - expected[index])).toBeLessThanOrEqual(1e-5 * Math.abs(expected[index]) + 1e-7);
    }
    tf.dispose([predictions, labels]);
  });
});
