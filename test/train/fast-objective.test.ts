import * as tf from '@tensorflow/tfjs';
import { train } from '../../lib/train';
import { planFastObjective } from '../../lib/train/fast-objective';
import { nativeBackend } from '../../lib/backend/native-ops';
import { preparePenalties, trainingPenalty } from '../../lib/train/penalty';

/** Seeded MLP / CNN of the bench shapes, scaled down. */
function mlp(): tf.Sequential {
  const model = tf.sequential();
  model.add(tf.layers.dense({ inputShape: [6], units: 5, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }), kernelRegularizer: tf.regularizers.l2({ l2: 1e-2 }) }));
  model.add(tf.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: 4 }), kernelRegularizer: tf.regularizers.l2({ l2: 1e-2 }), biasRegularizer: tf.regularizers.l1({ l1: 1e-2 }) }));
  return model;
}

/** Dense stack with pure L2 penalties only (kernel and bias; tfjs's L1L2 with l1 = 0 too): gets the hand-written backward pass. */
function pureL2Mlp(): tf.Sequential {
  const model = tf.sequential();
  model.add(tf.layers.dense({ inputShape: [6], units: 5, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 14 }), biasInitializer: tf.initializers.constant({ value: 0.1 }), kernelRegularizer: tf.regularizers.l2({ l2: 1e-2 }), biasRegularizer: tf.regularizers.l2({ l2: 1e-3 }) }));
  model.add(tf.layers.dense({ units: 4, useBias: false, kernelInitializer: tf.initializers.glorotUniform({ seed: 15 }), kernelRegularizer: tf.regularizers.l1l2({ l1: 0, l2: 2e-2 }) }));
  model.add(tf.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: 16 }), kernelRegularizer: tf.regularizers.l2({ l2: 1e-2 }) }));
  return model;
}

function cnn(): tf.Sequential {
  const model = tf.sequential();
  model.add(tf.layers.conv2d({ inputShape: [6, 6, 1], filters: 2, kernelSize: 3, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 5 }) }));
  model.add(tf.layers.maxPooling2d({ poolSize: 2 }));
  model.add(tf.layers.flatten());
  model.add(tf.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: 6 }) }));
  return model;
}

/** The small CNN with an L1L2 kernel penalty (not pure L2: its gradient stays on the tape). */
function l1Cnn(): tf.Sequential {
  const model = cnn();
  (model.layers[0] as unknown as { kernelRegularizer: unknown }).kernelRegularizer = tf.regularizers.l1l2({ l1: 1e-2, l2: 1e-2 });
  return model;
}

/**
 * Conv1D(relu, L2)-MaxPooling1D-Conv1D(relu, L2 3e-2, bias)-MaxPooling1D-Conv1D(linear, no bias)-GlobalAveragePooling1D-Dense(softmax, L2):
 * consecutive 1-D steps pass the [N, 1, T, C] view; two L2 coefficients (two kernels share 1e-2, one has 3e-2), so the
 * off-tape penalty value sums L2Loss per coefficient (one group of two, one of one).
 */
function conv1dChain(): tf.Sequential {
  const l2 = (coefficient = 1e-2) => tf.regularizers.l2({ l2: coefficient });
  return tf.sequential({
    layers: [
      tf.layers.conv1d({ inputShape: [16, 3], filters: 4, kernelSize: 3, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 31 }), biasInitializer: tf.initializers.constant({ value: 0.05 }), kernelRegularizer: l2() }),
      tf.layers.maxPooling1d({ poolSize: 2 }),
      tf.layers.conv1d({ filters: 5, kernelSize: 2, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 32 }), biasInitializer: tf.initializers.constant({ value: -0.05 }), kernelRegularizer: l2(3e-2) }),
      tf.layers.maxPooling1d({ poolSize: 2 }),
      tf.layers.conv1d({ filters: 3, kernelSize: 2, padding: 'same', useBias: false, kernelInitializer: tf.initializers.glorotUniform({ seed: 33 }) }),
      tf.layers.globalAveragePooling1d(),
      tf.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: 34 }), kernelRegularizer: l2() }),
    ],
  });
}

/** Conv2D(relu, L2, bias; no pooling after it: conv+bias in one oneDNN kernel)-Conv2D(relu, L2)-GlobalAveragePooling2D-Dense(softmax). */
function convWithBiasCnn(): tf.Sequential {
  const l2 = () => tf.regularizers.l2({ l2: 1e-2 });
  return tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [6, 6, 1], filters: 3, kernelSize: 3, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 41 }), biasInitializer: tf.initializers.constant({ value: 0.05 }), kernelRegularizer: l2() }),
      tf.layers.conv2d({ filters: 2, kernelSize: 2, strides: 2, padding: 'same', activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 42 }), biasInitializer: tf.initializers.constant({ value: 0.05 }), kernelRegularizer: l2() }),
      tf.layers.globalAveragePooling2d({}),
      tf.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: 43 }) }),
    ],
  });
}

