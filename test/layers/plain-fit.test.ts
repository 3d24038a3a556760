/**
 * The tfjs 4.22 defects fixed in plain tfjs training (`model.fit` / `trainOnBatch` / `evaluate`,
 * no `train()`) after the explicit `enableKerasSemantics()` call (every test here runs with it;
 * nothing is patched by importing layerwise): shared layers' weight penalty counted once, RNN
 * penalties in built AND loaded models, loaded RNNs keeping their activity regularizer, and
 * constraints applied after every optimizer update. Each test also shows plain tfjs's number
 * (after `undo()`, or `tf.layers.*` instead of our factories), so it fails if the fix is missing.
 * Expected penalties are hand computed from the Keras formulas (L2 = l2 * sum(w^2)) on weights
 * initialized to ones; tolerance 1e-4 absolute (float32 sums of a few dozen terms).
 */
import * as tf from '@tensorflow/tfjs';
import { enableKerasSemantics, type KerasSemanticsHandle } from '../../lib/tfjs-compat';
import { applyConstraints, forwardAllRecurrentLosses, layers } from '../../lib/layers';
import { l2 } from '../../lib/regularizers';

const DIGITS = 4;

let semantics: KerasSemanticsHandle;
beforeEach(() => {
  semantics = enableKerasSemantics();
});
afterEach(() => semantics.undo()); // Does nothing for tests that already undid it to show plain tfjs.

/** Saves to memory and loads back with `tf.loadLayersModel`. */
async function roundTrip(model: tf.LayersModel): Promise<tf.LayersModel> {
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (saved) => {
      artifacts = saved;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  return tf.loadLayersModel(tf.io.fromMemory(artifacts!));
}

/** trainOnBatch's loss (data + penalty, before the update) minus evaluate's (data only), learning rate 0. */
async function trainMinusEvaluate(model: tf.LayersModel, xs: tf.Tensor | tf.Tensor[], ys: tf.Tensor): Promise<number> {
  model.compile({ optimizer: tf.train.sgd(0), loss: 'meanSquaredError' });
  const evaluated = model.evaluate(xs, ys) as tf.Scalar;
  const data = evaluated.dataSync()[0];
  evaluated.dispose();
  const trained = (await model.trainOnBatch(xs, ys)) as number;
  return trained - data;
}

/** A custom layer registering a constant loss with addLoss (no weight): tfjs counts it per call. */
class ConstantLossLayer extends tf.layers.Layer {
  static className = 'LayerwiseTestConstantLoss';
  constructor() {
    super({});
    this.addLoss(() => tf.scalar(0.5));
  }
}

describe('shared layers in plain trainOnBatch', () => {
  function sharedModel(): tf.LayersModel {
    const left = tf.input({ shape: [2] });
    const right = tf.input({ shape: [2] });
    const shared = layers.dense({ units: 1, useBias: false, kernelInitializer: 'ones', kernelRegularizer: l2({ l2: 0.1 }) });
    const sum = tf.layers.add().apply([shared.apply(left) as tf.SymbolicTensor, shared.apply(right) as tf.SymbolicTensor]) as tf.SymbolicTensor;
    return tf.model({ inputs: [left, right], outputs: sum });
  }

  it('count the kernel penalty once: 0.2 (Keras), not 0.4 (tfjs, once per call)', async () => {
    const xs = [tf.zeros([2, 2]), tf.zeros([2, 2])];
    const ys = tf.zeros([2, 1]);
    const ours = sharedModel();
    ours.compile({ optimizer: tf.train.sgd(0), loss: 'meanSquaredError' });
    // Data loss 0 (zero inputs and targets) + 0.1 * (1 + 1).
    expect(await ours.trainOnBatch(xs, ys)).toBeCloseTo(0.2, DIGITS);
    semantics.undo();
    expect(await ours.trainOnBatch(xs, ys)).toBeCloseTo(0.4, DIGITS); // the tfjs defect
    tf.dispose([...xs, ys]);
    ours.dispose();
  });

  it('keep a custom addLoss loss once per call, as tfjs does, next to the weight penalty once', async () => {
    const input = tf.input({ shape: [1] });
    const custom = new ConstantLossLayer();
    const dense = layers.dense({ units: 1, useBias: false, kernelInitializer: 'ones', kernelRegularizer: l2({ l2: 0.1 }) });
    const twice = dense.apply(custom.apply(custom.apply(input))) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: twice });
    const losses = model.calculateLosses();
    const values = losses.map((loss) => loss.dataSync()[0]);
    tf.dispose(losses);
    // 0.5 per call of the custom layer (2 calls) + 0.1 * 1^2 once.
    expect(values.reduce((sum, value) => sum + value, 0)).toBeCloseTo(1.1, DIGITS);
    expect(values.filter((value) => Math.abs(value - 0.5) < 1e-6)).toHaveLength(2);
    model.dispose();
  });
});

