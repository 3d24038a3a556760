/**
 * Layer factories and the tfjs 4.22 regularization defects they fix. Each defect test shows the
 * plain-tfjs behaviour next to ours, so it fails if the fix is missing. Expected penalties are
 * hand computed from the Keras formulas (L2 = l2 * sum(x^2), L1 = l1 * sum(|x|)) on weights
 * initialized to ones; tolerance 1e-4 relative (float32 sums of a few dozen terms).
 */
import * as tf from '@tensorflow/tfjs';
import {
  applyConstraints,
  constraintsCallback,
  forwardAllRecurrentLosses,
  layers,
  regularizedWeights,
} from '../../lib/layers';
import { regularizationPenalty, useKerasPenalties } from '../../lib/loss';
import { l1, l1l2, l2, specOf } from '../../lib/regularizers';

function sumOf(losses: tf.Scalar[]): number {
  const value = losses.reduce((sum, loss) => sum + loss.dataSync()[0], 0);
  tf.dispose(losses);
  return value;
}

function penaltyNumbers(model: tf.layers.Layer): { total: number; perLayer: Record<string, number> } {
  const penalty = regularizationPenalty(model);
  const perLayer = Object.fromEntries(Object.entries(penalty.perLayer).map(([key, value]) => [key, value.dataSync()[0]]));
  const total = penalty.total.dataSync()[0];
  tf.dispose([penalty.total, ...Object.values(penalty.perLayer)]);
  return { total, perLayer };
}

describe('regularizer slots', () => {
  it('accept specs, become serializable tfjs regularizers, and validate with layer and slot in the error', () => {
    const dense = layers.dense({ units: 2, name: 'fc', kernelRegularizer: l2({ l2: 0.1 }), biasRegularizer: tf.regularizers.l1({ l1: 0.2 }) });
    expect(specOf((dense as unknown as { kernelRegularizer: unknown }).kernelRegularizer)).toEqual({ kind: 'l2', l2: 0.1 });
    expect(() => layers.dense({ units: 1, name: 'fc_bad', kernelRegularizer: { kind: 'l2', l2: -0.1 } })).toThrow(/fc_bad\.kernelRegularizer\.l2 = -0\.1/);
  });

  it('never invent a coefficient: l1l2({l1}) has l2 = 0 (tfjs l1l2({l1}) adds l2 = 0.01)', () => {
    const ours = tf.sequential({ layers: [layers.dense({ units: 1, inputShape: [2], useBias: false, kernelInitializer: 'ones', kernelRegularizer: l1l2({ l1: 0.1 }) })] });
    const theirs = tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [2], useBias: false, kernelInitializer: 'ones', kernelRegularizer: tf.regularizers.l1l2({ l1: 0.1 }) })] });
    expect(penaltyNumbers(ours).total).toBeCloseTo(0.2, 5); // 0.1 * 2
    expect(penaltyNumbers(theirs).total).toBeCloseTo(0.22, 5); // 0.1 * 2 + 0.01 * 2
  });
});

