/**
 * The hand-written recurrent pass (lib/train/lean-recurrent-stack.ts) against autodiff of the
 * general path: for LSTM (fused BlockLSTMV2), GRU with resetAfter false (fused GRUBlockCell) and
 * GRU with resetAfter true (Keras 3's cell, lib/layers/gru.ts: GRUBlockCell with a widened input on
 * the native backend, written out per step elsewhere; `npm run test:cpu` runs the latter), with kernel,
 * recurrent (L2, or orthogonal for the LSTM), bias and activity penalties, each followed
 * by a Dense stack with Dropout, the objective and every gradient must equal `tf.variableGrads` of
 * `mean(loss(y, model.apply(x, {training: true}))) + trainingPenalty(model)` (what train() runs when
 * the lean path is off), with the same Math.random seed (so Dropout masks are the same draws).
 *
 * Tolerance (|lean − autodiff| <= 1e-4·|autodiff| + 1e-6 per element, 1e-5 relative for the value):
 * float32 with different kernels and summation order over 7 time steps: the fused cells compute
 * `[x, h]·[W; U]` as one matmul where tfjs adds `x·W` and `h·U`, and the weight gradients are
 * summed over the steps in one matmul where autodiff adds per-step products; each step's rounding
 * passes through the following steps (observed max relative difference ~1e-5).
 */
import * as tf from '@tensorflow/tfjs';
import { layers as layerwiseLayers } from '../../lib/layers';
import { createRegularizer, l1 as l1Spec, L1Regularizer, orthogonal } from '../../lib/regularizers';
import { train } from '../../lib/train';
import { planLeanObjective } from '../../lib/train/fast-objective';
import { preparePenalties, trainingPenalty } from '../../lib/train/penalty';
import { resolveLoss } from '../../lib/train/loss-function';
import { SeededMathRandom } from '../../lib/train/seeded-random';
import { nativeBackend } from '../../lib/backend/native-ops';

type Cell = 'lstm' | 'gru' | 'gru-reset-after';

const STEPS = 7;
const FEATURES = 4;
const UNITS = 5;
const native = () => nativeBackend() != null;

/**
 * `cell`(5 units; kernel L1L2, recurrent L2 (LSTM: orthogonal), bias L1, activity L1L2; seeded non-zero bias) on 7x4 sequences →
 * Dropout(0.2) → Dense(3, softmax; kernel L2) or Dense(1, sigmoid).
 */
function model(cell: Cell, head: 'softmax' | 'sigmoid', useBias = true): tf.Sequential {
  const common = {
    useBias,
    inputShape: [STEPS, FEATURES],
    units: UNITS,
    recurrentActivation: 'sigmoid' as const,
    kernelInitializer: tf.initializers.glorotUniform({ seed: 41 }),
    recurrentInitializer: tf.initializers.orthogonal({ seed: 42, gain: 1 }),
    biasInitializer: tf.initializers.randomNormal({ mean: 0, stddev: 0.3, seed: 43 }),
    kernelRegularizer: tf.regularizers.l1l2({ l1: 1e-3, l2: 2e-3 }),
    // The LSTM's is an orthogonal regularizer (no closed form in the pass: autodiff of the penalty alone).
    recurrentRegularizer: cell === 'lstm' ? createRegularizer(orthogonal({ factor: 0.1, mode: 'columns' })) : tf.regularizers.l2({ l2: 3e-3 }),
    biasRegularizer: new L1Regularizer(l1Spec({ l1: 1e-3 })),
    activityRegularizer: tf.regularizers.l1l2({ l1: 1e-2, l2: 2e-2 }),
  };
  const recurrent =
    // layerwise's factories: they set the activity regularizer, which tfjs's RNN constructors drop.
    cell === 'lstm' ? layerwiseLayers.lstm(common) : layerwiseLayers.gru({ ...common, resetAfter: cell === 'gru-reset-after' });
  return tf.sequential({
    layers: [
      recurrent,
      tf.layers.dropout({ rate: 0.2 }),
      tf.layers.dense({
        units: head === 'softmax' ? 3 : 1,
        activation: head,
        kernelInitializer: tf.initializers.glorotUniform({ seed: 44 }),
        kernelRegularizer: tf.regularizers.l2({ l2: 1e-3 }),
      }),
    ],
  });
}

