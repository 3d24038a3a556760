/**
 * Activity regularization: the Keras >= 3.14 formula (penalty of the output / batch size,
 * divide-no-nan), and the penalty reaching the loss in fit, trainOnBatch and custom loops.
 * Expected values are hand computed from that formula; tolerance 1e-5 (float32).
 */
import * as tf from '@tensorflow/tfjs';
import { activityPenalty, carriesActivityRegularizer, loadLayersModel } from '../../lib/activity';
import { layers } from '../../lib/layers';
import { regularizationPenalty } from '../../lib/loss';
import { carryActivityRegularizers, clearActivityPenalties } from '../../lib/penalty';
import { createRegularizer, l2 } from '../../lib/regularizers';

const TOLERANCE = 1e-5;


/** Dense(1) without bias, kernel 1: output = input. Activity L2(0.5). */
function identityDense(name?: string): tf.layers.Layer {
  return layers.dense({ units: 1, useBias: false, kernelInitializer: 'ones', activityRegularizer: l2({ l2: 0.5 }), name });
}

const x = (): tf.Tensor => tf.tensor2d([[1], [2]]);
const y = (): tf.Tensor => tf.tensor2d([[0], [0]]);

describe('activityPenalty', () => {
  it('divides the regularizer value by the batch dimension only', () => {
    // 0.5 * (1 + 4 + 9 + 16) / 2 = 7.5 (batch 2; not divided by the 4 elements).
    const output = tf.tensor2d([[1, 2], [3, 4]]);
    const penalty = activityPenalty(l2({ l2: 0.5 }), output);
    expect(penalty.dataSync()[0]).toBeCloseTo(7.5, 5);
    // A (batch, time, units) output is divided by the batch only: 0.5 * 8 / 2 = 2.
    const sequence = tf.ones([2, 2, 2]);
    const sequencePenalty = activityPenalty(l2({ l2: 0.5 }), sequence);
    expect(sequencePenalty.dataSync()[0]).toBeCloseTo(2, 5);
    tf.dispose([output, penalty, sequence, sequencePenalty]);
  });

  it('gives 0, not NaN, for an empty batch and does not divide a rank-0 output', () => {
    const empty = tf.zeros([0, 3]);
    const emptyPenalty = activityPenalty(l2({ l2: 0.5 }), empty);
    expect(emptyPenalty.dataSync()[0]).toBe(0);
    const scalar = tf.scalar(3);
    const scalarPenalty = activityPenalty(l2({ l2: 0.5 }), scalar); // 0.5 * 9, undivided
    expect(scalarPenalty.dataSync()[0]).toBeCloseTo(4.5, 5);
    tf.dispose([empty, emptyPenalty, scalar, scalarPenalty]);
  });
});

