/**
 * Layers the taped lean objective runs through their own training-mode call (Dropout,
 * BatchNormalization, Conv1D, 1D/2D pooling; lib/train/fast-objective.ts `LAYER_CALL_CLASSES`)
 * inside stacks that otherwise use the lean kernels (Conv2D with fused pooling, Dense with the fused
 * softmax cross-entropy): the objective and its gradients must equal `tf.variableGrads` of the
 * general path's objective (`model.apply` + loss + `trainingPenalty`) with the same Math.random
 * seed (so Dropout draws the same masks), and BatchNormalization's moving statistics must move the
 * same way.
 *
 * Tolerance: per element |lean − autodiff| <= 2e-5·|autodiff| + 1e-6, the value within 1e-5
 * relative: float32 with different kernels and summation order (fused MatMul+BiasAdd, pooling
 * before bias and ReLU, SoftmaxCrossEntropyWithLogits, L2Loss).
 */
import * as tf from '@tensorflow/tfjs';
import { train } from '../../lib/train';
import { planLeanObjective } from '../../lib/train/fast-objective';
import { resolveLoss } from '../../lib/train/loss-function';
import { preparePenalties, trainingPenalty } from '../../lib/train/penalty';
import { SeededMathRandom } from '../../lib/train/seeded-random';

/** Two conv blocks with BatchNorm and Dropout (the zoo's CNN shape, scaled down): Conv-BN-ReLU-Pool, Conv-Pool-Dropout, Dense. */
function cnnWithBatchNorm(): tf.Sequential {
  const l2 = () => tf.regularizers.l2({ l2: 1e-3 });
  return tf.sequential({
    layers: [
      // No bias before BatchNorm (as usual): its gradient is 0 up to rounding, which Adam would scale up to full steps.
      tf.layers.conv2d({ inputShape: [8, 8, 1], filters: 3, kernelSize: 3, padding: 'same', useBias: false, kernelInitializer: tf.initializers.glorotUniform({ seed: 51 }), kernelRegularizer: l2() }),
      tf.layers.batchNormalization({ gammaInitializer: tf.initializers.constant({ value: 1.2 }), gammaRegularizer: tf.regularizers.l2({ l2: 1e-2 }) }),
      tf.layers.activation({ activation: 'relu' }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.conv2d({ filters: 4, kernelSize: 3, activation: 'relu', padding: 'same', kernelInitializer: tf.initializers.glorotUniform({ seed: 52 }), kernelRegularizer: l2() }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.dropout({ rate: 0.25 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: 53 }), kernelRegularizer: l2() }),
    ],
  });
}

/** Conv1D on sequences: Conv1D(relu, L1L2)-MaxPooling1D-Conv1D(relu)-GlobalAveragePooling1D-Dropout-Dense(softmax). */
function conv1dModel(): tf.Sequential {
  return tf.sequential({
    layers: [
      tf.layers.conv1d({ inputShape: [12, 2], filters: 4, kernelSize: 3, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 61 }), kernelRegularizer: tf.regularizers.l1l2({ l1: 1e-3, l2: 1e-3 }) }),
      tf.layers.maxPooling1d({ poolSize: 2 }),
      tf.layers.conv1d({ filters: 5, kernelSize: 2, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 62 }), biasInitializer: tf.initializers.constant({ value: 0.05 }) }),
      tf.layers.globalAveragePooling1d(),
      tf.layers.dropout({ rate: 0.2 }),
      tf.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: 63 }) }),
    ],
  });
}

function oneHot(count: number): tf.Tensor2D {
  return tf.tidy(() => tf.oneHot(tf.tensor1d(Array.from({ length: count }, (_, index) => index % 3), 'int32'), 3).toFloat() as tf.Tensor2D);
}

/** Objective and gradients by autodiff of the general path or of the lean plan's taped objective, with `seed` as Math.random. */
function objectiveAndGradients(model: tf.LayersModel, x: tf.Tensor, y: tf.Tensor, lean: boolean, seed: number): { value: number; grads: Record<string, number[]> } {
  preparePenalties(model);
  const loss = resolveLoss(model, 'categoricalCrossentropy');
  const variables = model.trainableWeights.map((weight) => weight.read() as tf.Variable);
  const plan = lean ? planLeanObjective(model, loss.name, loss.fn, { oneHotLabels: true }) : null;
  if (lean) expect(plan?.reason).toBeUndefined();
  const random = new SeededMathRandom(seed);
  random.install();
  try {
    let out: { value: number; grads: Record<string, number[]> } | undefined;
    tf.tidy(() => {
      const f = plan?.objective != null
        ? () => plan.objective!.objective(x, y)
        : () => tf.add(tf.mean(loss.fn(y, model.apply(x, { training: true }) as tf.Tensor)), trainingPenalty(model)) as tf.Scalar;
      const { value, grads } = tf.variableGrads(f, variables);
      out = { value: value.dataSync()[0], grads: Object.fromEntries(variables.map((variable) => [variable.name, Array.from(grads[variable.name].dataSync())])) };
    });
    return out!;
  } finally {
    random.release();
    plan?.objective?.dispose();
  }
}

