/**
 * Loss accounting against hand computations from the Keras 3 formulas. Tolerance 1e-5 absolute
 * (float32 arithmetic on values of order 1).
 */
import * as tf from '@tensorflow/tfjs';
import type { io } from '@tensorflow/tfjs';
import { loadLayersModel, modelFromJSON } from '../../lib/activity';
import { layers } from '../../lib/layers';
import { lossBreakdown, regularizationPenalty } from '../../lib/loss';
import { l1, l1l2, l2, orthogonal, specOf } from '../../lib/regularizers';

/**
 * Dense(1), kernel [[1], [2]], bias [0.5]; kernel L2(0.1), bias L1(0.2), activity L2(0.05).
 * On x = [[1, 1], [2, 0], [0, 1]], y = [[3], [2], [1]]:
 *   predictions 3.5, 2.5, 2.5; squared errors 0.25, 0.25, 2.25 -> MSE 2.75 / 3
 *   kernel 0.1 * (1 + 4) = 0.5; bias 0.2 * 0.5 = 0.1
 *   activity 0.05 * (3.5^2 + 2.5^2 + 2.5^2) / 3 = 0.05 * 24.75 / 3 = 0.4125
 */
function knownDense(): tf.Sequential {
  const model = tf.sequential({
    layers: [
      layers.dense({ units: 1, inputShape: [2], name: 'out', kernelRegularizer: l2({ l2: 0.1 }), biasRegularizer: l1({ l1: 0.2 }), activityRegularizer: l2({ l2: 0.05 }) }),
    ],
  });
  model.layers[0].setWeights([tf.tensor2d([[1], [2]]), tf.tensor1d([0.5])]);
  model.compile({ optimizer: tf.train.sgd(0), loss: 'meanSquaredError' });
  return model;
}
const data = () => ({ x: tf.tensor2d([[1, 1], [2, 0], [0, 1]]), y: tf.tensor2d([[3], [2], [1]]) });

describe('lossBreakdown', () => {
  it('gives data loss, penalty per layer and slot, and the Keras total for a known Dense', async () => {
    const model = knownDense();
    const { x, y } = data();
    const before = tf.memory().numTensors;
    for (const batchSize of [32, 2, 1]) {
      const breakdown = await lossBreakdown(model, x, y, { batchSize });
      expect(breakdown.dataLoss).toBeCloseTo(2.75 / 3, 5);
      expect(breakdown.perLayer['out.kernel']).toBeCloseTo(0.5, 5);
      expect(breakdown.perLayer['out.bias']).toBeCloseTo(0.1, 5);
      expect(breakdown.perLayer['out.activity']).toBeCloseTo(0.4125, 5);
      expect(breakdown.penalty).toBeCloseTo(1.0125, 5);
      expect(breakdown.total).toBeCloseTo(2.75 / 3 + 1.0125, 5);
    }
    expect(tf.memory().numTensors).toBe(before);
    // tfjs's evaluate reports the data loss only.
    const evaluated = model.evaluate(x, y) as tf.Scalar;
    expect(evaluated.dataSync()[0]).toBeCloseTo(2.75 / 3, 5);
    tf.dispose([x, y, evaluated]);
    model.dispose();
  });

  it('uses an explicit loss and rejects unknown ones', async () => {
    const model = knownDense();
    const { x, y } = data();
    // MAE: (0.5 + 0.5 + 1.5) / 3
    expect((await lossBreakdown(model, x, y, { loss: 'meanAbsoluteError' })).dataLoss).toBeCloseTo(2.5 / 3, 5);
    await expect(lossBreakdown(model, x, y, { loss: 'nope' })).rejects.toThrow(/options\.loss = "nope".*meanSquaredError/);
    tf.dispose([x, y]);
    model.dispose();
  });
});

describe('one SGD step with an L2 kernel regularizer', () => {
  // Dense(1), no bias, w = 2, L2(0.1), x = [1, 2], y = 0, lr 0.01:
  // d/dw [mean((w x)^2) + 0.1 w^2] = 2 w mean(x^2) + 0.2 w = 10 + 0.4 -> w = 2 - 0.104 = 1.896.
  const build = () => {
    const model = tf.sequential({ layers: [layers.dense({ units: 1, inputShape: [1], useBias: false, kernelRegularizer: l2({ l2: 0.1 }) })] });
    model.layers[0].setWeights([tf.tensor2d([[2]])]);
    return model;
  };

  it('gives the exact weight through fit', async () => {
    const model = build();
    model.compile({ optimizer: tf.train.sgd(0.01), loss: 'meanSquaredError' });
    const [x, y] = [tf.tensor2d([[1], [2]]), tf.zeros([2, 1])];
    const history = await model.fit(x, y, { epochs: 1, batchSize: 2, verbose: 0 });
    expect(history.history.loss[0]).toBeCloseTo(10.4, 4);
    expect(model.layers[0].getWeights()[0].dataSync()[0]).toBeCloseTo(1.896, 5);
    tf.dispose([x, y]);
    model.dispose();
  });

  it('gives the same weight through a custom loop with regularizationPenalty', () => {
    const model = build();
    const optimizer = tf.train.sgd(0.01);
    const [x, y] = [tf.tensor2d([[1], [2]]), tf.zeros([2, 1])];
    tf.dispose(
      optimizer.minimize(() => {
        const prediction = model.apply(x, { training: true }) as tf.Tensor;
        return tf.add(tf.losses.meanSquaredError(y, prediction), regularizationPenalty(model).total) as tf.Scalar;
      }, true) ?? [],
    );
    expect(model.layers[0].getWeights()[0].dataSync()[0]).toBeCloseTo(1.896, 5);
    tf.dispose([x, y]);
    optimizer.dispose();
    model.dispose();
  });
});