describe('activity regularization in tfjs training', () => {
  it('is carried by the layer instance: tfjs layers still throw, ours and carried ones do not, no prototype changes', () => {
    const prototypeApply = tf.layers.Layer.prototype.apply;
    const plain = tf.layers.dense({ units: 1, activityRegularizer: createRegularizer(l2({ l2: 0.5 })) });
    const input = x();
    expect(() => plain.apply(input)).toThrow(/activity regularizer/); // tfjs 4.22, untouched
    const ours = identityDense();
    expect(carriesActivityRegularizer(ours)).toBe(true);
    expect(Object.prototype.hasOwnProperty.call(ours, 'apply')).toBe(true);
    tf.dispose(ours.apply(input) as tf.Tensor);
    // A tfjs-built layer carries it after carryActivityRegularizers (what train and lossBreakdown call).
    expect(carryActivityRegularizers(plain)).toBe(1);
    tf.dispose(plain.apply(input) as tf.Tensor);
    expect(tf.layers.Layer.prototype.apply).toBe(prototypeApply);
    tf.dispose(input);
    clearActivityPenalties(ours);
    clearActivityPenalties(plain);
  });

  it('adds the penalty to the fit and trainOnBatch loss, and the gradient moves the weight', async () => {
    const model = tf.sequential({ layers: [layers.dense({ units: 1, inputShape: [1], useBias: false, kernelInitializer: 'ones', activityRegularizer: l2({ l2: 0.5 }) })] });
    model.compile({ optimizer: tf.train.sgd(0), loss: 'meanSquaredError' });
    const [xs, ys] = [x(), y()];
    // data loss (1 + 4) / 2 = 2.5; activity 0.5 * (1 + 4) / 2 = 1.25; total 3.75.
    const history = await model.fit(xs, ys, { epochs: 1, batchSize: 2, verbose: 0 });
    expect(history.history.loss[0]).toBeCloseTo(3.75, 5);
    expect(await model.trainOnBatch(xs, ys)).toBeCloseTo(3.75, 5);
    // evaluate keeps tfjs semantics (data loss only) and no longer throws.
    const evaluated = model.evaluate(xs, ys) as tf.Scalar;
    expect(evaluated.dataSync()[0]).toBeCloseTo(2.5, 5);
    evaluated.dispose();
    // One SGD step, lr 0.1: d/dw [mean((w x)^2) + 0.5 * sum((w x)^2) / 2] = 2 w 2.5 + 0.5 w 5 = 7.5 -> w = 0.25.
    model.compile({ optimizer: tf.train.sgd(0.1), loss: 'meanSquaredError' });
    await model.fit(xs, ys, { epochs: 1, batchSize: 2, verbose: 0 });
    expect(model.layers[0].getWeights()[0].dataSync()[0]).toBeCloseTo(0.25, 5);
    tf.dispose([xs, ys]);
    model.dispose();
  });

  it('counts a layer called twice in a functional model twice', async () => {
    const input = tf.input({ shape: [1] });
    const shared = identityDense();
    const output = shared.apply(shared.apply(input)) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: output });
    model.compile({ optimizer: tf.train.sgd(0), loss: 'meanSquaredError' });
    const [xs, ys] = [x(), y()];
    // data 2.5 + two calls * 1.25 = 5.
    const history = await model.fit(xs, ys, { epochs: 2, batchSize: 2, verbose: 0 });
    expect(history.history.loss[0]).toBeCloseTo(5, 5);
    expect(history.history.loss[1]).toBeCloseTo(5, 5); // cleared between steps, no accumulation
    tf.dispose([xs, ys]);
    model.dispose();
  });

  it('reaches the loss from inside a nested model (whose own tidy would drop it)', async () => {
    const inner = tf.sequential({ layers: [layers.dense({ units: 1, inputShape: [1], useBias: false, kernelInitializer: 'ones', activityRegularizer: l2({ l2: 0.5 }) })] });
    const input = tf.input({ shape: [1] });
    const model = tf.model({ inputs: input, outputs: inner.apply(input) as tf.SymbolicTensor });
    model.compile({ optimizer: tf.train.sgd(0), loss: 'meanSquaredError' });
    const [xs, ys] = [x(), y()];
    const before = tf.memory().numTensors;
    expect(await model.trainOnBatch(xs, ys)).toBeCloseTo(3.75, 5);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([xs, ys]);
    model.dispose();
  });

  it('works in a custom loop with regularizationPenalty and leaks no tensors', () => {
    const model = tf.sequential({ layers: [layers.dense({ units: 1, inputShape: [1], useBias: false, kernelInitializer: 'ones', activityRegularizer: l2({ l2: 0.5 }) })] });
    const optimizer = tf.train.sgd(0.1);
    const [xs, ys] = [x(), y()];
    const step = (): number => {
      const cost = optimizer.minimize(() => {
        const prediction = model.apply(xs, { training: true }) as tf.Tensor;
        const dataLoss = tf.losses.meanSquaredError(ys, prediction);
        const { total } = regularizationPenalty(model);
        return tf.add(dataLoss, total) as tf.Scalar;
      }, true)!;
      const value = cost.dataSync()[0];
      cost.dispose();
      return value;
    };
    expect(step()).toBeCloseTo(3.75, 5);
    const before = tf.memory().numTensors;
    step();
    step();
    expect(tf.memory().numTensors).toBe(before);
    // Same update as fit: w = 1 - 0.1 * 7.5 = 0.25 after the first step.
    tf.dispose([xs, ys]);
    optimizer.dispose();
    model.dispose();
  });

  it('leaks nothing across fit, evaluate, predict and trainOnBatch: at most the latest pass per layer is kept, and dispose frees it', async () => {
    const model = tf.sequential({
      layers: [
        layers.dense({ units: 1, inputShape: [1], activityRegularizer: l2({ l2: 0.5 }) }),
        layers.dense({ units: 1, activityRegularizer: l2({ l2: 0.1 }) }),
      ],
    });
    const optimizer = tf.train.sgd(0.01); // not owned by the model: model.dispose() leaves it
    model.compile({ optimizer, loss: 'meanSquaredError' });
    const [xs, ys] = [x(), y()];
    await model.fit(xs, ys, { epochs: 1, batchSize: 1, verbose: 0 });
    const before = tf.memory().numTensors;
    const sequence = async (): Promise<void> => {
      await model.fit(xs, ys, { epochs: 2, batchSize: 1, verbose: 0, validationData: [xs, ys] });
      await model.trainOnBatch(xs, ys);
      tf.dispose(model.evaluate(xs, ys) as tf.Scalar);
      tf.dispose(model.predict(xs) as tf.Tensor);
    };
    await sequence();
    // predict's penalties (one per layer) are nobody's to read: kept until the layer's next call.
    expect(tf.memory().numTensors).toBe(before + 2);
    await sequence();
    expect(tf.memory().numTensors).toBe(before + 2); // no growth
    clearActivityPenalties(model);
    expect(tf.memory().numTensors).toBe(before);
    await sequence();
    const weights = model.weights.length;
    model.dispose(); // frees the weights and the kept penalties
    expect(tf.memory().numTensors).toBe(before - weights);
    tf.dispose([xs, ys]);
    optimizer.dispose();
  });

  it('keeps only the latest eager call and can be cleared', () => {
    const layer = identityDense();
    const input = x();
    tf.dispose(layer.apply(input) as tf.Tensor); // builds the kernel
    clearActivityPenalties(layer);
    const start = tf.memory().numTensors;
    for (let call = 0; call < 3; call++) tf.dispose(layer.apply(input) as tf.Tensor);
    const penalty = regularizationPenalty(layer);
    expect(penalty.total.dataSync()[0]).toBeCloseTo(1.25, 5); // one call, not three
    tf.dispose([penalty.total, ...Object.values(penalty.perLayer)]);
    expect(tf.memory().numTensors).toBe(start + 1); // the one recorded penalty
    clearActivityPenalties(layer);
    expect(tf.memory().numTensors).toBe(start);
    input.dispose();
    layer.dispose();
  });
});

