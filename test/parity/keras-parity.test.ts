/**
 * Keras parity: every fixture in test/fixtures/keras/ (written by real Keras 3.15.1 / TensorFlow
 * 2.21.0, see generate_fixtures.py) is replayed through layerwise on the active backend, and the
 * penalties, the evaluate() loss, the per-epoch training losses and the weights must agree.
 *
 * Tolerances (|ours - keras| <= relative * |keras| + absolute):
 *  - Single-step values (penalties per slot, evaluate loss and data loss, first-epoch loss, weights
 *    after the first optimizer step): relative 1e-5, absolute 1e-6. Everything is float32; 1e-5
 *    relative is about 80 float32 ulps, room for the different summation orders of TF's and tfjs's
 *    reductions / matmuls over the few dozen terms these models have. The absolute floor is for
 *    values that are (nearly) 0 by cancellation, e.g. a weight w - lr*g that ends near 0 or a bias
 *    gradient: their error is that of the O(1) operands (|w| <= ~2, ulp(2) = 2.4e-7), so 1e-6 is a
 *    few ulps of the operands, while a relative bound on a near-0 result would be meaningless.
 *  - After 10 steps (later epoch losses, final weights): relative 1e-4, absolute 1e-5. Each step
 *    feeds the previous one's float32 rounding differences back in; the step map's Jacobian
 *    (1 + lr * curvature, lr = 0.05, curvature O(1)) amplifies them by at most a few per step,
 *    i.e. 1e-6 per step grows to ~1e-5 .. 5e-5 after 10 steps. Adam additionally differs by
 *    design (below), and its steps lr * m/sqrt(v) do not shrink with the gradient, so a small
 *    per-step difference does not fade.
 *  - Adam: tfjs computes w -= lr * m_hat / (sqrt(v_hat) + eps); Keras 3 computes
 *    w -= lr_t * m / (sqrt(v) + eps) with lr_t = lr * sqrt(1 - beta2^t) / (1 - beta1^t), which is
 *    tfjs's formula with eps replaced by eps / sqrt(1 - beta2^t) (31.6 eps at t = 1). One step's
 *    relative difference is about 3.2e-6 / |g| at t = 1 (lr 0.01, |g| ~ 0.015 gives 2e-6 on a
 *    weight of 0.23, 8.6e-6 relative): the Adam fixtures carry the `adam_epsilon` expected
 *    difference and are held to the after-10-steps bound from the first step on.
 * Measured (tensorflow, cpu and wasm backends alike; PARITY_REPORT=1 prints it): worst |diff|/bound
 * is 0.03 for single-step values and 0.004 after 10 steps without Adam; with Adam 0.6 of the
 * single-step bound after one step (the epsilon placement) and 0.43 of the 10-step bound.
 * Every mismatch is listed with the case, the quantity, both values and the bound.
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../lib/backend';
import '../../lib/activity';
import { lossBreakdown, regularizationPenalty } from '../../lib/loss';
import { resolveWeightDecay, train, type EpochRecord } from '../../lib/train';
import { loadFixtures, type KerasFixture, type WeightsJson } from './fixture';
import { buildModel, optimizerSpecOf, readWeights, tensorOf, weightDecayOf } from './replay';

interface Tolerance {
  relative: number;
  absolute: number;
}

const SINGLE_STEP: Tolerance = { relative: 1e-5, absolute: 1e-6 };
const AFTER_STEPS: Tolerance = { relative: 1e-4, absolute: 1e-5 };

/** Keras loss names in the fixtures -> layerwise loss names. */
const LOSS: Record<string, string> = { mse: 'meanSquaredError' };

/** Worst |diff| / bound per tolerance class over the whole run; printed when PARITY_REPORT=1 (to re-justify the bounds). */
const worstRatio = new Map<Tolerance, { ratio: number; where: string }>();

class Mismatches {
  readonly list: string[] = [];

  constructor(private readonly caseName: string) {}

  /** Compares one number; records a readable line when outside the bound. */
  number(quantity: string, ours: number, keras: number, tolerance: Tolerance): void {
    const bound = tolerance.relative * Math.abs(keras) + tolerance.absolute;
    const error = Math.abs(ours - keras);
    const worst = worstRatio.get(tolerance);
    if (worst == null || error / bound > worst.ratio) worstRatio.set(tolerance, { ratio: error / bound, where: `${this.caseName}: ${quantity} (${ours} vs ${keras})` });
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
  for (const [tolerance, worst] of worstRatio) {
    process.stdout.write(`parity worst |diff|/bound for rel ${tolerance.relative} abs ${tolerance.absolute}: ${worst.ratio.toFixed(3)} at ${worst.where}\n`);
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

async function training(fixture: KerasFixture, model: tf.LayersModel, check: Mismatches): Promise<void> {
  const expected = fixture.training!;
  const differences = new Set((fixture.expectedDifferences ?? []).map((difference) => difference.id));
  // Adam's epsilon placement differs by design (file comment), so its first step gets the looser bound too.
  const firstStep = differences.has('adam_epsilon') ? AFTER_STEPS : SINGLE_STEP;
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
  try {
    const result = await train(model, { train: { x, y } }, {
      epochs: expected.epochs,
      batchSize: expected.batchSize,
      shuffle: false,
      optimizer: optimizerSpecOf(expected.optimizer),
      weightDecay: expected.optimizer.weightDecay,
      loss: LOSS[fixture.loss],
      onEpochEnd: (record: EpochRecord) => {
        if (record.epoch === 1) {
          check.weights('weights after epoch 1', model, expected.weightsAfterFirstEpoch, expected.stepsPerEpoch === 1 ? firstStep : AFTER_STEPS);
          afterFirst = true;
        }
      },
    });
    expect(afterFirst).toBe(true);
    expect(result.epochs.map((record) => record.epoch)).toEqual(expected.epochLosses.map((_, index) => index + 1));
    result.epochs.forEach((record, index) => {
      const tolerance = index === 0 && expected.stepsPerEpoch === 1 ? firstStep : AFTER_STEPS;
      // Keras's fit logs Σ n_b·loss_b / Σ n_b (each batch weighted by its size, also a partial last one); so does trainObjective.
      check.number(`fit loss of epoch ${index + 1}`, record.trainObjective ?? NaN, expected.epochLosses[index], tolerance);
    });
    check.weights(`final weights after ${expected.epochs * expected.stepsPerEpoch} steps`, model, expected.finalWeights, AFTER_STEPS);
  } finally {
    tf.dispose([x, y]);
  }
}

describe.each(fixtures.map((fixture) => [fixture.name, fixture] as const))('%s', (_name, fixture) => {
  test(fixture.description, async () => {
    const check = new Mismatches(`${fixture.name} [${backend}]`);
    if (fixture.expectedError) {
      // Keras refuses when it computes the penalty; layerwise must refuse too, naming the rank.
      const model = buildModel(fixture);
      try {
        expect(() =>
          tf.tidy(() => {
            model.apply(tensorOf(fixture.data.x), { training: false });
            regularizationPenalty(model);
          }),
        ).toThrow(/rank 2/);
      } finally {
        model.dispose();
      }
      return;
    }
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
