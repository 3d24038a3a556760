/**
 * Keras parity: every fixture in test/fixtures/keras/ (written by real Keras 3.15.1 / TensorFlow
 * 2.21.0, see generate_fixtures.py) is replayed through layerwise on the active backend, and the
 * penalties, the evaluate() loss, the loss of every training step, the per-epoch training losses
 * and the weights must agree.
 *
 * Tolerances (|ours - keras| <= relative * |keras| + absolute), chosen by how many optimizer steps
 * a value depends on:
 *  - At most one step (penalties per slot, evaluate loss and data loss, the loss of steps 1 and 2,
 *    the epoch loss when it is one of those, weights after the first optimizer step), for every
 *    optimizer, Adam and AdamW included: relative 1e-5, absolute 1e-6. Everything is float32; 1e-5
 *    relative is about 80 float32 ulps, room for the different summation orders of TF's and tfjs's
 *    reductions / matmuls over the few dozen terms these models have. The absolute floor is for
 *    values that are (nearly) 0 by cancellation, e.g. a weight w - lr*g that ends near 0 or a bias
 *    gradient: their error is that of the O(1) operands (|w| <= ~2, ulp(2) = 2.4e-7), so 1e-6 is a
 *    few ulps of the operands, while a relative bound on a near-0 result would be meaningless.
 *    Adam needs no exception: layerwise's LeanAdam (lib/optimizers/adam.ts) uses Keras 3's update,
 *    w -= lr_t * m / (sqrt(v) + eps) with lr_t = lr * sqrt(1 - beta2^t) / (1 - beta1^t), not tfjs's
 *    w -= lr * m_hat / (sqrt(v_hat) + eps).
 *  - More steps (later step and epoch losses, final weights, up to 10 steps): relative 1e-4,
 *    absolute 1e-5. Each step feeds the previous one's float32 rounding differences back in; the
 *    step map's Jacobian (1 + lr * curvature, lr = 0.05, curvature O(1)) amplifies them by at most
 *    a few per step, i.e. 1e-6 per step grows to ~1e-5 .. 5e-5 after 10 steps; Adam's steps
 *    lr_t * m / sqrt(v) do not shrink with the gradient, so a small per-step difference does not fade.
 * Step losses: Keras's are recovered from fit's running mean by the generator. With one step per
 * epoch, train's `trainObjective` of epoch k is step k's loss; with several (the partial-batch
 * cases, 3 steps per epoch) train reports no per-batch loss, so the steps are replayed one `train`
 * call per batch (exact for the stateless SGD those cases use; see stepLosses).
 * Measured worst |diff|/bound (PARITY_REPORT=1 prints it; tensorflow, cpu and wasm backends alike):
 * single-step bound 0.055 (AdamW weights after the first step), per-step losses within it 0.035;
 * 10-step bound 0.040 (Adam's final weights), per-step losses within it 0.008.
 * Every mismatch is listed with the case, the quantity, both values and the bound.
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../lib/backend';
import '../../lib/activity';
import { lossBreakdown, regularizationPenalty } from '../../lib/loss';
import { resolveWeightDecay, train, type EpochRecord, type TrainOptions, type TrainResult } from '../../lib/train';
import { loadFixtures, type KerasFixture, type WeightsJson } from './fixture';
import { buildModel, optimizerSpecOf, readWeights, tensorOf, weightDecayOf } from './replay';

interface Tolerance {
  /** How the PARITY_REPORT line names it. */
  name: string;
  relative: number;
  absolute: number;
}

const SINGLE_STEP: Tolerance = { name: 'single-step', relative: 1e-5, absolute: 1e-6 };
const AFTER_STEPS: Tolerance = { name: 'after-10-steps', relative: 1e-4, absolute: 1e-5 };

/** Keras loss names in the fixtures -> layerwise loss names. */
const LOSS: Record<string, string> = { mse: 'meanSquaredError' };

/** Worst |diff| / bound per tolerance class (per-step losses apart) over the whole run; printed when PARITY_REPORT=1 (to re-justify the bounds). */
const worstRatio = new Map<string, { ratio: number; where: string }>();

