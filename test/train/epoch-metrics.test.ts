/**
 * Regression metrics of an epoch: with a regression loss, every split carries the mean absolute
 * error next to the loss (the mean squared error), computed over batches weighted by their size, and
 * no accuracy; a classification loss gives accuracy and no mean absolute error.
 * Expected values are hand-computed from fixed weights (tolerance 1e-6: float32 arithmetic).
 */
import * as tf from '@tensorflow/tfjs';
import { train } from '../../lib/train';
import { l1 } from '../../lib/regularizers';
import { setActivityRegularizer } from '../../lib/activity/set';

/** y = 2·x, no bias: predictions on x = [1, 2, 3] are [2, 4, 6]. */
function doubler(loss: string): tf.LayersModel {
  const model = tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [1], useBias: false, kernelInitializer: 'zeros' })] });
  model.setWeights([tf.tensor2d([[2]])]);
  model.compile({ optimizer: 'sgd', loss });
  return model;
}

describe('epoch metrics', () => {
  test('a regression loss measures MAE (batches weighted by size) and no accuracy', async () => {
    const model = doubler('meanSquaredError');
    const x = tf.tensor2d([[1], [2], [3]]);
    const y = tf.tensor2d([[1], [5], [9]]);
    try {
      // Learning rate 0: the weights stay at 2, so the epoch measures errors [1, −1, −3].
      const result = await train(model, { train: { x, y }, test: { x, y } }, { epochs: 1, batchSize: 2, evaluationBatchSize: 2, optimizer: { name: 'sgd', learningRate: 0 } });
      const test = result.epochs[0].test!;
      expect(test.meanAbsoluteError!).toBeCloseTo(5 / 3, 6); // (1 + 1 + 3) / 3, over batches of 2 and 1
      expect(test.loss).toBeCloseTo(11 / 3, 5); // (1 + 1 + 9) / 3
      expect(test.accuracy).toBeUndefined();
      expect(result.epochs[0].accuracyGap).toBeUndefined();
      expect(result.epochs[0].train.meanAbsoluteError!).toBeCloseTo(5 / 3, 6);
    } finally {
      model.dispose();
      tf.dispose([x, y]);
    }
  });

  test('a classification loss measures accuracy and no MAE', async () => {
    const model = tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [1], activation: 'sigmoid' })] });
    model.compile({ optimizer: 'sgd', loss: 'binaryCrossentropy' });
    const x = tf.tensor2d([[1], [-1]]);
    const y = tf.tensor2d([[1], [0]]);
    try {
      const result = await train(model, { train: { x, y } }, { epochs: 1, seed: 1 });
      expect(result.epochs[0].train.accuracy).toBeDefined();
      expect(result.epochs[0].train.meanAbsoluteError).toBeUndefined();
    } finally {
      model.dispose();
      tf.dispose([x, y]);
    }
  });
  test('an activity penalty measured in several inference batches is each batch\'s penalty weighted by its size (not a running sum over the batches)', async () => {
    // y = 2·x with an L1 activity penalty (coefficient 1): on x = [1, 2, 3] the outputs are [2, 4, 6],
    // so Σ_batches size_b · (Σ|y| over b)/size_b / 3 = (2 + 4 + 6)/3 = 4, whatever the batching.
    const x = tf.tensor2d([[1], [2], [3]]);
    const y = tf.tensor2d([[2], [4], [6]]);
    const measured: number[] = [];
    try {
      for (const evaluationBatchSize of [3, 2, 1]) {
        const model = doubler('meanSquaredError');
        setActivityRegularizer(model.layers[0], l1({ l1: 1 }));
        const result = await train(model, { train: { x, y } }, { epochs: 1, batchSize: 3, evaluationBatchSize, optimizer: { name: 'sgd', learningRate: 0 } });
        measured.push(result.epochs[0].penaltyPerLayer[`${model.layers[0].name}.activity`]);
        model.dispose();
      }
      // Before the fix, batches of 2 measured (2·3 + 1·(3 + 6))/3 = 5 and batches of 1 (2 + 6 + 12)/3 ≈ 6.7: batch b read the penalties of batches 1..b.
      for (const value of measured) expect(value).toBeCloseTo(4, 5);
    } finally {
      tf.dispose([x, y]);
    }
  });
});
