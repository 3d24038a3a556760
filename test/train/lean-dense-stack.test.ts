/**
 * The hand-written Dense-stack pass (lib/train/lean-dense-stack.ts) against autodiff of the general
 * path: for each layer type and head it adds (Dropout, activity L1/L2, kernel and bias L1/L2/L1L2,
 * sigmoid + binary cross-entropy, linear + mean squared error, softmax + categorical cross-entropy,
 * BatchNormalization in training mode, with its moving statistics),
 * the objective and every gradient must equal `tf.variableGrads` of
 * `mean(loss(y, model.apply(x, {training: true}))) + trainingPenalty(model)` (what train() runs when
 * the lean path is off), with the same Math.random seed, so Dropout masks must be the same draws.
 *
 * Tolerance (|lean − autodiff| <= 2e-5·|autodiff| + 1e-6 per element, 1e-5 relative for the value):
 * float32, the same formulas with different kernels and summation order (fused MatMul+BiasAdd,
 * L2Loss, the sigmoid head's gradient `p − y` written in closed form where autodiff chains
 * `1/(y(1−y))` and `p(1−p)`, which agree to a few float32 ulps relative to the largest term).
 */
import * as tf from '@tensorflow/tfjs';
import { l1 as l1Spec, L1Regularizer, l2 as l2Spec, L2Regularizer } from '../../lib/regularizers';
import { carryActivityRegularizer } from '../../lib/activity';
import { train } from '../../lib/train';
import { planLeanObjective } from '../../lib/train/fast-objective';
import { drawDropoutMultiplier } from '../../lib/train/lean-dense-stack';
import { preparePenalties, trainingPenalty } from '../../lib/train/penalty';
import { resolveLoss } from '../../lib/train/loss-function';
import { SeededMathRandom } from '../../lib/train/seeded-random';

type Head = 'softmax' | 'sigmoid' | 'linear';

const LOSS_OF: Record<Head, string> = { softmax: 'categoricalCrossentropy', sigmoid: 'binaryCrossentropy', linear: 'meanSquaredError' };

/**
 * 6 → 8 (relu; kernel L1L2, bias L1, activity L1) → Dropout(0.3) → 5 (linear; kernel L2 (layerwise),
 * activity L2) → Dropout(0.2) → `units` (`head`; kernel L1 (layerwise), bias L2), seeded initializers.
 */
function stack(head: Head, units: number, options: { inputDropout?: boolean; outputBias?: number; outputActivity?: boolean; batchNorm?: boolean } = {}): tf.Sequential {
  const layers: tf.layers.Layer[] = [];
  if (options.inputDropout) layers.push(tf.layers.dropout({ inputShape: [6], rate: 0.25 }));
  layers.push(
    tf.layers.dense({
      ...(options.inputDropout ? {} : { inputShape: [6] }),
      units: 8,
      activation: 'relu',
      kernelInitializer: tf.initializers.glorotUniform({ seed: 21 }),
      biasInitializer: tf.initializers.constant({ value: 0.05 }),
      kernelRegularizer: tf.regularizers.l1l2({ l1: 1e-3, l2: 2e-3 }),
      biasRegularizer: tf.regularizers.l1({ l1: 1e-3 }),
      activityRegularizer: tf.regularizers.l1({ l1: 1e-2 }),
    }),
    tf.layers.dropout({ rate: 0.3 }),
    // Keras's defaults (momentum 0.99, epsilon 1e-3); non-default gamma/beta so their gradients are not trivial.
    ...(options.batchNorm ? [tf.layers.batchNormalization({ gammaInitializer: tf.initializers.constant({ value: 1.5 }), betaInitializer: tf.initializers.constant({ value: 0.1 }) })] : []),
    tf.layers.dense({
      units: 5,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 22 }),
      kernelRegularizer: new L2Regularizer(l2Spec({ l2: 1e-2 })),
      activityRegularizer: new L2Regularizer(l2Spec({ l2: 1e-2 })),
    }),
    tf.layers.dropout({ rate: 0.2 }),
    tf.layers.dense({
      units,
      activation: head,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 23 }),
      biasInitializer: tf.initializers.constant({ value: options.outputBias ?? 0 }),
      kernelRegularizer: new L1Regularizer(l1Spec({ l1: 1e-3 })),
      biasRegularizer: tf.regularizers.l2({ l2: 1e-3 }),
      activityRegularizer: options.outputActivity ? tf.regularizers.l1l2({ l1: 2e-2, l2: 3e-2 }) : undefined,
    }),
  );
  // Keras semantics for activity regularizers on layers tfjs builds (lib/activity), before the layers are called.
  layers.forEach((layer) => carryActivityRegularizer(layer));
  return tf.sequential({ layers });
}