class Mismatches {
  readonly list: string[] = [];

  constructor(private readonly caseName: string) {}

  /** Compares one number; records a readable line when outside the bound. */
  number(quantity: string, ours: number, keras: number, tolerance: Tolerance): void {
    const bound = tolerance.relative * Math.abs(keras) + tolerance.absolute;
    const error = Math.abs(ours - keras);
    const group = `${tolerance.name} bound (relative ${tolerance.relative}, absolute ${tolerance.absolute})${quantity.startsWith('loss of step') ? ', per-step losses' : ''}`;
    const worst = worstRatio.get(group);
    if (worst == null || !(error / bound <= worst.ratio)) worstRatio.set(group, { ratio: error / bound, where: `${this.caseName}: ${quantity} (${ours} vs ${keras})` });
    if (!(error <= bound)) {
      this.list.push(`${this.caseName}: ${quantity}: layerwise ${ours} vs Keras ${keras} (|diff| ${error.toExponential(2)} > ${bound.toExponential(2)})`);
    }
  }

  keys(quantity: string, ours: string[], keras: string[]): void {
    const a = [...ours].sort().join(', ');
    const b = [...keras].sort().join(', ');
    if (a !== b) this.list.push(`${this.caseName}: ${quantity}: layerwise [${a}] vs Keras [${b}]`);
  }

  weights(quantity: string, model: tf.LayersModel, expected: WeightsJson, tolerance: Tolerance): void {
    const ours = readWeights(model, expected);
    for (const [layerName, weights] of Object.entries(expected)) {
      for (const weight of weights) {
        const values = ours[layerName][weight.name];
        weight.values.forEach((value, index) => this.number(`${quantity} ${layerName}/${weight.name}[${index}]`, values[index], value, tolerance));
      }
    }
  }
}

const fixtures = loadFixtures();
let backend = '';

beforeAll(async () => {
  backend = (await initBackend()).name;
});

afterAll(() => {
  if (process.env.PARITY_REPORT !== '1') return;
  for (const [group, worst] of [...worstRatio].sort()) {
    process.stdout.write(`parity worst |diff|/bound, ${group}: ${worst.ratio.toFixed(3)} at ${worst.where}\n`);
  }
});

test('the fixture set is complete and was generated by the pinned Keras', () => {
  const names = fixtures.map((fixture) => fixture.name);
  expect(names.length).toBeGreaterThanOrEqual(30);
  for (const fixture of fixtures) {
    expect(fixture.versions.keras).toBe('3.15.1');
    expect(fixture.versions.tensorflow).toBe('2.21.0');
  }
  // Coverage asked for by issue 5: every layer type and regularizer class, shared layers, partial batches, optimizers.
  const types = new Set(fixtures.flatMap((fixture) => fixture.model.layers.map((layer) => layer.type)));
  for (const type of ['Dense', 'Conv1D', 'Conv2D', 'DepthwiseConv2D', 'SeparableConv2D', 'Embedding', 'LSTM', 'GRU', 'BatchNormalization']) expect(types).toContain(type);
  const classes = new Set(
    fixtures.flatMap((fixture) => fixture.model.layers.flatMap((layer) => Object.values(layer.regularizers).map((config) => config?.class_name))),
  );
  for (const name of ['L1', 'L2', 'L1L2', 'OrthogonalRegularizer']) expect(classes).toContain(name);
  const optimizers = new Set(fixtures.map((fixture) => fixture.training?.optimizer.name));
  for (const name of ['sgd', 'momentum', 'adam', 'adamw']) expect(optimizers).toContain(name);
});

