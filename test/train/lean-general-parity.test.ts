/**
 * The lean training path changes speed, never the objective: every Keras parity fixture whose model
 * is one chain of layers is trained as a `tf.Sequential` (the form the lean path plans for) with
 * the lean path on and off, and both runs must agree with each other and with Keras 3.15.1's
 * recorded epoch losses and final weights; a softmax + categorical cross-entropy model whose
 * predictions are confidently wrong (the case where tfjs/Keras clip the probability, so the
 * gradient of those samples is zero) must train the same on both paths too.
 *
 * Tolerance (|a − b| <= relative·|b| + absolute): relative 1e-4, absolute 1e-5, the parity test's
 * bound for values that depend on up to 10 optimizer steps (test/parity/keras-parity.test.ts
 * explains it: float32 summation-order differences, amplified by a few per step). The two paths
 * use different kernels for the same formulas (fused MatMul+BiasAdd, L2Loss for L2 penalties,
 * SoftmaxCrossEntropyWithLogits), which is such a summation-order difference.
 */
import * as tf from '@tensorflow/tfjs';
import { carryActivityRegularizer } from '../../lib/activity';
import { train, type TrainOptions, type TrainResult } from '../../lib/train';
import { loadFixtures, type KerasFixture } from '../parity/fixture';
import { buildSequentialModel, optimizerSpecOf, readWeights, tensorOf } from '../parity/replay';

const RELATIVE = 1e-4;
const ABSOLUTE = 1e-5;
const LOSS: Record<string, string> = { mse: 'meanSquaredError' };

function close(actual: number, expected: number): boolean {
  return Math.abs(actual - expected) <= RELATIVE * Math.abs(expected) + ABSOLUTE;
}

function optionsOf(fixture: KerasFixture): TrainOptions {
  const expected = fixture.training!;
  return {
    epochs: expected.epochs,
    batchSize: expected.batchSize,
    shuffle: false,
    optimizer: optimizerSpecOf(expected.optimizer),
    weightDecay: expected.optimizer.weightDecay,
    loss: LOSS[fixture.loss],
  };
}

const chains = loadFixtures().filter((fixture) => fixture.training !== undefined && fixture.expectedError === undefined && buildSequentialModel(fixture) !== null);

test('the chain fixtures cover the lean path: Dense and Conv2D with L1, L2 and L1L2 penalties, SGD, momentum, Adam and AdamW', () => {
  const lean = chains.filter((fixture) => {
    const model = buildSequentialModel(fixture)!;
    const layers = model.layers.map((layer) => layer.getClassName());
    model.dispose();
    return layers.every((name) => ['InputLayer', 'Dense', 'Conv2D', 'MaxPooling2D', 'Flatten'].includes(name));
  });
  expect(lean.length).toBeGreaterThanOrEqual(10);
  expect(new Set(lean.map((fixture) => fixture.training!.optimizer.name))).toEqual(new Set(['sgd', 'momentum', 'adam', 'adamw']));
});

describe.each(chains.map((fixture) => [fixture.name, fixture] as const))('fixture %s', (_name, fixture) => {
  test('lean and general paths train to the same losses and weights, and both to Keras', async () => {
    const x = tensorOf(fixture.data.x);
    const y = tensorOf(fixture.data.y);
    const results: TrainResult[] = [];
    const weights: Array<ReturnType<typeof readWeights>> = [];
    for (const leanObjective of [true, false]) {
      const model = buildSequentialModel(fixture)!;
      results.push(await train(model, { train: { x, y } }, { ...optionsOf(fixture), leanObjective }));
      weights.push(readWeights(model, fixture.training!.finalWeights));
      model.dispose();
    }
    tf.dispose([x, y]);
    const [lean, general] = results;
    expect(general.trainingPath).toBe('general');
    expect(general.generalPathReason).toBe('options.leanObjective is false');
    // Which path the default took is recorded, with the reason when it is not the lean one.
    if (lean.trainingPath === 'general') expect(lean.generalPathReason).toMatch(/layer|model/);
    else expect(lean.generalPathReason).toBeUndefined();
    const mismatches: string[] = [];
    const keras = fixture.training!;
    lean.epochs.forEach((record, index) => {
      const [a, b, k] = [record.trainObjective!, general.epochs[index].trainObjective!, keras.epochLosses[index]];
      if (!close(a, b)) mismatches.push(`epoch ${index + 1} objective: lean ${a} vs general ${b}`);
      if (!close(a, k)) mismatches.push(`epoch ${index + 1} objective: lean ${a} vs Keras ${k}`);
    });
    for (const [layer, values] of Object.entries(keras.finalWeights)) {
      for (const weight of values) {
        weight.values.forEach((expected, index) => {
          const [a, b] = [weights[0][layer][weight.name][index], weights[1][layer][weight.name][index]];
          if (!close(a, b)) mismatches.push(`${layer}/${weight.name}[${index}]: lean ${a} vs general ${b}`);
          if (!close(a, expected)) mismatches.push(`${layer}/${weight.name}[${index}]: lean ${a} vs Keras ${expected}`);
        });
      }
    }
    expect(mismatches.slice(0, 10)).toEqual([]);
  });
});