function labels(head: Head, units: number, count: number): tf.Tensor2D {
  return tf.tidy(() => {
    if (head === 'softmax') return tf.oneHot(tf.tensor1d(Array.from({ length: count }, (_, index) => index % units), 'int32'), units).toFloat() as tf.Tensor2D;
    if (head === 'sigmoid') return tf.cast(tf.greater(tf.randomUniform([count, units], 0, 1, 'float32', 31), 0.5), 'float32') as tf.Tensor2D;
    return tf.randomNormal([count, units], 0, 1, 'float32', 32) as tf.Tensor2D;
  });
}

/** Autodiff of the general path's objective and the lean plan's hand-written pass, each with `seed` as Math.random. */
function bothGradients(model: tf.LayersModel, head: Head, x: tf.Tensor, y: tf.Tensor, seed: number) {
  preparePenalties(model);
  const loss = resolveLoss(model, LOSS_OF[head]);
  const variables = model.trainableWeights.map((weight) => weight.read() as tf.Variable);
  const plan = planLeanObjective(model, loss.name, loss.fn, { oneHotLabels: head === 'softmax' });
  expect(plan.reason).toBeUndefined();
  const manual = plan.objective?.valueAndGradients;
  expect(manual).not.toBeNull();
  const read = (result: { value: tf.Scalar; grads: Record<string, tf.Tensor> }) => ({
    value: result.value.dataSync()[0],
    grads: Object.fromEntries(variables.map((variable) => [variable.name, Array.from(result.grads[variable.name].dataSync())])),
  });
  const withSeed = <T>(body: () => T): T => {
    const random = new SeededMathRandom(seed);
    random.install();
    try {
      // Plain numbers come out; every tensor of the step is freed by the tidy.
      let out: T | undefined;
      tf.tidy(() => {
        out = body();
      });
      return out as T;
    } finally {
      random.release();
    }
  };
  const general = withSeed(() =>
    read(tf.variableGrads(() => tf.add(tf.mean(loss.fn(y, model.apply(x, { training: true }) as tf.Tensor)), trainingPenalty(model)) as tf.Scalar, variables)),
  );
  const lean = withSeed(() => read(manual!(x, y)));
  plan.objective?.dispose();
  return { general, lean, names: variables.map((variable) => variable.name) };
}

function expectSame(result: ReturnType<typeof bothGradients>): void {
  const { general, lean, names } = result;
  expect(Math.abs(lean.value - general.value)).toBeLessThanOrEqual(1e-5 * Math.abs(general.value));
  const mismatches: string[] = [];
  let nonZero = 0;
  for (const name of names) {
    general.grads[name].forEach((expected, index) => {
      const actual = lean.grads[name][index];
      if (expected !== 0) nonZero++;
      if (!(Math.abs(actual - expected) <= 2e-5 * Math.abs(expected) + 1e-6)) mismatches.push(`${name}[${index}]: lean ${actual} vs autodiff ${expected}`);
    });
  }
  expect(mismatches.slice(0, 8)).toEqual([]);
  // The comparison means something: the gradients are not all zero.
  expect(nonZero).toBeGreaterThan(10);
}

describe.each([
  ['softmax + categorical cross-entropy (one-hot), 3 classes', 'softmax', 3, {}],
  ['sigmoid + binary cross-entropy, 1 unit', 'sigmoid', 1, {}],
  ['sigmoid + binary cross-entropy, 4 units (multi-label)', 'sigmoid', 4, {}],
  ['linear + mean squared error, 2 outputs, Dropout on the input', 'linear', 2, { inputDropout: true }],
  ['softmax + categorical cross-entropy with an activity L1L2 penalty on the probabilities', 'softmax', 3, { outputActivity: true }],
  ['sigmoid + binary cross-entropy with an activity L1L2 penalty on the probabilities', 'sigmoid', 2, { outputActivity: true }],
  ['linear + mean squared error with an activity L1L2 penalty on the output', 'linear', 2, { outputActivity: true }],
  ['softmax + categorical cross-entropy with BatchNormalization after the Dropout', 'softmax', 3, { batchNorm: true }],
  ['sigmoid + binary cross-entropy with BatchNormalization after the Dropout', 'sigmoid', 1, { batchNorm: true }],
] as const)('hand-written Dense stack: %s', (_name, head, units, options) => {
  test('the objective and every gradient equal autodiff of the general path (dropout masks drawn identically)', () => {
    const model = stack(head, units, options);
    const x = tf.randomNormal([16, 6], 0, 1, 'float32', 30);
    const y = labels(head, units, 16);
    expectSame(bothGradients(model, head, x, y, 7));
    tf.dispose([x, y]);
    model.dispose();
  });
});