/** Conv2D(linear, no bias, same padding) -> overlapping MaxPool(3, stride 2, same) -> Conv2D(relu) -> MaxPool -> Flatten -> Dense(softmax). */
function deepCnn(): tf.Sequential {
  const model = tf.sequential();
  model.add(tf.layers.conv2d({ inputShape: [9, 9, 1], filters: 3, kernelSize: 3, padding: 'same', useBias: false, kernelInitializer: tf.initializers.glorotUniform({ seed: 8 }) }));
  model.add(tf.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' }));
  model.add(tf.layers.conv2d({ filters: 2, kernelSize: 2, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 9 }), biasInitializer: tf.initializers.constant({ value: 0.05 }) }));
  model.add(tf.layers.maxPooling2d({ poolSize: 2 }));
  model.add(tf.layers.flatten());
  model.add(tf.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: 10 }) }));
  return model;
}

/** Conv2D(swish) -> MaxPool (not reordered: swish decreases below -1.28, where the bias -2 puts most values, so it must run before the max) and Conv2D(relu) -> Flatten (no pooling to fuse). */
function unfusedCnn(): tf.Sequential {
  const model = tf.sequential();
  model.add(tf.layers.conv2d({ inputShape: [7, 7, 1], filters: 2, kernelSize: 3, activation: 'swish', kernelInitializer: tf.initializers.glorotUniform({ seed: 11 }), biasInitializer: tf.initializers.constant({ value: -2 }) }));
  model.add(tf.layers.maxPooling2d({ poolSize: 2, strides: 1 }));
  model.add(tf.layers.conv2d({ filters: 2, kernelSize: 2, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 12 }), biasInitializer: tf.initializers.constant({ value: 0.3 }) }));
  model.add(tf.layers.flatten());
  model.add(tf.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: 13 }) }));
  return model;
}

/**
 * Inputs in steps of 0.5 with a zero border (like MNIST's background), so convolution outputs and
 * pooling windows have exact ties: the tie rule of the pooling gradient is exercised.
 */
function data(shape: number[], samples: number): { x: tf.Tensor; y: tf.Tensor } {
  return tf.tidy(() => ({
    x: shape.length === 3
      ? tf.pad(tf.div(tf.round(tf.randomUniform([samples, shape[0] - 2, shape[1] - 2, shape[2]], -2, 2, 'float32', 7)), 2), [[0, 0], [1, 1], [1, 1], [0, 0]])
      : tf.randomUniform([samples, ...shape], -1, 1, 'float32', 7),
    y: tf.oneHot(tf.tensor1d(Array.from({ length: samples }, (_, index) => index % 3), 'int32'), 3).toFloat(),
  }));
}

describe.each([
  ['MLP Dense(relu, L2) -> Dense(softmax, L2 kernel, L1 bias)', mlp, [6]],
  ['MLP Dense(relu, L2 kernel and bias) -> Dense(linear, no bias, L1L2 l1=0) -> Dense(softmax, L2) (hand-written backward pass)', pureL2Mlp, [6]],
  ['CNN Conv2D(relu) -> MaxPool -> Flatten -> Dense(softmax)', cnn, [6, 6, 1]],
  ['CNN Conv2D(linear, no bias, same) -> MaxPool(3/2, same) -> Conv2D(relu) -> MaxPool -> Flatten -> Dense', deepCnn, [9, 9, 1]],
  ['CNN Conv2D(swish) -> MaxPool(2/1) -> Conv2D(relu) -> Flatten -> Dense', unfusedCnn, [7, 7, 1]],
] as const)('lean objective: %s', (_name, build, shape) => {
  test('is planned, and trains to the same weights and objective as model.apply', async () => {
    const { x, y } = data([...shape], 20);
    const lean = build();
    const general = build();
    const plan = planFastObjective(lean, 'categoricalCrossentropy', tf.metrics.categoricalCrossentropy);
    expect(plan).not.toBeNull();
    plan?.dispose();
    const options = { epochs: 3, batchSize: 8, loss: 'categoricalCrossentropy', seed: 1, optimizer: { name: 'adam' as const, learningRate: 0.01 } };
    const a = await train(lean, { train: { x, y } }, options);
    const b = await train(general, { train: { x, y } }, { ...options, leanObjective: false });
    // Tolerance 1e-5 relative: the same function in float32; the lean path takes the cross-entropy
    // from the logits and clips it as tfjs clips the normalized softmax output.
    expect([a.trainingPath, b.trainingPath, b.generalPathReason]).toEqual(['lean', 'general', 'options.leanObjective is false']);
    a.epochs.forEach((record, index) => expect(record.trainObjective).toBeCloseTo(b.epochs[index].trainObjective as number, 5));
    const wa = lean.getWeights().map((weight) => Array.from(weight.dataSync()));
    const wb = general.getWeights().map((weight) => Array.from(weight.dataSync()));
    wa.forEach((values, i) => values.forEach((value, j) => expect(Math.abs(value - wb[i][j])).toBeLessThan(1e-5 * Math.abs(wb[i][j]) + 1e-6)));
    tf.dispose([x, y]);
    lean.dispose();
    general.dispose();
  });
});