/** Dense(relu) -> Dense(softmax) with large weights: several samples' true-class probability underflows below 1e-7. */
function confidentModel(): tf.Sequential {
  const model = tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [4], units: 8, activation: 'relu', kernelInitializer: tf.initializers.randomNormal({ stddev: 4, seed: 3 }), name: 'hidden' }),
      tf.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: tf.initializers.randomNormal({ stddev: 4, seed: 5 }), name: 'output' }),
    ],
  });
  return model;
}

describe('softmax + categorical cross-entropy with clipping active', () => {
  let x: tf.Tensor;
  let labels: tf.Tensor;
  // Made after the backend is set up (setup-backend's beforeAll), not while the tests are collected.
  beforeAll(() => {
    x = tf.randomNormal([24, 4], 0, 3, 'float32', 11);
    labels = tf.cast(tf.oneHot(tf.tensor1d(Array.from({ length: 24 }, (_, index) => index % 3), 'int32'), 3), 'float32');
  });
  afterAll(() => tf.dispose([x, labels]));

  test('the data has samples whose true-class probability is below epsilon (the clip is active)', () => {
    const model = confidentModel();
    const probabilities = tf.tidy(() => tf.sum(tf.mul(model.predict(x) as tf.Tensor, labels), -1).dataSync());
    expect(Array.from(probabilities).filter((p) => p < 1e-7).length).toBeGreaterThanOrEqual(3);
    model.dispose();
  });

  test.each([
    ['one-hot labels (fused logits kernel, hand-written backward pass)', false],
    ['soft labels (the general cross-entropy formula inside the lean path)', true],
  ])('%s: lean and general paths give the same objective and weights', async (_name, soft) => {
    const y = soft ? tf.tidy(() => tf.add(tf.mul(labels, 0.9), 0.1 / 3)) : labels;
    const results: TrainResult[] = [];
    const weights: number[][][] = [];
    for (const leanObjective of [true, false]) {
      const model = confidentModel();
      results.push(await train(model, { train: { x, y } }, { epochs: 5, batchSize: 8, shuffle: false, loss: 'categoricalCrossentropy', optimizer: { name: 'sgd', learningRate: 0.05 }, leanObjective }));
      weights.push(model.getWeights().map((weight) => Array.from(weight.dataSync())));
      model.dispose();
    }
    if (soft) y.dispose();
    const [lean, general] = results;
    expect([lean.trainingPath, general.trainingPath]).toEqual(['lean', 'general']);
    lean.epochs.forEach((record, index) => expect(close(record.trainObjective!, general.epochs[index].trainObjective!)).toBe(true));
    const mismatches: string[] = [];
    weights[0].forEach((values, i) => values.forEach((value, j) => !close(value, weights[1][i][j]) && mismatches.push(`weight ${i}[${j}]: lean ${value} vs general ${weights[1][i][j]}`)));
    expect(mismatches.slice(0, 5)).toEqual([]);
  });
});

/**
 * The Dense stacks the hand-written pass added (lib/train/lean-dense-stack.ts), trained for 3 epochs
 * with Adam and shuffling from one seed on both paths: Dropout masks, activity and L1 penalties,
 * BatchNormalization (batch statistics in training, moving statistics updated per step and used by
 * the evaluation) and the sigmoid/BCE and linear/MSE heads must give the same epoch objectives and weights (same
 * tolerance as above: float32 summation order, amplified over 12 steps).
 */