describe('loadLayersModel (no global hook)', () => {
  async function saved(model: tf.LayersModel): Promise<tf.io.ModelArtifacts> {
    let artifacts: tf.io.ModelArtifacts | undefined;
    await model.save(tf.io.withSaveHandler(async (value) => {
      artifacts = value;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }));
    return artifacts!;
  }

  it('restores activity regularizers of a nested model and of an LSTM (tfjs loses or refuses them), with the same penalty', async () => {
    const inner = tf.sequential({
      name: 'inner',
      layers: [layers.dense({ units: 2, inputShape: [2], kernelInitializer: 'ones', activityRegularizer: l2({ l2: 0.5 }), name: 'inner_dense' })],
    });
    const input = tf.input({ shape: [2] });
    const repeated = tf.layers.repeatVector({ n: 3 }).apply(inner.apply(input) as tf.SymbolicTensor) as tf.SymbolicTensor;
    const lstm = layers.lstm({ units: 2, kernelInitializer: 'ones', recurrentInitializer: 'zeros', activityRegularizer: l2({ l2: 0.25 }), name: 'rnn' });
    const model = tf.model({ inputs: input, outputs: lstm.apply(repeated) as tf.SymbolicTensor });
    const artifacts = await saved(model);
    await expect(tf.loadLayersModel(tf.io.fromMemory(artifacts))).rejects.toThrow(/activity regularizer/); // plain tfjs
    const prototypeApply = tf.layers.Layer.prototype.apply;
    const loaded = await loadLayersModel(tf.io.fromMemory(artifacts));
    expect(tf.layers.Layer.prototype.apply).toBe(prototypeApply);
    const loadedInner = loaded.getLayer('inner') as tf.LayersModel;
    expect(carriesActivityRegularizer(loadedInner.getLayer('inner_dense'))).toBe(true);
    expect(carriesActivityRegularizer(loaded.getLayer('rnn'))).toBe(true);
    const xs = tf.tensor2d([[1, 2], [0.5, -1]]);
    const penaltyOf = (target: tf.LayersModel): number =>
      tf.tidy(() => {
        target.apply(xs, { training: true });
        return regularizationPenalty(target).total.dataSync()[0];
      });
    const expected = penaltyOf(model);
    expect(expected).toBeGreaterThan(0.1);
    expect(penaltyOf(loaded)).toBeCloseTo(expected, 5);
    xs.dispose();
    model.dispose();
    loaded.dispose();
  });
});