describe.each([
  ['CNN conv-BatchNorm-relu-pool, conv-pool-Dropout, Dense(softmax)', cnnWithBatchNorm, [8, 8, 1]],
  ['Conv1D-MaxPooling1D-Conv1D-GlobalAveragePooling1D-Dropout-Dense(softmax)', conv1dModel, [12, 2]],
] as const)('lean objective with layer calls: %s', (_name, build, shape) => {
  test('is planned, and its objective and gradients equal autodiff of the general path (same dropout masks)', () => {
    const x = tf.randomNormal([10, ...shape], 0, 1, 'float32', 70);
    const y = oneHot(10);
    const model = build();
    const general = objectiveAndGradients(model, x, y, false, 4);
    const lean = objectiveAndGradients(model, x, y, true, 4);
    expect(Math.abs(lean.value - general.value)).toBeLessThanOrEqual(1e-5 * Math.abs(general.value));
    const mismatches: string[] = [];
    let nonZero = 0;
    for (const [name, values] of Object.entries(general.grads)) {
      values.forEach((expected, index) => {
        if (expected !== 0) nonZero++;
        const actual = lean.grads[name][index];
        if (!(Math.abs(actual - expected) <= 2e-5 * Math.abs(expected) + 1e-6)) mismatches.push(`${name}[${index}]: lean ${actual} vs autodiff ${expected}`);
      });
    }
    expect(mismatches.slice(0, 8)).toEqual([]);
    expect(nonZero).toBeGreaterThan(20);
    // A different seed draws other dropout masks: the objective changes (the dropout is real).
    expect(objectiveAndGradients(model, x, y, true, 5).value).not.toBe(lean.value);
    tf.dispose([x, y]);
    model.dispose();
  });

  test('train() takes the lean path and trains to the same objectives and weights (BatchNorm statistics included) as the general path', async () => {
    const x = tf.randomNormal([24, ...shape], 0, 1, 'float32', 71);
    const y = oneHot(24);
    const results = [];
    const weights: number[][][] = [];
    for (const leanObjective of [true, false]) {
      const model = build();
      results.push(await train(model, { train: { x, y } }, { epochs: 3, batchSize: 8, seed: 6, loss: 'categoricalCrossentropy', optimizer: { name: 'adam', learningRate: 0.01 }, leanObjective }));
      weights.push(model.getWeights().map((weight) => Array.from(weight.dataSync())));
      model.dispose();
    }
    tf.dispose([x, y]);
    const [lean, general] = results;
    expect([lean.trainingPath, lean.generalPathReason]).toEqual(['lean', undefined]);
    // The parity test's tolerance (test/train/lean-general-parity.test.ts): 1e-4 relative + 1e-5 over 9 steps.
    const close = (a: number, b: number) => Math.abs(a - b) <= 1e-4 * Math.abs(b) + 1e-5;
    const mismatches: string[] = [];
    lean.epochs.forEach((record, index) => !close(record.trainObjective!, general.epochs[index].trainObjective!) && mismatches.push(`epoch ${index + 1}: ${record.trainObjective} vs ${general.epochs[index].trainObjective}`));
    if (!close(lean.final.train.loss, general.final.train.loss)) mismatches.push(`final loss ${lean.final.train.loss} vs ${general.final.train.loss}`);
    weights[0].forEach((values, i) => values.forEach((value, j) => !close(value, weights[1][i][j]) && mismatches.push(`weight ${i}[${j}]: ${value} vs ${weights[1][i][j]}`)));
    expect(mismatches.slice(0, 5)).toEqual([]);
  });
});

test('layers outside the lean path still name themselves in the reason (an LSTM)', () => {
  const model = tf.sequential({ layers: [tf.layers.lstm({ inputShape: [5, 2], units: 3 }), tf.layers.dense({ units: 3, activation: 'softmax' })] });
  const loss = resolveLoss(model, 'categoricalCrossentropy');
  const plan = planLeanObjective(model, loss.name, loss.fn, { oneHotLabels: true });
  expect(plan.objective).toBeNull();
  expect(plan.reason).toMatch(/^layer #0 is a LSTM; the lean path covers Dense, Conv2D, MaxPooling2D, Flatten and Dropout, BatchNormalization, Activation, Conv1D/);
  model.dispose();
});