function zooStack(head: 'softmax' | 'sigmoid' | 'linear', units: number, batchNorm = false): tf.Sequential {
  const layers = [
    tf.layers.dense({ inputShape: [10], units: 16, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 41 }), kernelRegularizer: tf.regularizers.l2({ l2: 1e-3 }), activityRegularizer: tf.regularizers.l1({ l1: 1e-3 }) }),
    tf.layers.dropout({ rate: 0.3 }),
    ...(batchNorm ? [tf.layers.batchNormalization()] : []),
    tf.layers.dense({ units: 8, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 42 }), kernelRegularizer: tf.regularizers.l1l2({ l1: 1e-4, l2: 1e-3 }), biasRegularizer: tf.regularizers.l1({ l1: 1e-4 }) }),
    tf.layers.dense({ units, activation: head, kernelInitializer: tf.initializers.glorotUniform({ seed: 43 }), kernelRegularizer: tf.regularizers.l2({ l2: 1e-3 }) }),
  ];
  // Keras semantics for the activity regularizer tfjs's own Dense carries (lib/activity), before the layer is called.
  layers.forEach((layer) => carryActivityRegularizer(layer));
  return tf.sequential({ layers });
}

describe.each([
  ['MLP relu(activity L1)-Dropout(0.3)-relu(L1L2)-softmax, categorical cross-entropy', 'softmax', 3, 'categoricalCrossentropy', false],
  ['MLP relu(activity L1)-Dropout(0.3)-relu(L1L2)-sigmoid, binary cross-entropy', 'sigmoid', 1, 'binaryCrossentropy', false],
  ['MLP relu(activity L1)-Dropout(0.3)-relu(L1L2)-linear, mean squared error', 'linear', 2, 'meanSquaredError', false],
  ['MLP relu(activity L1)-Dropout(0.3)-BatchNorm-relu(L1L2)-softmax (issue 16\'s general-path MLP, scaled down)', 'softmax', 3, 'categoricalCrossentropy', true],
  ['MLP relu(activity L1)-Dropout(0.3)-BatchNorm-relu(L1L2)-sigmoid, binary cross-entropy', 'sigmoid', 1, 'binaryCrossentropy', true],
] as const)('Dense stack %s', (_name, head, units, loss, batchNorm) => {
  test('takes the lean path and trains to the same objectives and weights as the general path', async () => {
    const x = tf.randomNormal([48, 10], 0, 1, 'float32', 44);
    const y = tf.tidy(() => {
      if (head === 'softmax') return tf.oneHot(tf.tensor1d(Array.from({ length: 48 }, (_, index) => index % units), 'int32'), units).toFloat();
      if (head === 'sigmoid') return tf.cast(tf.greater(tf.sum(tf.slice(x, [0, 0], [-1, 3]), -1, true), 0), 'float32');
      return tf.slice(x, [0, 0], [-1, units]);
    });
    const results: TrainResult[] = [];
    const weights: number[][][] = [];
    for (const leanObjective of [true, false]) {
      const model = zooStack(head, units, batchNorm);
      results.push(await train(model, { train: { x, y } }, { epochs: 3, batchSize: 16, seed: 5, loss, optimizer: { name: 'adam', learningRate: 0.01 }, leanObjective }));
      // getWeights includes BatchNormalization's moving mean and variance: they must match too.
      weights.push(model.getWeights().map((weight) => Array.from(weight.dataSync())));
      model.dispose();
    }
    tf.dispose([x, y]);
    const [lean, general] = results;
    expect([lean.trainingPath, lean.generalPathReason, general.trainingPath]).toEqual(['lean', undefined, 'general']);
    // Evaluation (inference mode, moving statistics) after training agrees too.
    expect(close(lean.final.train.loss, general.final.train.loss)).toBe(true);
    const mismatches: string[] = [];
    lean.epochs.forEach((record, index) => !close(record.trainObjective!, general.epochs[index].trainObjective!) && mismatches.push(`epoch ${index + 1}: lean ${record.trainObjective} vs general ${general.epochs[index].trainObjective}`));
    weights[0].forEach((values, i) => values.forEach((value, j) => !close(value, weights[1][i][j]) && mismatches.push(`weight ${i}[${j}]: lean ${value} vs general ${weights[1][i][j]}`)));
    expect(mismatches.slice(0, 5)).toEqual([]);
  });
});
