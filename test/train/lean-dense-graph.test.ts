/**
 * The hand-written pass for functional Dense/Add graphs (lib/train/lean-dense-graph.ts) against
 * autodiff of the general path: a graph with a shared Dense layer called twice (its weight gradient
 * is the sum over both calls), a tensor used by two layers (fan-out), an Add of three tensors, L1,
 * L2 and L1L2 kernel and bias penalties, and each head: the objective and every gradient must equal
 * `tf.variableGrads` of `mean(loss(y, model.apply(x, {training: true}))) + trainingPenalty(model)`.
 *
 * Tolerance (|lean − autodiff| <= 2e-5·|autodiff| + 1e-6 per element, 1e-5 relative for the value):
 * float32, the same formulas with different kernels and summation order (as
 * test/train/lean-dense-stack.test.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { train } from '../../lib/train';
import { planLeanObjective } from '../../lib/train/fast-objective';
import { preparePenalties, trainingPenalty } from '../../lib/train/penalty';
import { resolveLoss } from '../../lib/train/loss-function';

type Head = 'softmax' | 'sigmoid' | 'linear';
const LOSS_OF: Record<Head, string> = { softmax: 'categoricalCrossentropy', sigmoid: 'binaryCrossentropy', linear: 'meanSquaredError' };

/**
 * x(6) → h = Dense(8, relu; kernel L1L2, bias L1); s = shared Dense(8, relu; kernel L2); a = s(h),
 * b = s(a); c = Dense(8, linear)(h) (h fans out to s and c); Add(a, b, c) → Dense(units, head; kernel L1, bias L2).
 */
function graph(head: Head, units: number): tf.LayersModel {
  const seeded = (seed: number) => tf.initializers.glorotUniform({ seed });
  const input = tf.input({ shape: [6] });
  const h = tf.layers.dense({ units: 8, activation: 'relu', kernelInitializer: seeded(1), biasInitializer: tf.initializers.constant({ value: 0.05 }), kernelRegularizer: tf.regularizers.l1l2({ l1: 1e-3, l2: 2e-3 }), biasRegularizer: tf.regularizers.l1({ l1: 1e-3 }) }).apply(input) as tf.SymbolicTensor;
  const shared = tf.layers.dense({ units: 8, activation: 'relu', kernelInitializer: seeded(2), biasInitializer: tf.initializers.constant({ value: 0.1 }), kernelRegularizer: tf.regularizers.l2({ l2: 1e-2 }) });
  const a = shared.apply(h) as tf.SymbolicTensor;
  const b = shared.apply(a) as tf.SymbolicTensor;
  const c = tf.layers.dense({ units: 8, kernelInitializer: seeded(3) }).apply(h) as tf.SymbolicTensor;
  const sum = tf.layers.add().apply([a, b, c]) as tf.SymbolicTensor;
  const output = tf.layers.dense({ units, activation: head, kernelInitializer: seeded(4), kernelRegularizer: tf.regularizers.l1({ l1: 1e-3 }), biasRegularizer: tf.regularizers.l2({ l2: 1e-3 }) }).apply(sum) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: output });
}

function labels(head: Head, units: number, count: number): tf.Tensor2D {
  return tf.tidy(() => {
    if (head === 'softmax') return tf.oneHot(tf.tensor1d(Array.from({ length: count }, (_, index) => index % units), 'int32'), units).toFloat() as tf.Tensor2D;
    if (head === 'sigmoid') return tf.cast(tf.greater(tf.randomUniform([count, units], 0, 1, 'float32', 31), 0.5), 'float32') as tf.Tensor2D;
    return tf.randomNormal([count, units], 0, 1, 'float32', 32) as tf.Tensor2D;
  });
}