describe('frozen weights', () => {
  it('are left out by default (Keras 3) and counted with includeFrozen (tfjs)', () => {
    const model = knownDense();
    model.layers[0].trainable = false;
    const keras = regularizationPenalty(model);
    const tfjs = regularizationPenalty(model, { includeFrozen: true });
    expect(keras.total.dataSync()[0]).toBe(0);
    expect(tfjs.total.dataSync()[0]).toBeCloseTo(0.6, 5);
    tf.dispose([keras.total, tfjs.total, ...Object.values(keras.perLayer), ...Object.values(tfjs.perLayer)]);
    model.dispose();
  });
});

describe('save and load', () => {
  async function roundTrip(model: tf.LayersModel): Promise<tf.LayersModel> {
    let saved: io.ModelArtifacts | undefined;
    await model.save(tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }));
    return loadLayersModel(tf.io.fromMemory(saved!));
  }

  it('keeps every kind of regularizer, activity and orthogonal included, with the same breakdown', async () => {
    const model = tf.sequential({
      layers: [
        layers.dense({ units: 3, inputShape: [2], name: 'a', kernelRegularizer: orthogonal({ factor: 0.3, mode: 'columns' }), biasRegularizer: l1({ l1: 0.01 }), biasInitializer: 'ones', activityRegularizer: l1l2({ l1: 0.02, l2: 0.03 }) }),
        layers.dense({ units: 1, name: 'b', kernelRegularizer: l2({ l2: 0.04 }), activityRegularizer: l1({ l1: 0.05 }) }),
      ],
    });
    model.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    const { x, y } = { x: tf.tensor2d([[1, -1], [0.5, 2]]), y: tf.tensor2d([[1], [0]]) };
    const original = await lossBreakdown(model, x, y);
    const loaded = await roundTrip(model);
    loaded.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    const reloaded = await lossBreakdown(loaded, x, y);
    expect(Object.keys(reloaded.perLayer).sort()).toEqual(['a.activity', 'a.bias', 'a.kernel', 'b.activity', 'b.kernel']);
    for (const key of Object.keys(original.perLayer)) expect(reloaded.perLayer[key]).toBeCloseTo(original.perLayer[key], 5);
    expect(reloaded.total).toBeCloseTo(original.total, 5);
    const first = loaded.layers[0] as unknown as Record<string, unknown>;
    expect(specOf(first.kernelRegularizer)).toEqual({ kind: 'orthogonal', factor: 0.3, mode: 'columns' });
    expect(specOf(first.activityRegularizer)).toEqual({ kind: 'l1l2', l1: 0.02, l2: 0.03 });
    expect(specOf((loaded.layers[1] as unknown as Record<string, unknown>).activityRegularizer)).toEqual({ kind: 'l1', l1: 0.05 });
    // The loaded model trains with its activity penalties (tf.loadLayersModel would throw at construction).
    expect(typeof (await loaded.trainOnBatch(x, y))).toBe('number');
    tf.dispose([x, y]);
    model.dispose();
    loaded.dispose();
  });

  it('loads a Keras layer config naming L2 and L1 (tfjs knows only L1L2)', async () => {
    const config = {
      class_name: 'Sequential',
      config: {
        name: 'keras_model',
        layers: [
          {
            class_name: 'Dense',
            config: {
              name: 'fc', units: 1, use_bias: true, activation: 'linear', batch_input_shape: [null, 2],
              kernel_initializer: { class_name: 'Ones', config: {} }, bias_initializer: { class_name: 'Zeros', config: {} },
              kernel_regularizer: { module: 'keras.regularizers', class_name: 'L2', config: { l2: 0.25 }, registered_name: null },
              bias_regularizer: null,
              activity_regularizer: { class_name: 'L1', config: { l1: 0.5 } },
            },
          },
        ],
      },
    };
    const model = await modelFromJSON(config);
    model.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    const [x, y] = [tf.tensor2d([[1, 1]]), tf.tensor2d([[2]])];
    // Prediction 2, data loss 0; kernel 0.25 * 2 = 0.5; activity 0.5 * |2| / 1 = 1.
    const breakdown = await lossBreakdown(model, x, y);
    expect(breakdown.perLayer).toEqual({ 'fc.kernel': expect.closeTo(0.5, 5), 'fc.activity': expect.closeTo(1, 5) });
    tf.dispose([x, y]);
    model.dispose();
  });
});