describe('models without shared layers, RNNs or activity regularizers', () => {
  it('get the same penalty scalars, in the same order, as plain tfjs (nested model and frozen layer included)', () => {
    const inner = tf.sequential({
      layers: [tf.layers.dense({ units: 2, inputShape: [3], kernelRegularizer: tf.regularizers.l2({ l2: 0.01 }), biasRegularizer: tf.regularizers.l1({ l1: 0.02 }), biasInitializer: 'ones' })],
    });
    const frozen = tf.layers.dense({ units: 2, kernelRegularizer: tf.regularizers.l1({ l1: 0.03 }), trainable: false });
    const input = tf.input({ shape: [3] });
    const output = tf.layers.dense({ units: 1, kernelRegularizer: tf.regularizers.l2({ l2: 0.04 }) }).apply(frozen.apply(inner.apply(input))) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: output });
    const values = (): number[] => {
      const losses = model.calculateLosses();
      const numbers = losses.map((loss) => loss.dataSync()[0]);
      tf.dispose(losses);
      return numbers;
    };
    const ours = values();
    semantics.undo();
    expect(ours).toEqual(values()); // exact equality: the same closures evaluated in the same order
    expect(ours).toHaveLength(4);
    model.dispose();
  });
});

describe('recurrent penalties in built and loaded models', () => {
  const xs = (): tf.Tensor => tf.ones([2, 4, 2]);

  it('LSTM from layers.lstm: after save/load, trainOnBatch - evaluate = the penalty (tfjs: 0)', async () => {
    const built = tf.sequential({
      layers: [layers.lstm({ units: 3, inputShape: [4, 2], kernelInitializer: 'ones', kernelRegularizer: l2({ l2: 0.1 }) })],
    });
    const loaded = await roundTrip(built);
    const [x, y] = [xs(), tf.zeros([2, 3])];
    const expected = 0.1 * 2 * 12; // kernel [2, 4 gates * 3 units] of ones
    expect(await trainMinusEvaluate(built, x, y)).toBeCloseTo(expected, DIGITS);
    expect(await trainMinusEvaluate(loaded, x, y)).toBeCloseTo(expected, DIGITS);
    forwardAllRecurrentLosses(loaded); // forwarded and patched: still counted once
    expect(await trainMinusEvaluate(loaded, x, y)).toBeCloseTo(expected, DIGITS);
    const plainLoaded = await roundTrip(built);
    semantics.undo();
    expect(await trainMinusEvaluate(plainLoaded, x, y)).toBeCloseTo(0, DIGITS); // the tfjs defect
    tf.dispose([x, y]);
    [built, loaded, plainLoaded].forEach((model) => model.dispose());
  });

  it('ConvLSTM2D from layers.convLstm2d: after save/load, trainOnBatch - evaluate = the penalty (tfjs: 0)', async () => {
    const built = tf.sequential({
      layers: [layers.convLstm2d({ filters: 2, kernelSize: 1, inputShape: [3, 2, 2, 1], kernelInitializer: 'ones', kernelRegularizer: l2({ l2: 0.1 }) })],
    });
    const loaded = await roundTrip(built);
    const [x, y] = [tf.ones([1, 3, 2, 2, 1]), tf.zeros([1, 2, 2, 2])];
    const expected = 0.1 * 8; // kernel [1, 1, 1, 4 gates * 2 filters] of ones
    expect(await trainMinusEvaluate(loaded, x, y)).toBeCloseTo(expected, DIGITS);
    semantics.undo();
    expect(await trainMinusEvaluate(loaded, x, y)).toBeCloseTo(0, DIGITS); // the tfjs defect
    tf.dispose([x, y]);
    [built, loaded].forEach((model) => model.dispose());
  });

  it('plain tf.layers Bidirectional(GRU), loaded: both copies count, once each', async () => {
    const built = tf.sequential({
      layers: [
        tf.layers.bidirectional({
          layer: tf.layers.gru({ units: 3, kernelInitializer: 'ones', kernelRegularizer: tf.regularizers.l2({ l2: 0.1 }) }) as never,
          inputShape: [4, 2],
        }),
      ],
    });
    const loaded = await roundTrip(built);
    const [x, y] = [xs(), tf.zeros([2, 6])];
    const expected = 2 * 0.1 * 2 * 9; // two GRUs, kernel [2, 3 gates * 3 units] of ones
    expect(await trainMinusEvaluate(built, x, y)).toBeCloseTo(expected, DIGITS);
    expect(await trainMinusEvaluate(loaded, x, y)).toBeCloseTo(expected, DIGITS);
    tf.dispose([x, y]);
    [built, loaded].forEach((model) => model.dispose());
  });

  it('a loaded LSTM keeps its activity regularizer (tfjs RNN constructors drop it)', async () => {
    const built = tf.sequential({
      layers: [layers.lstm({ units: 2, inputShape: [4, 2], kernelInitializer: 'ones', recurrentInitializer: 'zeros', activityRegularizer: l2({ l2: 0.5 }) })],
    });
    const loaded = await roundTrip(built);
    expect(loaded.layers[0].activityRegularizer).not.toBeNull();
    const [x, y] = [xs(), tf.zeros([2, 2])];
    const builtPenalty = await trainMinusEvaluate(built, x, y);
    expect(builtPenalty).toBeGreaterThan(0.01);
    expect(await trainMinusEvaluate(loaded, x, y)).toBeCloseTo(builtPenalty, DIGITS);
    semantics.undo();
    const plainLoaded = await roundTrip(built);
    expect(plainLoaded.layers[0].activityRegularizer ?? null).toBeNull(); // the tfjs defect
    tf.dispose([x, y]);
    [built, loaded, plainLoaded].forEach((model) => model.dispose());
  });
});