test('Dropout and BatchNormalization are planned (their own layer call), recurrent layers and frozen weights are not', () => {
  const withDropout = tf.sequential({ layers: [tf.layers.dense({ inputShape: [2], units: 2 }), tf.layers.dropout({ rate: 0.5 })] });
  const withBatchNorm = tf.sequential({ layers: [tf.layers.dense({ inputShape: [2], units: 2 }), tf.layers.batchNormalization()] });
  const recurrent = tf.sequential({ layers: [tf.layers.simpleRNN({ inputShape: [3, 2], units: 2 })] });
  const frozen = tf.sequential({ layers: [tf.layers.dense({ inputShape: [2], units: 2, trainable: false }), tf.layers.dense({ units: 1 })] });
  for (const model of [withDropout, withBatchNorm]) {
    const plan = planFastObjective(model, 'meanSquaredError', tf.metrics.meanSquaredError);
    expect(plan).not.toBeNull();
    plan?.dispose();
  }
  expect(planFastObjective(recurrent, 'meanSquaredError', tf.metrics.meanSquaredError)).toBeNull();
  expect(planFastObjective(frozen, 'meanSquaredError', tf.metrics.meanSquaredError)).toBeNull();
  [withDropout, withBatchNorm, recurrent, frozen].forEach((model) => model.dispose());
});

test('the lean CNN objective is bit-reproducible on its backend', async () => {
  const { x, y } = data([9, 9, 1], 20);
  const runs = [deepCnn(), deepCnn()];
  const options = { epochs: 2, batchSize: 8, loss: 'categoricalCrossentropy', seed: 2, optimizer: { name: 'adam' as const, learningRate: 0.01 } };
  const results = [];
  for (const model of runs) results.push(await train(model, { train: { x, y } }, options));
  expect(results[0].epochs.map((record) => record.trainObjective)).toEqual(results[1].epochs.map((record) => record.trainObjective));
  const [first, second] = runs.map((model) => model.getWeights().map((weight) => Array.from(weight.dataSync())));
  expect(first).toEqual(second);
  tf.dispose([x, y]);
  runs.forEach((model) => model.dispose());
});

test('valueAndGradients is planned for Dense stacks whose output activation matches the loss, and for taped stacks with pure-L2 (or no) penalties on the native backend', () => {
  const native = nativeBackend() != null;
  const cases: Array<[tf.Sequential, string, boolean]> = [
    [pureL2Mlp(), 'categoricalCrossentropy', true],
    [mlp(), 'categoricalCrossentropy', true], // L1 bias penalty: covered since the Dense-stack pass
    [pureL2Mlp(), 'meanSquaredError', native], // softmax output under mean squared error: taped lean objective, pure L2 penalties off the tape
    [cnn(), 'categoricalCrossentropy', native], // no penalty: the data loss under autodiff
    [l1Cnn(), 'categoricalCrossentropy', false], // an L1L2 penalty stays on the tape
  ];
  for (const [model, lossName, expected] of cases) {
    const plan = planFastObjective(model, lossName, tf.metrics.categoricalCrossentropy, { oneHotLabels: true });
    expect(plan).not.toBeNull();
    expect(plan?.valueAndGradients != null).toBe(expected);
    plan?.dispose();
    model.dispose();
  }
});

test('the hand-written backward pass gives the taped objective and its gradients', () => {
  const { x, y } = data([6], 12);
  const model = pureL2Mlp();
  // Counted before planning: the plan's kept scalars are freed by its dispose().
  const before = tf.memory().numTensors;
  const plan = planFastObjective(model, 'categoricalCrossentropy', tf.metrics.categoricalCrossentropy, { oneHotLabels: true });
  const manual = plan?.valueAndGradients;
  expect(manual).not.toBeNull();
  if (plan == null || manual == null) return;
  const variables = model.trainableWeights.map((weight) => weight.read() as tf.Variable);
  tf.tidy(() => {
    const taped = tf.variableGrads(() => plan.objective(x, y), variables);
    const handWritten = manual(x, y);
    // Tolerance 1e-6 relative + 1e-7: the same kernels in the same order; only the tape's accumulation could differ.
    expect(Math.abs(handWritten.value.dataSync()[0] - taped.value.dataSync()[0])).toBeLessThan(1e-6 * Math.abs(taped.value.dataSync()[0]));
    expect(Object.keys(handWritten.grads).sort()).toEqual(variables.map((variable) => variable.name).sort());
    for (const variable of variables) {
      const expected = taped.grads[variable.name].dataSync();
      const actual = handWritten.grads[variable.name].dataSync();
      expect(handWritten.grads[variable.name].shape).toEqual(variable.shape);
      expected.forEach((value, index) => expect(Math.abs(actual[index] - value)).toBeLessThan(1e-6 * Math.abs(value) + 1e-7));
    }
  });
  plan.dispose();
  expect(tf.memory().numTensors).toBe(before);
  model.dispose();
  tf.dispose([x, y]);
});