describe('recurrent layers', () => {
  // Input dim 2, units 3, gates g: kernel [2, 3g], recurrent [3, 3g], bias [3g], all ones.
  // kernel L2(0.1) -> 0.1 * 6g; recurrent L1(0.2) -> 0.2 * 9g; bias L2(0.3) -> 0.3 * 3g.
  const cases: Array<[string, typeof layers.lstm, number]> = [
    ['simpleRNN', layers.simpleRNN as typeof layers.lstm, 1],
    ['gru', layers.gru as typeof layers.lstm, 3],
    ['lstm', layers.lstm, 4],
  ];
  const rnnArgs = (name: string) => ({
    units: 3,
    inputShape: [4, 2],
    name,
    kernelInitializer: 'ones',
    recurrentInitializer: 'ones',
    biasInitializer: 'ones',
    kernelRegularizer: l2({ l2: 0.1 }),
    recurrentRegularizer: l1({ l1: 0.2 }),
    biasRegularizer: l2({ l2: 0.3 }),
  }) as Parameters<typeof layers.lstm>[0];

  it.each(cases)('%s: kernel, recurrent and bias penalties match the formula and reach fit', async (name, factory, gates) => {
    const model = tf.sequential({ layers: [factory(rnnArgs(`${name}_layer`)), tf.layers.dense({ units: 1 })] });
    const { perLayer } = penaltyNumbers(model);
    expect(perLayer[`${name}_layer.kernel`]).toBeCloseTo(0.1 * 6 * gates, 4);
    expect(perLayer[`${name}_layer.recurrent`]).toBeCloseTo(0.2 * 9 * gates, 4);
    // Keras 3's GRU (reset_after=True, layerwise's default) has an input and a recurrent bias row: [2, 3·units].
    const biasRows = name === 'gru' ? 2 : 1;
    expect(perLayer[`${name}_layer.bias`]).toBeCloseTo(0.3 * 3 * gates * biasRows, 4);
    const expected = (0.6 + 1.8 + 0.9 * biasRows) * gates;
    model.compile({ optimizer: tf.train.sgd(0), loss: 'meanSquaredError' });
    const [xs, ys] = [tf.ones([2, 4, 2]), tf.zeros([2, 1])];
    const trainLoss = (await model.trainOnBatch(xs, ys)) as number;
    const evaluated = model.evaluate(xs, ys) as tf.Scalar;
    expect(trainLoss - evaluated.dataSync()[0]).toBeCloseTo(expected, 3);
    tf.dispose([xs, ys, evaluated]);
    model.dispose();
  });

  it('plain tfjs LSTM drops the penalty; forwardAllRecurrentLosses fixes a model built or loaded with it', async () => {
    const model = tf.sequential({ layers: [tf.layers.lstm({ units: 3, inputShape: [4, 2], kernelInitializer: 'ones', kernelRegularizer: tf.regularizers.l2({ l2: 0.1 }) })] });
    model.compile({ optimizer: tf.train.sgd(0), loss: 'meanSquaredError' });
    expect(sumOf(model.calculateLosses())).toBe(0); // the tfjs defect
    forwardAllRecurrentLosses(model);
    expect(sumOf(model.calculateLosses())).toBeCloseTo(0.1 * 2 * 12, 4);
    model.dispose();
  });

  it('plain tfjs ConvLSTM2D drops the penalty too; forwardAllRecurrentLosses fixes it', () => {
    const model = tf.sequential({
      layers: [tf.layers.convLstm2d({ filters: 2, kernelSize: 1, inputShape: [3, 2, 2, 1], kernelInitializer: 'ones', kernelRegularizer: tf.regularizers.l2({ l2: 0.1 }) })],
    });
    model.compile({ optimizer: tf.train.sgd(0), loss: 'meanSquaredError' });
    expect(sumOf(model.calculateLosses())).toBe(0); // the tfjs defect
    forwardAllRecurrentLosses(model);
    // Kernel [1, 1, 1, 4 gates * 2 filters] of ones: 0.1 * 8 (hand-computed, float32 to 4 decimals).
    expect(sumOf(model.calculateLosses())).toBeCloseTo(0.1 * 8, 4);
    expect(penaltyNumbers(model).total).toBeCloseTo(0.1 * 8, 4);
    model.dispose();
  });

  it('Bidirectional counts the forward and backward copies', () => {
    const model = tf.sequential({
      layers: [layers.bidirectional({ layer: tf.layers.lstm({ units: 3, kernelInitializer: 'ones', kernelRegularizer: tf.regularizers.l2({ l2: 0.1 }) }) as never, inputShape: [4, 2] })],
    });
    model.compile({ optimizer: 'sgd', loss: 'meanSquaredError' }); // a Sequential reports losses once built
    const expected = 2 * 0.1 * 2 * 12; // two LSTMs, kernel [2, 12] of ones
    expect(sumOf(model.calculateLosses())).toBeCloseTo(expected, 4);
    expect(penaltyNumbers(model).total).toBeCloseTo(expected, 4);
    model.dispose();
  });
});

describe('DepthwiseConv2D', () => {
  it('applies kernelRegularizer as the depthwise regularizer (tfjs ignores it) and rejects both at once', () => {
    const make = (factory: typeof tf.layers.depthwiseConv2d) =>
      tf.sequential({ layers: [factory({ kernelSize: 2, depthMultiplier: 2, inputShape: [3, 3, 2], useBias: false, depthwiseInitializer: 'ones', kernelRegularizer: tf.regularizers.l2({ l2: 0.5 }) })] });
    const theirs = make(tf.layers.depthwiseConv2d);
    const ours = make(layers.depthwiseConv2d as typeof tf.layers.depthwiseConv2d);
    [theirs, ours].forEach((model) => model.compile({ optimizer: 'sgd', loss: 'meanSquaredError' }));
    expect(sumOf(theirs.calculateLosses())).toBe(0); // the tfjs defect
    // Depthwise kernel [2, 2, 2, 2] of ones: 0.5 * 16 = 8.
    expect(sumOf(ours.calculateLosses())).toBeCloseTo(8, 4);
    expect(Object.keys(penaltyNumbers(ours).perLayer)[0]).toMatch(/\.depthwise$/);
    expect(() => layers.depthwiseConv2d({ kernelSize: 1, name: 'dw', kernelRegularizer: l2(), depthwiseRegularizer: l2() })).toThrow(/dw\.kernelRegularizer/);
  });
});