function penalties(fixture: KerasFixture, model: tf.LayersModel, check: Mismatches): void {
  const expected = fixture.penalties ?? {};
  const ours = tf.tidy(() => {
    const x = tensorOf(fixture.data.x);
    model.apply(x, { training: false });
    const { total, perLayer } = regularizationPenalty(model);
    return { total: total.dataSync()[0], perLayer: Object.fromEntries(Object.entries(perLayer).map(([key, value]) => [key, value.dataSync()[0]])) };
  });
  check.keys('penalty keys (layerName.slot)', Object.keys(ours.perLayer), Object.keys(expected));
  for (const [key, value] of Object.entries(expected)) {
    if (key in ours.perLayer) check.number(`penalty ${key}`, ours.perLayer[key], value, SINGLE_STEP);
  }
  check.number('penalty total (sum of model.losses)', ours.total, fixture.penaltyTotal ?? 0, SINGLE_STEP);
}

async function evaluate(fixture: KerasFixture, model: tf.LayersModel, check: Mismatches): Promise<void> {
  const expected = fixture.evaluate!;
  const x = tensorOf(fixture.data.x);
  const y = tensorOf(fixture.data.y);
  try {
    const breakdown = await lossBreakdown(model, x, y, { loss: LOSS[fixture.loss], batchSize: expected.batchSize });
    check.number(`evaluate() loss (batch ${expected.batchSize})`, breakdown.total, expected.loss, SINGLE_STEP);
    check.number('data loss', breakdown.dataLoss, expected.dataLoss, SINGLE_STEP);
  } finally {
    tf.dispose([x, y]);
  }
}

/**
 * The bound for a value that depends on `steps` optimizer steps: the single-step bound up to one
 * step (the initial loss, the weights and the loss after the first update), the 10-step bound after.
 */
function boundAfter(steps: number): Tolerance {
  return steps <= 1 ? SINGLE_STEP : AFTER_STEPS;
}

function trainOptions(fixture: KerasFixture, epochs: number): TrainOptions {
  const expected = fixture.training!;
  return {
    epochs,
    batchSize: expected.batchSize,
    shuffle: false,
    optimizer: optimizerSpecOf(expected.optimizer),
    weightDecay: expected.optimizer.weightDecay,
    loss: LOSS[fixture.loss],
  };
}

/**
 * Each step's loss (data + penalties at the weights before the step) against Keras's `stepLosses`.
 * One step per epoch: `trainObjective` of epoch k IS step k's loss. Several steps per epoch:
 * `train` reports no per-batch loss (BatchInfo carries none, to avoid a read-back per batch), so
 * the steps are replayed one `train` call per batch, in order, on a fresh copy of the model; each
 * call's one-epoch `trainObjective` is that step's objective as train computes it. This is the same
 * run only for an optimizer without state (plain SGD; decoupled decay is stateless too): momentum or
 * Adam restarted every call would not be, and such a fixture fails here naming what is missing.
 */
async function stepLosses(fixture: KerasFixture, epochObjectives: number[], check: Mismatches): Promise<void> {
  const expected = fixture.training!;
  const steps = expected.epochs * expected.stepsPerEpoch;
  if (expected.stepLosses.length !== steps) check.list.push(`${fixture.name}: Keras recorded ${expected.stepLosses.length} step losses, expected ${steps}`);
  if (expected.stepsPerEpoch === 1) {
    expected.stepLosses.forEach((keras, step) => check.number(`loss of step ${step + 1}`, epochObjectives[step] ?? NaN, keras, boundAfter(step)));
    return;
  }
  if (expected.optimizer.name !== 'sgd') {
    check.list.push(`${fixture.name}: per-step losses with ${expected.stepsPerEpoch} steps per epoch and the stateful ${expected.optimizer.name} optimizer need train() to report each batch's objective (BatchInfo has no loss)`);
    return;
  }
  const model = buildModel(fixture);
  const x = tensorOf(fixture.data.x);
  const y = tensorOf(fixture.data.y);
  const samples = x.shape[0];
  try {
    for (let step = 0; step < steps; step++) {
      const batch = step % expected.stepsPerEpoch;
      const start = batch * expected.batchSize;
      const size = Math.min(expected.batchSize, samples - start);
      const xBatch = tf.slice(x, start, size);
      const yBatch = tf.slice(y, start, size);
      try {
        const result = await train(model, { train: { x: xBatch, y: yBatch } }, { ...trainOptions(fixture, 1), batchSize: size });
        check.number(`loss of step ${step + 1} (epoch ${Math.floor(step / expected.stepsPerEpoch) + 1}, batch of ${size})`, result.epochs[0].trainObjective ?? NaN, expected.stepLosses[step], boundAfter(step));
      } finally {
        tf.dispose([xBatch, yBatch]);
      }
    }
    check.weights(`final weights of the step-by-step replay (${steps} steps)`, model, expected.finalWeights, AFTER_STEPS);
  } finally {
    tf.dispose([x, y]);
    model.dispose();
  }
}