describe('constraints in plain fit', () => {
  // Gradient of mean((w x - y)^2) at w = 1, x = 1, y = -5 is 12: SGD(1) takes w to -11.
  const data = (): [tf.Tensor, tf.Tensor] => [tf.tensor2d([[1]]), tf.tensor2d([[-5]])];
  const denseArgs = (): Parameters<typeof tf.layers.dense>[0] => ({ units: 1, inputShape: [1], useBias: false, kernelInitializer: 'ones', kernelConstraint: tf.constraints.nonNeg() });

  it('layers.dense({kernelConstraint: nonNeg}) has no negative weight after one plain fit step, tf.layers.dense too while enabled (after undo: -11)', async () => {
    const [xs, ys] = data();
    const fitOnce = async (model: tf.LayersModel): Promise<number> => {
      model.compile({ optimizer: tf.train.sgd(1), loss: 'meanSquaredError' });
      await model.fit(xs, ys, { epochs: 1, verbose: 0 });
      return model.getWeights()[0].dataSync()[0];
    };
    const ours = tf.sequential({ layers: [layers.dense(denseArgs())] });
    const theirsEnabled = tf.sequential({ layers: [tf.layers.dense(denseArgs())] });
    expect(await fitOnce(ours)).toBe(0);
    expect(await fitOnce(theirsEnabled)).toBe(0);
    semantics.undo();
    const theirs = tf.sequential({ layers: [tf.layers.dense(denseArgs())] });
    expect(await fitOnce(theirs)).toBeCloseTo(-11, DIGITS); // the tfjs defect
    const oursAfterUndo = tf.sequential({ layers: [layers.dense(denseArgs())] });
    expect(await fitOnce(oursAfterUndo)).toBe(0); // our factories need no patch
    tf.dispose([xs, ys]);
    [ours, theirsEnabled, theirs, oursAfterUndo].forEach((model) => model.dispose());
  });

  it('hold with Adam and trainOnBatch, for an LSTM cell and a Bidirectional copy', async () => {
    const lstmArgs = { units: 2, kernelInitializer: 'ones', recurrentInitializer: 'ones', kernelConstraint: tf.constraints.nonNeg(), recurrentConstraint: tf.constraints.nonNeg() } as const;
    const model = tf.sequential({
      layers: [layers.bidirectional({ layer: tf.layers.lstm({ ...lstmArgs, returnSequences: true }) as never, inputShape: [3, 1] }), layers.lstm(lstmArgs)],
    });
    model.compile({ optimizer: tf.train.adam(5), loss: 'meanSquaredError' });
    const [xs, ys] = [tf.ones([2, 3, 1]), tf.fill([2, 2], -5)];
    for (let step = 0; step < 3; step++) await model.trainOnBatch(xs, ys);
    const constrained = model.weights.filter((weight) => weight.constraint != null);
    expect(constrained).toHaveLength(6); // kernel + recurrent of forward, backward and the second LSTM
    for (const weight of constrained) expect(Math.min(...weight.read().dataSync())).toBeGreaterThanOrEqual(0);
    tf.dispose([xs, ys]);
    model.dispose();
  });

  it('a loaded model passed once to applyConstraints keeps them in later plain fits', async () => {
    const [xs, ys] = data();
    const loaded = await roundTrip(tf.sequential({ layers: [tf.layers.dense(denseArgs())] }));
    expect(applyConstraints(loaded)).toBe(1);
    loaded.compile({ optimizer: tf.train.sgd(1), loss: 'meanSquaredError' });
    await loaded.fit(xs, ys, { epochs: 1, verbose: 0 });
    expect(loaded.getWeights()[0].dataSync()[0]).toBe(0);
    tf.dispose([xs, ys]);
    loaded.dispose();
  });

  it('applyConstraints after an enforced update (as train() does) does not project again', async () => {
    const [xs, ys] = data();
    const model = tf.sequential({ layers: [layers.dense(denseArgs())] });
    model.compile({ optimizer: tf.train.sgd(1), loss: 'meanSquaredError' });
    await model.fit(xs, ys, { epochs: 1, verbose: 0 });
    const constraint = model.weights[0].constraint!;
    const apply = jest.spyOn(constraint, 'apply');
    expect(applyConstraints(model)).toBe(1);
    expect(apply).not.toHaveBeenCalled();
    apply.mockRestore();
    tf.dispose([xs, ys]);
    model.dispose();
  });

  it('leak no tensor per step, and model.dispose() frees the weights', async () => {
    const [xs, ys] = data();
    const target = tf.tile(ys, [1, 3]);
    const optimizer = tf.train.sgd(1);
    const before = tf.memory().numTensors;
    const model = tf.sequential({ layers: [layers.dense({ ...denseArgs(), units: 3, kernelConstraint: tf.constraints.maxNorm({ maxValue: 0.5 }) })] });
    model.compile({ optimizer, loss: 'meanSquaredError' });
    await model.fit(xs, target, { epochs: 1, verbose: 0 });
    const afterOneStep = tf.memory().numTensors;
    await model.fit(xs, target, { epochs: 3, verbose: 0 });
    await model.trainOnBatch(xs, target);
    expect(tf.memory().numTensors).toBe(afterOneStep);
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([xs, ys, target]);
    optimizer.dispose();
  });
});