test('training through the hand-written backward pass is bit-reproducible on its backend', async () => {
  const { x, y } = data([6], 20);
  const runs = [pureL2Mlp(), pureL2Mlp()];
  const options = { epochs: 2, batchSize: 8, loss: 'categoricalCrossentropy', seed: 3, optimizer: { name: 'adam' as const, learningRate: 0.01 } };
  const results = [];
  for (const model of runs) results.push(await train(model, { train: { x, y } }, options));
  expect(results[0].epochs.map((record) => record.trainObjective)).toEqual(results[1].epochs.map((record) => record.trainObjective));
  const [first, second] = runs.map((model) => model.getWeights().map((weight) => Array.from(weight.dataSync())));
  expect(first).toEqual(second);
  tf.dispose([x, y]);
  runs.forEach((model) => model.dispose());
});

describe.each([
  ['Conv1D chain with pooling, same padding and GlobalAveragePooling1D', conv1dChain, [16, 3]],
  ['Conv2D+bias without pooling, strided same padding, GlobalAveragePooling2D', convWithBiasCnn, [6, 6, 1]],
] as const)('native convolution blocks and off-tape L2 penalties: %s', (_name, build, shape) => {
  /** The general path's objective and gradients (model.apply + loss + trainingPenalty) under autodiff. */
  const general = (model: tf.Sequential, x: tf.Tensor, y: tf.Tensor) => {
    preparePenalties(model);
    const variables = model.trainableWeights.map((weight) => weight.read() as tf.Variable);
    return tf.variableGrads(() => tf.add(tf.mean(tf.metrics.categoricalCrossentropy(y, model.apply(x, { training: true }) as tf.Tensor)), trainingPenalty(model)) as tf.Scalar, variables);
  };

  test('the lean objective (taped and valueAndGradients) equals autodiff of the general path', () => {
    const x = tf.randomNormal([6, ...shape], 0, 1, 'float32', 35);
    const { x: unused, y } = data([1], 6);
    unused.dispose();
    const model = build();
    preparePenalties(model);
    const plan = planFastObjective(model, 'categoricalCrossentropy', tf.metrics.categoricalCrossentropy, { oneHotLabels: true });
    expect(plan).not.toBeNull();
    if (plan == null) return;
    // On the native backend pure-L2 stacks take the off-tape penalties; elsewhere the taped objective only.
    expect(plan.valueAndGradients != null).toBe(nativeBackend() != null);
    const variables = model.trainableWeights.map((weight) => weight.read() as tf.Variable);
    tf.tidy(() => {
      const expected = general(model, x, y);
      const results = [tf.variableGrads(() => plan.objective(x, y), variables), ...(plan.valueAndGradients != null ? [plan.valueAndGradients(x, y)] : [])];
      // Tolerance (as test/train/lean-layer-call.test.ts): 2e-5·|autodiff| + 1e-6 per element, 1e-5 relative on the value:
      // float32 with other kernels and summation orders (pooling before bias and ReLU, conv+bias in one kernel, L2Loss).
      let nonZero = 0;
      for (const result of results) {
        expect(Math.abs(result.value.dataSync()[0] - expected.value.dataSync()[0])).toBeLessThanOrEqual(1e-5 * Math.abs(expected.value.dataSync()[0]));
        const far: string[] = [];
        for (const variable of variables) {
          const want = expected.grads[variable.name].dataSync();
          const got = result.grads[variable.name].dataSync();
          expect(got.length).toBe(want.length);
          want.forEach((value, index) => {
            if (value !== 0) nonZero++;
            if (!(Math.abs(got[index] - value) <= 2e-5 * Math.abs(value) + 1e-6)) far.push(`${variable.name}[${index}]: lean ${got[index]} vs autodiff ${value}`);
          });
        }
        expect(far.slice(0, 5)).toEqual([]);
      }
      expect(nonZero).toBeGreaterThan(20 * results.length);
    });
    plan.dispose();
    model.dispose();
    x.dispose();
    y.dispose();
  });
});