function labels(head: 'softmax' | 'sigmoid', count: number): tf.Tensor2D {
  return tf.tidy(() => {
    if (head === 'softmax') return tf.oneHot(tf.tensor1d(Array.from({ length: count }, (_, index) => index % 3), 'int32'), 3).toFloat() as tf.Tensor2D;
    return tf.cast(tf.greater(tf.randomUniform([count, 1], 0, 1, 'float32', 31), 0.5), 'float32') as tf.Tensor2D;
  });
}

function withSeed<T>(seed: number, body: () => T): T {
  const random = new SeededMathRandom(seed);
  random.install();
  try {
    let out: T | undefined;
    tf.tidy(() => {
      out = body();
    });
    return out as T;
  } finally {
    random.release();
  }
}

function compare(cell: Cell, head: 'softmax' | 'sigmoid', useBias = true): void {
  const net = model(cell, head, useBias);
  const x = tf.randomNormal([6, STEPS, FEATURES], 0, 1, 'float32', 30);
  const y = labels(head, 6);
  preparePenalties(net);
  const loss = resolveLoss(net, head === 'softmax' ? 'categoricalCrossentropy' : 'binaryCrossentropy');
  const variables = net.trainableWeights.map((weight) => weight.read() as tf.Variable);
  const plan = planLeanObjective(net, loss.name, loss.fn, { oneHotLabels: head === 'softmax' });
  expect(plan.reason).toBeUndefined();
  const manual = plan.objective?.valueAndGradients;
  expect(manual).toBeDefined();
  expect(manual).not.toBeNull();
  const read = (result: { value: tf.Scalar; grads: Record<string, tf.Tensor> }) => ({
    value: result.value.dataSync()[0],
    grads: Object.fromEntries(variables.map((variable) => [variable.name, Array.from(result.grads[variable.name].dataSync())])),
  });
  const general = withSeed(7, () =>
    read(tf.variableGrads(() => tf.add(tf.mean(loss.fn(y, net.apply(x, { training: true }) as tf.Tensor)), trainingPenalty(net)) as tf.Scalar, variables)),
  );
  const lean = withSeed(7, () => read(manual!(x, y)));
  plan.objective?.dispose();
  expect(Math.abs(lean.value - general.value)).toBeLessThanOrEqual(1e-5 * Math.abs(general.value));
  const mismatches: string[] = [];
  let nonZero = 0;
  for (const variable of variables) {
    const expected = general.grads[variable.name];
    const actual = lean.grads[variable.name];
    expect(actual.length).toBe(expected.length);
    expected.forEach((value, index) => {
      if (value !== 0) nonZero++;
      if (!(Math.abs(actual[index] - value) <= 1e-4 * Math.abs(value) + 1e-6)) mismatches.push(`${variable.name}[${index}]: lean ${actual[index]} vs autodiff ${value}`);
    });
  }
  expect(mismatches.slice(0, 8)).toEqual([]);
  // The comparison means something: the recurrent and Dense gradients are not all zero.
  expect(nonZero).toBeGreaterThan(100);
  tf.dispose([x, y]);
  net.dispose();
}