describe('shared layers', () => {
  it('count each variable once in regularizationPenalty and, with useKerasPenalties, in fit', async () => {
    const left = tf.input({ shape: [2] });
    const right = tf.input({ shape: [2] });
    const shared = layers.dense({ units: 1, useBias: false, kernelInitializer: 'ones', kernelRegularizer: l2({ l2: 0.1 }) });
    const sum = tf.layers.add().apply([shared.apply(left) as tf.SymbolicTensor, shared.apply(right) as tf.SymbolicTensor]) as tf.SymbolicTensor;
    const model = tf.model({ inputs: [left, right], outputs: sum });
    expect(sumOf(model.calculateLosses())).toBeCloseTo(0.4, 5); // tfjs: once per call (2 * 0.2)
    expect(penaltyNumbers(model).total).toBeCloseTo(0.2, 5); // Keras: once (0.1 * 2)
    expect(regularizedWeights(model)).toHaveLength(1);
    model.compile({ optimizer: tf.train.sgd(0), loss: 'meanSquaredError' });
    useKerasPenalties(model);
    const xs = [tf.zeros([2, 2]), tf.zeros([2, 2])];
    const ys = tf.zeros([2, 1]);
    expect(await model.trainOnBatch(xs, ys)).toBeCloseTo(0.2, 5); // data loss 0 + 0.2
    tf.dispose([...xs, ys]);
    model.dispose();
  });
});

describe('constraints', () => {
  it('are ignored by tfjs fit (tf.layers.dense) and applied by constraintsCallback / applyConstraints', async () => {
    const make = () => {
      const model = tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [1], useBias: false, kernelInitializer: 'ones', kernelConstraint: tf.constraints.nonNeg() })] });
      model.compile({ optimizer: tf.train.sgd(1), loss: 'meanSquaredError' });
      return model;
    };
    // Gradient of mean((w x - y)^2) at w = 1, x = 1, y = -5 is 12: w becomes -11 after one step.
    const [xs, ys] = [tf.tensor2d([[1]]), tf.tensor2d([[-5]])];
    const plain = make();
    await plain.fit(xs, ys, { epochs: 1, verbose: 0 });
    expect(plain.layers[0].getWeights()[0].dataSync()[0]).toBeCloseTo(-11, 4); // the tfjs defect
    expect(applyConstraints(plain)).toBe(1);
    expect(plain.layers[0].getWeights()[0].dataSync()[0]).toBe(0);
    const constrained = make();
    await constrained.fit(xs, ys, { epochs: 1, verbose: 0, callbacks: [constraintsCallback()] });
    expect(constrained.layers[0].getWeights()[0].dataSync()[0]).toBe(0);
    tf.dispose([xs, ys]);
    plain.dispose();
    constrained.dispose();
  });
});

describe('every factory', () => {
  it('builds a working layer whose regularizers reach regularizationPenalty', () => {
    const reg = l2({ l2: 0.01 });
    const built: Array<[tf.layers.Layer, number[], string[]]> = [
      [layers.conv1d({ filters: 2, kernelSize: 2, kernelRegularizer: reg, biasRegularizer: reg }), [1, 4, 2], ['kernel', 'bias']],
      [layers.conv2d({ filters: 2, kernelSize: 2, kernelRegularizer: reg }), [1, 3, 3, 1], ['kernel']],
      [layers.conv3d({ filters: 1, kernelSize: 2, kernelRegularizer: reg }), [1, 2, 2, 2, 1], ['kernel']],
      [layers.conv2dTranspose({ filters: 2, kernelSize: 2, kernelRegularizer: reg }), [1, 2, 2, 1], ['kernel']],
      [layers.separableConv2d({ filters: 2, kernelSize: 2, depthwiseRegularizer: reg, pointwiseRegularizer: reg }), [1, 3, 3, 1], ['depthwise', 'pointwise']],
      [layers.embedding({ inputDim: 5, outputDim: 2, embeddingsRegularizer: reg }), [1, 3], ['embeddings']],
      [layers.batchNormalization({ gammaRegularizer: reg, betaRegularizer: reg }), [2, 3], ['gamma', 'beta']],
      [layers.layerNormalization({ gammaRegularizer: reg, betaRegularizer: reg }), [2, 3], ['gamma', 'beta']],
    ];
    for (const [layer, shape, slots] of built) {
      const input = tf.zeros(shape);
      tf.dispose(layer.apply(input) as tf.Tensor);
      input.dispose();
      expect(Object.keys(penaltyNumbers(layer).perLayer).sort()).toEqual(slots.map((slot) => `${layer.name}.${slot}`).sort());
      layer.dispose();
    }
  });
});