describe.each([
  ['softmax + categorical cross-entropy, 3 classes', 'softmax', 3],
  ['sigmoid + binary cross-entropy, 2 units', 'sigmoid', 2],
  ['linear + mean squared error, 2 outputs', 'linear', 2],
] as const)('hand-written Dense graph: %s', (_name, head, units) => {
  test('the objective and every gradient equal autodiff of the general path (shared layer, fan-out, Add)', () => {
    const model = graph(head, units);
    const x = tf.randomNormal([12, 6], 0, 1, 'float32', 30);
    const y = labels(head, units, 12);
    preparePenalties(model);
    const loss = resolveLoss(model, LOSS_OF[head]);
    const variables = model.trainableWeights.map((weight) => weight.read() as tf.Variable);
    const plan = planLeanObjective(model, loss.name, loss.fn, { oneHotLabels: head === 'softmax' });
    expect(plan.reason).toBeUndefined();
    const read = (result: { value: tf.Scalar; grads: Record<string, tf.Tensor> }) => ({
      value: result.value.dataSync()[0],
      grads: Object.fromEntries(variables.map((variable) => [variable.name, Array.from(result.grads[variable.name].dataSync())])),
    });
    let general: ReturnType<typeof read> | undefined;
    let lean: ReturnType<typeof read> | undefined;
    tf.tidy(() => {
      general = read(tf.variableGrads(() => tf.add(tf.mean(loss.fn(y, model.apply(x, { training: true }) as tf.Tensor)), trainingPenalty(model)) as tf.Scalar, variables));
      lean = read(plan.objective!.valueAndGradients!(x, y));
    });
    plan.objective?.dispose();
    expect(Math.abs(lean!.value - general!.value)).toBeLessThanOrEqual(1e-5 * Math.abs(general!.value));
    const mismatches: string[] = [];
    let nonZero = 0;
    for (const variable of variables) {
      general!.grads[variable.name].forEach((expected, index) => {
        const actual = lean!.grads[variable.name][index];
        if (expected !== 0) nonZero++;
        if (!(Math.abs(actual - expected) <= 2e-5 * Math.abs(expected) + 1e-6)) mismatches.push(`${variable.name}[${index}]: lean ${actual} vs autodiff ${expected}`);
      });
    }
    expect(mismatches.slice(0, 8)).toEqual([]);
    expect(nonZero).toBeGreaterThan(100);
    tf.dispose([x, y]);
    model.dispose();
  });
});

test('train() takes the lean path for the graph and trains to the general path\'s losses and weights (3 epochs, Adam)', async () => {
  const x = tf.randomNormal([40, 6], 0, 1, 'float32', 40);
  const y = labels('softmax', 3, 40);
  const results = [];
  const weights: Float32Array[][] = [];
  for (const leanObjective of [true, false]) {
    const model = graph('softmax', 3);
    results.push(await train(model, { train: { x, y } }, { epochs: 3, batchSize: 16, loss: 'categoricalCrossentropy', optimizer: { name: 'adam', learningRate: 0.01 }, seed: 5, leanObjective }));
    weights.push(model.getWeights().map((weight) => weight.dataSync() as Float32Array));
    model.dispose();
  }
  tf.dispose([x, y]);
  const [lean, general] = results;
  expect([lean.trainingPath, lean.generalPathReason]).toEqual(['lean', undefined]);
  // Parity tolerance of test/train/lean-general-parity.test.ts: relative 1e-4, absolute 1e-5 (9 Adam steps).
  const close = (a: number, b: number) => Math.abs(a - b) <= 1e-4 * Math.abs(b) + 1e-5;
  lean.epochs.forEach((record, index) => expect(close(record.trainObjective!, general.epochs[index].trainObjective!)).toBe(true));
  const far: string[] = [];
  weights[0].forEach((values, w) => values.forEach((value, index) => {
    if (!close(value, weights[1][w][index])) far.push(`weight ${w}[${index}]: lean ${value} vs general ${weights[1][w][index]}`);
  }));
  expect(far.slice(0, 5)).toEqual([]);
});

test('graphs with other layers or activity penalties take the general path and say why', () => {
  const input = tf.input({ shape: [4] });
  const dropped = tf.layers.dropout({ rate: 0.5 }).apply(tf.layers.dense({ units: 3 }).apply(input)) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: tf.layers.dense({ units: 2, activation: 'softmax' }).apply(dropped) as tf.SymbolicTensor });
  const loss = resolveLoss(model, 'categoricalCrossentropy');
  const plan = planLeanObjective(model, loss.name, loss.fn, { oneHotLabels: true });
  expect(plan.objective).toBeNull();
  expect(plan.reason).toMatch(/layer #2 \(Dropout\) is a Dropout/);
  model.dispose();
});

test('a lean graph training run leaks no tensor', async () => {
  const x = tf.randomNormal([20, 6], 0, 1, 'float32', 60);
  const y = labels('softmax', 3, 20);
  const model = graph('softmax', 3);
  await train(model, { train: { x, y } }, { epochs: 1, batchSize: 8, loss: 'categoricalCrossentropy', seed: 1 });
  const before = tf.memory().numTensors;
  await train(model, { train: { x, y } }, { epochs: 2, batchSize: 8, loss: 'categoricalCrossentropy', seed: 2 });
  expect(tf.memory().numTensors).toBe(before);
  model.dispose();
  tf.dispose([x, y]);
});