test('sigmoid + binary cross-entropy where the clip is active (p rounds to 1 in float32): zero gradient there, as autodiff gives', () => {
  // Output bias 20: sigmoid gives 1 in float32 for most samples, above 1 − 1e-7, so tfjs clips p.
  const model = stack('sigmoid', 2, { outputBias: 20 });
  const x = tf.randomNormal([16, 6], 0, 1, 'float32', 30);
  const y = labels('sigmoid', 2, 16);
  const saturated = tf.tidy(() => tf.sum(tf.cast(tf.greater(model.predict(x) as tf.Tensor, 1 - 1e-7), 'float32')).dataSync()[0]);
  expect(saturated).toBeGreaterThan(16);
  expectSame(bothGradients(model, 'sigmoid', x, y, 9));
  tf.dispose([x, y]);
  model.dispose();
});

test('BatchNormalization: one lean step moves the moving mean and variance exactly as tfjs\'s layer does in the general step', () => {
  const x = tf.randomNormal([16, 6], 0, 1, 'float32', 30);
  const y = labels('softmax', 3, 16);
  const statistics: number[][][] = [];
  for (const lean of [true, false]) {
    const model = stack('softmax', 3, { batchNorm: true });
    const result = bothGradientsOnePath(model, x, y, lean);
    const layer = model.layers.find((candidate) => candidate.getClassName() === 'BatchNormalization')!;
    statistics.push(layer.getWeights().slice(2).map((weight) => Array.from(weight.dataSync())));
    expect(result).toBeGreaterThan(0);
    model.dispose();
  }
  const [lean, general] = statistics;
  // The moving statistics moved off their initial values (0 and 1) by 1% of the batch statistics.
  expect(lean[0].some((value) => value !== 0)).toBe(true);
  // Tolerance 1e-6 relative + 1e-7: the same formula on float32 batch moments.
  lean.forEach((values, i) => values.forEach((value, j) => expect(Math.abs(value - general[i][j])).toBeLessThanOrEqual(1e-6 * Math.abs(general[i][j]) + 1e-7)));
  tf.dispose([x, y]);
});

/** One training-mode objective evaluation with seed 5, on the lean plan or the general path; returns the objective. */
function bothGradientsOnePath(model: tf.LayersModel, x: tf.Tensor, y: tf.Tensor, lean: boolean): number {
  preparePenalties(model);
  const loss = resolveLoss(model, 'categoricalCrossentropy');
  const random = new SeededMathRandom(5);
  random.install();
  try {
    if (lean) {
      const plan = planLeanObjective(model, loss.name, loss.fn, { oneHotLabels: true });
      const value = tf.tidy(() => plan.objective!.valueAndGradients!(x, y).value.dataSync()[0]);
      plan.objective!.dispose();
      return value;
    }
    return tf.tidy(() => tf.add(tf.mean(loss.fn(y, model.apply(x, { training: true }) as tf.Tensor)), trainingPenalty(model)).dataSync()[0]);
  } finally {
    random.release();
  }
}

test('a different seed draws different dropout masks (the dropout is real, not skipped)', () => {
  const model = stack('linear', 2);
  const x = tf.randomNormal([16, 6], 0, 1, 'float32', 30);
  const y = labels('linear', 2, 16);
  const a = bothGradients(model, 'linear', x, y, 1);
  const b = bothGradients(model, 'linear', x, y, 2);
  expect(a.lean.value).not.toBe(b.lean.value);
  tf.dispose([x, y]);
  model.dispose();
});

test('labels of another shape ([n] for a [n, 1] linear output) take the taped forward: still the general formula, whatever it broadcasts to', () => {
  const model = stack('linear', 1);
  const x = tf.randomNormal([16, 6], 0, 1, 'float32', 30);
  const y = tf.tidy(() => tf.reshape(labels('linear', 1, 16), [16]));
  expectSame(bothGradients(model, 'linear', x, y, 3));
  tf.dispose([x, y]);
  model.dispose();
});

