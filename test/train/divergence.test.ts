/**
 * Issue 15, item 9: every diverged run says why in words, and runs whose loss sits at the
 * cross-entropy clip ceiling ((1 − accuracy)·(−ln 1e-7) = (1 − accuracy)·16.118) are flagged.
 * The ceiling value comes from the clip ε = 1e-7 (tfjs `epsilon()`): a confidently wrong sample
 * costs −ln(ε); measured here on real training (SGD at lr 1e3), not assumed.
 */
import * as tf from '@tensorflow/tfjs';
import { train } from '../../lib/train';
import { atClipCeiling, CLIP_CEILING_LOSS, divergenceReason, splitAtClipCeiling } from '../../lib/train/divergence';
import type { EpochRecord } from '../../lib/train/record';
import { linearModel } from './models';

function binaryProblem(): { x: tf.Tensor2D; y: tf.Tensor2D } {
  const xs: number[][] = [];
  const ys: number[][] = [];
  for (let i = 0; i < 64; i++) {
    const a = Math.sin(i * 1.7);
    const b = Math.cos(i * 2.3);
    xs.push([a, b]);
    ys.push([a + b > 0 ? 1 : 0]);
  }
  return { x: tf.tensor2d(xs), y: tf.tensor2d(ys) };
}

function binaryModel(): tf.Sequential {
  const model = tf.sequential();
  model.add(tf.layers.dense({ inputShape: [2], units: 8, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }));
  model.add(tf.layers.dense({ units: 1, activation: 'sigmoid', kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }));
  model.compile({ loss: 'binaryCrossentropy', optimizer: 'sgd' });
  return model;
}

const epoch = (values: Partial<EpochRecord>): EpochRecord => ({ epoch: 1, train: { loss: 1 }, penalty: 0, penaltyPerLayer: {}, weightNorms: {}, seconds: 0, ...values });

describe('clip ceiling rule', () => {
  test('the ceiling is -ln(1e-7) = 16.118 per wrong sample; the battery band 7.97-8.06 at accuracy 0.5 is flagged', () => {
    expect(CLIP_CEILING_LOSS).toBeCloseTo(16.1181, 4);
    for (const loss of [7.97, 8.0, 8.06]) expect(splitAtClipCeiling({ loss, accuracy: 0.5 })).toBe(true);
    // Learning, or merely bad (uncertain) models, are not.
    expect(splitAtClipCeiling({ loss: 0.3, accuracy: 0.9 })).toBe(false);
    expect(splitAtClipCeiling({ loss: 0.69, accuracy: 0.5 })).toBe(false);
    expect(splitAtClipCeiling({ loss: 5, accuracy: 0.5 })).toBe(false);
    expect(splitAtClipCeiling({ loss: 8.06 })).toBe(false); // regression: no accuracy, no rule
    expect(atClipCeiling(epoch({ train: { loss: 0.2, accuracy: 0.95 }, validation: { loss: 7.555, accuracy: 0.53125 } }))).toBe(true);
  });

  test('divergence reasons name the value, what it became and the epoch', () => {
    expect(divergenceReason([epoch({ epoch: 1 }), epoch({ epoch: 2, trainObjective: NaN, train: { loss: NaN } })], 2)).toBe(
      'train objective (data loss + penalty, training mode) became NaN at epoch 2 (learning rate too high, or penalties too large)',
    );
    expect(divergenceReason([epoch({ epoch: 3, validation: { loss: Infinity } })])).toMatch(/^validation loss became Infinity at epoch 3/);
    // After JSON (worker IPC, journal) NaN is null: still a reason, not "became null".
    expect(divergenceReason(JSON.parse(JSON.stringify([epoch({ epoch: 2, train: { loss: NaN } })])), 2)).toMatch(/^train loss became NaN or infinite at epoch 2/);
    expect(divergenceReason([], 4)).toBe('the run reported divergence at epoch 4 without a non-finite recorded value');
  });
});

describe('train() records both', () => {
  test('SGD at lr 1e3 on a binary problem ends finite, "complete", at the clip ceiling: flagged', async () => {
    const { x, y } = binaryProblem();
    const model = binaryModel();
    const result = await train(model, { train: { x, y }, validation: { x, y } }, { epochs: 5, batchSize: 16, optimizer: { name: 'sgd', learningRate: 1e3 }, seed: 1 });
    expect(result.status).toBe('complete');
    expect(Number.isFinite(result.final.train.loss)).toBe(true);
    // Saturated: loss = (1 - accuracy) * 16.118 within 0.5%.
    expect(result.final.train.loss / ((1 - result.final.train.accuracy!) * CLIP_CEILING_LOSS)).toBeCloseTo(1, 2);
    expect(result.lossAtClipCeiling).toBe(true);

    const healthy = binaryModel();
    const fine = await train(healthy, { train: { x, y } }, { epochs: 5, batchSize: 16, optimizer: { name: 'sgd', learningRate: 0.1 }, seed: 1 });
    expect(fine.lossAtClipCeiling).toBeUndefined();
    tf.dispose([x, y]);
    model.dispose();
    healthy.dispose();
  });

  test('a run that diverges carries divergenceReason', async () => {
    const model = linearModel({ kernel: [[1]] });
    const x = tf.tensor2d([[1e3], [2e3], [3e3]]);
    const y = tf.tensor2d([[0], [0], [0]]);
    const result = await train(model, { train: { x, y } }, { epochs: 20, loss: 'meanSquaredError', optimizer: { name: 'sgd', learningRate: 1e3 } });
    expect(result.status).toBe('diverged');
    expect(result.divergenceReason).toMatch(new RegExp(`became (NaN|Infinity|-Infinity) at epoch ${result.divergedAtEpoch} `));
    tf.dispose([x, y]);
    model.dispose();
  });
});