async function training(fixture: KerasFixture, model: tf.LayersModel, check: Mismatches): Promise<void> {
  const expected = fixture.training!;
  const weightDecay = weightDecayOf(fixture);
  if (weightDecay != null) {
    // Keras's exclusion (`var_names=["bias"]`) must select exactly the weights layerwise's
    // single-number decay selects (kernels only): the documented equivalence the README relies on.
    const single = resolveWeightDecay(model, expected.optimizer.weightDecay).map((decayed) => decayed.name);
    check.keys('decayed weights (Keras exclude_from_weight_decay vs layerwise weightDecay: number)', single, Object.keys(weightDecay));
  }
  const x = tensorOf(fixture.data.x);
  const y = tensorOf(fixture.data.y);
  let afterFirst = false;
  let result: TrainResult;
  try {
    result = await train(model, { train: { x, y } }, {
      ...trainOptions(fixture, expected.epochs),
      onEpochEnd: (record: EpochRecord) => {
        if (record.epoch === 1) {
          check.weights('weights after epoch 1', model, expected.weightsAfterFirstEpoch, boundAfter(expected.stepsPerEpoch));
          afterFirst = true;
        }
      },
    });
  } finally {
    tf.dispose([x, y]);
  }
  expect(afterFirst).toBe(true);
  expect(result.epochs.map((record) => record.epoch)).toEqual(expected.epochLosses.map((_, index) => index + 1));
  const objectives = result.epochs.map((record) => record.trainObjective ?? NaN);
  objectives.forEach((objective, index) => {
    // Keras's fit logs Σ n_b·loss_b / Σ n_b (each batch weighted by its size, also a partial last one); so does trainObjective.
    // Epoch k's mean involves the losses at the weights after up to k·stepsPerEpoch - 1 steps.
    check.number(`fit loss of epoch ${index + 1}`, objective, expected.epochLosses[index], boundAfter((index + 1) * expected.stepsPerEpoch - 1));
  });
  check.weights(`final weights after ${expected.epochs * expected.stepsPerEpoch} steps`, model, expected.finalWeights, AFTER_STEPS);
  await stepLosses(fixture, objectives, check);
}

describe.each(fixtures.map((fixture) => [fixture.name, fixture] as const))('%s', (_name, fixture) => {
  test(fixture.description, async () => {
    const check = new Mismatches(`${fixture.name} [${backend}]`);
    if (fixture.expectedError) {
      // Keras refuses when it computes the penalty; layerwise refuses earlier, when the layer is
      // built, naming the layer, the slot, the weight's shape and the rank it needs.
      const [layerName, slot] = fixture.expectedError.where.split('.');
      const pattern = new RegExp(`${layerName}\\.${slot}Regularizer: the orthogonal regularizer needs a rank-2 weight .* ${slot} weight has shape \\[`);
      expect(() => buildModel(fixture).dispose()).toThrow(pattern);
      return;
    }
    // No difference is intended at present (fixture.ts); one the replay has no check for fails here.
    for (const difference of fixture.expectedDifferences ?? []) check.list.push(`${fixture.name}: expected difference ${difference.id} has no check in the replay`);
    const model = buildModel(fixture);
    try {
      penalties(fixture, model, check);
      await evaluate(fixture, model, check);
      if (fixture.training) await training(fixture, model, check);
    } finally {
      model.dispose();
    }
    expect(check.list).toEqual([]);
  });
});