test('train() takes the lean path for these stacks and names what keeps others on the general path', async () => {
  const x = tf.randomNormal([32, 6], 0, 1, 'float32', 30);
  const y = labels('sigmoid', 1, 32);
  const result = await train(stack('sigmoid', 1), { train: { x, y } }, { epochs: 1, batchSize: 8, loss: 'binaryCrossentropy' });
  expect([result.trainingPath, result.generalPathReason]).toEqual(['lean', undefined]);
  const withBatchNorm = tf.sequential({
    layers: [tf.layers.dense({ inputShape: [6], units: 4, activation: 'relu' }), tf.layers.batchNormalization(), tf.layers.dense({ units: 1, activation: 'sigmoid' })],
  });
  const normalized = await train(withBatchNorm, { train: { x, y } }, { epochs: 1, batchSize: 8, loss: 'binaryCrossentropy' });
  expect([normalized.trainingPath, normalized.generalPathReason]).toEqual(['lean', undefined]);
  const frozen = tf.sequential({ layers: [tf.layers.dense({ inputShape: [6], units: 4, activation: 'relu', trainable: false }), tf.layers.dense({ units: 1, activation: 'sigmoid' })] });
  const general = await train(frozen, { train: { x, y } }, { epochs: 1, batchSize: 8, loss: 'binaryCrossentropy' });
  expect(general.trainingPath).toBe('general');
  expect(general.generalPathReason).toMatch(/non-trainable weights.*here the model has frozen weights/);
  // tanh is outside the hand-written stack but the taped lean objective takes it (Dropout by its own call)...
  const tanh = tf.sequential({ layers: [tf.layers.dense({ inputShape: [6], units: 4, activation: 'tanh' }), tf.layers.dropout({ rate: 0.5 }), tf.layers.dense({ units: 1, activation: 'sigmoid' })] });
  const taped = await train(tanh, { train: { x, y } }, { epochs: 1, batchSize: 8, loss: 'binaryCrossentropy' });
  expect([taped.trainingPath, taped.generalPathReason]).toEqual(['lean', undefined]);
  // ...but not with an activity regularizer, which only the hand-written stack carries: both reasons are given.
  const tanhLayer = carryActivityRegularizer(tf.layers.dense({ inputShape: [6], units: 4, activation: 'tanh', activityRegularizer: tf.regularizers.l1({ l1: 1e-3 }) }));
  const tanhActivity = tf.sequential({ layers: [tanhLayer, tf.layers.dense({ units: 1, activation: 'sigmoid' })] });
  const other = await train(tanhActivity, { train: { x, y } }, { epochs: 1, batchSize: 8, loss: 'binaryCrossentropy' });
  expect(other.trainingPath).toBe('general');
  expect(other.generalPathReason).toMatch(/^layer #0 \(Dense\) has an activity regularizer \(a Dense stack would take the lean path: .*; here layer #0 \(Dense\) has activation tanh\)$/);
  tanhActivity.dispose();
  tf.dispose([x, y]);
  withBatchNorm.dispose();
  frozen.dispose();
  tanh.dispose();
});

test('training a stack with Dropout, BatchNormalization and activity penalties on the lean path leaks no tensor', async () => {
  const x = tf.randomNormal([40, 6], 0, 1, 'float32', 30);
  const y = labels('softmax', 3, 40);
  const model = stack('softmax', 3, { batchNorm: true, outputActivity: true });
  // One step first: building optimizer state and kept scalars is not a leak; then count.
  await train(model, { train: { x, y } }, { epochs: 1, batchSize: 16, loss: 'categoricalCrossentropy' });
  const before = tf.memory().numTensors;
  const result = await train(model, { train: { x, y } }, { epochs: 3, batchSize: 16, loss: 'categoricalCrossentropy', evaluateEvery: 1 });
  expect(result.trainingPath).toBe('lean');
  expect(tf.memory().numTensors).toBe(before);
  tf.dispose([x, y]);
  model.dispose();
});

test('the Dropout multiplier drawn in JS is bit-identical to tfjs\'s dropout formula for the same Math.random draws and layer seeds', () => {
  // Exact equality: the JS path must reproduce tfjs's draws and float32 arithmetic, or lean and general paths drop different units.
  for (const rate of [0.3, 0.25, 0.5, 0.1, 0.9, 0.7, 1e-3]) {
    for (const seed of [undefined, 17]) {
      const shape = [151, 97];
      const keep = 1 - rate;
      const kept = tf.tidy(() => tf.div(tf.ones([1]), keep).dataSync()[0]);
      const draw = (js: boolean) => {
        const random = new SeededMathRandom(11);
        random.install();
        try {
          return tf.tidy(() => Array.from((js ? drawDropoutMultiplier(shape, rate, seed, kept) : tf.div(tf.floor(tf.add(tf.randomUniform(shape, 0, 1, 'float32', seed), keep)), keep)).dataSync()));
        } finally {
          random.release();
        }
      };
      const expected = draw(false);
      const actual = draw(true);
      expect(actual).toEqual(expected);
      // Both values occur (the mask is real): zeros about `rate` of the time.
      const zeros = expected.filter((value) => value === 0).length / expected.length;
      expect(Math.abs(zeros - rate)).toBeLessThan(0.08);
    }
  }
});
