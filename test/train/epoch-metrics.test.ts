/**
 * Regression metrics of an epoch: with a regression loss, every split carries the mean absolute
 * error next to the loss (the mean squared error), computed over batches weighted by their size, and
 * no accuracy; a classification loss gives accuracy and no mean absolute error.
 * Expected values are hand-computed from fixed weights (tolerance 1e-6: float32 arithmetic).
 */
import * as tf from '@tensorflow/tfjs';
import { train } from '../../lib/train';

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
});