describe.each([
  ['LSTM (fused BlockLSTMV2)', 'lstm', true],
  ['GRU, resetAfter false (fused GRUBlockCell)', 'gru', true],
  // On the native backend, GRUBlockCell with a widened input; elsewhere written out.
  ['GRU, resetAfter true (Keras 3 cell)', 'gru-reset-after', false],
] as const)('hand-written recurrent stack: %s', (_name, cell, needsNative) => {
  // Read when the test runs: test/setup-backend.ts picks the backend before each file's tests.
  const available = () => !needsNative || native();
  test.each(['softmax', 'sigmoid'] as const)('%s head: the objective and every gradient equal autodiff of the general path', (head) => {
    if (!available()) {
      // Off the native backend the fused kernels are missing: the general path, with the reason.
      const net = model(cell, head);
      const loss = resolveLoss(net, head === 'softmax' ? 'categoricalCrossentropy' : 'binaryCrossentropy');
      const plan = planLeanObjective(net, loss.name, loss.fn, { oneHotLabels: head === 'softmax' });
      expect(plan.reason).toMatch(/needs the native backend's fused (LSTM|GRU) kernels/);
      net.dispose();
      return;
    }
    compare(cell, head);
  });

  test('train() takes the lean path and trains to the general path\'s losses and weights (3 epochs, Adam, shuffled)', async () => {
    const x = tf.randomNormal([40, STEPS, FEATURES], 0, 1, 'float32', 50);
    const y = labels('softmax', 40);
    const results = [];
    const weights: Float32Array[][] = [];
    for (const leanObjective of [true, false]) {
      const net = model(cell, 'softmax');
      results.push(await train(net, { train: { x, y } }, { epochs: 3, batchSize: 16, loss: 'categoricalCrossentropy', optimizer: { name: 'adam', learningRate: 0.01 }, seed: 5, leanObjective }));
      weights.push(net.getWeights().map((weight) => weight.dataSync() as Float32Array));
      net.dispose();
    }
    tf.dispose([x, y]);
    const [lean, general] = results;
    expect(lean.trainingPath).toBe(available() ? 'lean' : 'general');
    expect(general.trainingPath).toBe('general');
    // Parity tolerance of test/train/lean-general-parity.test.ts: relative 1e-4, absolute 1e-5 (9 Adam steps).
    const close = (a: number, b: number) => Math.abs(a - b) <= 1e-4 * Math.abs(b) + 1e-5;
    lean.epochs.forEach((record, index) => {
      expect(close(record.trainObjective!, general.epochs[index].trainObjective!)).toBe(true);
    });
    const far: string[] = [];
    weights[0].forEach((values, w) => values.forEach((value, index) => {
      if (!close(value, weights[1][w][index])) far.push(`weight ${w}[${index}]: lean ${value} vs general ${weights[1][w][index]}`);
    }));
    expect(far.slice(0, 5)).toEqual([]);
  });
});

test.each(['lstm', 'gru', 'gru-reset-after'] as const)('%s without bias: the objective and every gradient equal autodiff of the general path', (cell) => {
  // The fused cells get zero biases (the reset-after GRU's ones column carries a zero row): still the general path's numbers.
  if (cell !== 'gru-reset-after' && !native()) return;
  compare(cell, 'softmax', false);
});

test.each([
  [1, 3, 4],
  [2, 1, 16],
  [5, 7, 33],
])('reset-after GRU over %i time step(s), batch %i, %i units: the objective and every gradient equal autodiff of the general path', (steps, batch, units) => {
  // Edge shapes of the per-step bookkeeping: one step (nothing to concatenate), a batch of one, and
  // widths whose rows are not 64-byte aligned (TensorFlow's row Split copies instead of viewing).
  const net = tf.sequential({
    layers: [
      layerwiseLayers.gru({ inputShape: [steps, FEATURES], units, recurrentActivation: 'sigmoid', resetAfter: true, biasInitializer: tf.initializers.randomNormal({ mean: 0, stddev: 0.3, seed: 8 }) }),
      tf.layers.dense({ units: 3, activation: 'softmax' }),
    ],
  });
  preparePenalties(net);
  const loss = resolveLoss(net, 'categoricalCrossentropy');
  const plan = planLeanObjective(net, loss.name, loss.fn, { oneHotLabels: true });
  expect(plan.reason).toBeUndefined();
  const x = tf.randomNormal([batch, steps, FEATURES], 0, 1, 'float32', 9);
  const y = labels('softmax', batch);
  const variables = net.trainableWeights.map((weight) => weight.read() as tf.Variable);
  const read = (result: { value: tf.Scalar; grads: Record<string, tf.Tensor> }) => ({
    value: result.value.dataSync()[0],
    grads: variables.map((variable) => Array.from(result.grads[variable.name].dataSync())),
  });
  const general = tf.tidy(() => read(tf.variableGrads(() => tf.add(tf.mean(loss.fn(y, net.apply(x, { training: true }) as tf.Tensor)), trainingPenalty(net)) as tf.Scalar, variables)));
  const lean = tf.tidy(() => read(plan.objective!.valueAndGradients!(x, y)));
  plan.objective!.dispose();
  // The file's tolerances (top comment).
  expect(Math.abs(lean.value - general.value)).toBeLessThanOrEqual(1e-5 * Math.abs(general.value));
  const far: string[] = [];
  general.grads.forEach((values, w) => values.forEach((value, index) => {
    if (!(Math.abs(lean.grads[w][index] - value) <= 1e-4 * Math.abs(value) + 1e-6)) far.push(`weight ${w}[${index}]: lean ${lean.grads[w][index]} vs autodiff ${value}`);
  }));
  expect(far.slice(0, 5)).toEqual([]);
  tf.dispose([x, y]);
  net.dispose();
});

test('the reset-after GRU on the native backend issues 9 kernels per time step (6 forward, 3 back) plus a fixed number per batch', () => {
  if (!native()) return;
  // Counts every eager kernel call of one valueAndGradients through tfjs-node's binding (as
  // test/train/profile-step.ts does): the difference between 14 and 7 time steps is 7 steps' worth,
  // whatever the fixed per-batch work (weight assembly, the all-steps products, the Dense head).
  const backend = tf.engine().backend as unknown as { binding: { executeOp: (...args: unknown[]) => unknown } };
  const original = backend.binding;
  let calls = 0;
  const counting = Object.create(original) as { executeOp: (...args: unknown[]) => unknown };
  Object.defineProperty(counting, 'executeOp', { value: (...args: unknown[]) => { calls++; return original.executeOp(...args); } });
  const callsFor = (steps: number): number => {
    const net = tf.sequential({
      layers: [
        layerwiseLayers.gru({ inputShape: [steps, FEATURES], units: 8, recurrentActivation: 'sigmoid', resetAfter: true }),
        tf.layers.dense({ units: 3, activation: 'softmax' }),
      ],
    });
    const loss = resolveLoss(net, 'categoricalCrossentropy');
    const plan = planLeanObjective(net, loss.name, loss.fn, { oneHotLabels: true });
    expect(plan.reason).toBeUndefined();
    const x = tf.randomNormal([6, steps, FEATURES], 0, 1, 'float32', 3);
    const y = labels('softmax', 6);
    // One untimed call first: kept tensors (zeros, identity, ones) are made once per objective.
    tf.tidy(() => { plan.objective!.valueAndGradients!(x, y); });
    backend.binding = counting;
    calls = 0;
    try {
      tf.tidy(() => { plan.objective!.valueAndGradients!(x, y); });
    } finally {
      backend.binding = original;
    }
    plan.objective!.dispose();
    tf.dispose([x, y]);
    net.dispose();
    return calls;
  };
  const short = callsFor(7);
  const long = callsFor(14);
  expect(long - short).toBe(9 * 7);
  // The written-out step was 12 kernels forward and 3 back (~557 calls a batch at 32 steps on the bench zoo GRU); now ~363, of which ~53 fixed.
  expect(short).toBeLessThan(9 * 7 + 80);
});

test('recurrent layers the pass does not cover take the general path and say why', () => {
  const cases: Array<[tf.layers.Layer, RegExp]> = [
    [tf.layers.lstm({ inputShape: [STEPS, FEATURES], units: 3, recurrentActivation: 'hardSigmoid' }), /recurrent activation hardSigmoid/],
    [tf.layers.gru({ inputShape: [STEPS, FEATURES], units: 3, recurrentActivation: 'sigmoid', dropout: 0.1 }), /has dropout/],
    [tf.layers.lstm({ inputShape: [STEPS, FEATURES], units: 3, recurrentActivation: 'sigmoid', goBackwards: true }), /reversed or stateful/],
  ];
  for (const [layer, reason] of cases) {
    const net = tf.sequential({ layers: [layer, tf.layers.dense({ units: 2, activation: 'softmax' })] });
    const loss = resolveLoss(net, 'categoricalCrossentropy');
    const plan = planLeanObjective(net, loss.name, loss.fn, { oneHotLabels: true });
    expect(plan.objective).toBeNull();
    expect(plan.reason).toMatch(reason);
    net.dispose();
  }
});

test('a lean recurrent training run leaks no tensor', async () => {
  const x = tf.randomNormal([20, STEPS, FEATURES], 0, 1, 'float32', 60);
  const y = labels('softmax', 20);
  for (const cell of ['lstm', 'gru', 'gru-reset-after'] as const) {
    const net = model(cell, 'softmax');
    await train(net, { train: { x, y } }, { epochs: 1, batchSize: 8, loss: 'categoricalCrossentropy', seed: 1 });
    const before = tf.memory().numTensors;
    await train(net, { train: { x, y } }, { epochs: 2, batchSize: 8, loss: 'categoricalCrossentropy', seed: 2 });
    expect(tf.memory().numTensors).toBe(before);
    net.dispose();
  }
  tf.dispose([x, y]);
});
