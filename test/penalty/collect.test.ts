/**
 * lib/penalty, the one home of penalties: weight penalties once per variable (found from the
 * model's layers and weights), custom `addLoss` losses exactly as added (once per call node, even
 * when the closure reads exactly one weight: no guessing from what a closure reads), activity
 * penalties per call. Expected values are hand computed (L2 = l2 * sum(w^2), weights of ones);
 * tolerance 1e-5 (float32 sums of a few terms).
 */
import * as tf from '@tensorflow/tfjs';
import { carryActivityRegularizer } from '../../lib/activity';
import { layers } from '../../lib/layers';
import { collectPenalties, fitLosses, lossClosureKind, regularizationPenalty } from '../../lib/penalty';
import { l2 } from '../../lib/regularizers';

const DIGITS = 5;

function sum(values: tf.Scalar[]): number {
  const total = values.reduce((acc, value) => acc + value.dataSync()[0], 0);
  tf.dispose(values);
  return total;
}

/** A custom layer whose own `addLoss` closure reads exactly one weight (`3 * sum(w)`), plus a regularized weight named `scale` (no tfjs slot name). */
class OneWeightLossLayer extends tf.layers.Layer {
  static className = 'LayerwiseTestOneWeightLoss';
  private weight: tf.LayerVariable | null = null;

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const units = (inputShape as tf.Shape)[1] as number;
    this.weight = this.addWeight('scale', [units], 'float32', tf.initializers.ones(), tf.regularizers.l2({ l2: 0.25 }));
    const weight = this.weight;
    this.addLoss(() => tf.mul(3, tf.sum(weight.read())) as tf.Scalar);
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.mul(Array.isArray(inputs) ? inputs[0] : inputs, this.weight!.read());
  }
}

function twiceCalledCustomModel(): tf.LayersModel {
  const input = tf.input({ shape: [2] });
  const custom = new OneWeightLossLayer({});
  const output = custom.apply(custom.apply(input)) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: output });
}

describe('loss closures', () => {
  it("are told apart by what they are, not by what they read: tfjs's weight penalty, a carried activity loss, the user's", () => {
    const dense = tf.layers.dense({ units: 1, inputShape: [2], kernelRegularizer: tf.regularizers.l2({ l2: 0.1 }) });
    dense.build([null, 2]);
    expect(dense.losses.map(lossClosureKind)).toEqual(['weight-penalty']);
    const carried = carryActivityRegularizer(tf.layers.dense({ units: 1, activityRegularizer: tf.regularizers.l2({ l2: 0.1 }) }));
    expect(carried.losses.map(lossClosureKind)).toEqual(['activity']);
    const custom = new OneWeightLossLayer({});
    custom.build([null, 2]);
    // addWeight's penalty of `scale`, then the user's closure (which also reads exactly one weight).
    expect(custom.losses.map(lossClosureKind)).toEqual(['weight-penalty', 'user-loss']);
    [...dense.weights, ...custom.weights].forEach((weight) => weight.dispose());
  });
});

describe('collectPenalties', () => {
  it("counts a user's addLoss once per call even when it reads one weight, and the custom weight's penalty once", () => {
    const model = twiceCalledCustomModel();
    const parts = collectPenalties(model);
    const byKind = (kind: string): number[] => parts.filter((part) => part.kind === kind).map((part) => part.value.dataSync()[0]);
    // user's loss 3 * (1 + 1) = 6, twice (two calls); the weight penalty 0.25 * 2 = 0.5, once.
    expect(byKind('user-loss')).toEqual([expect.closeTo(6, DIGITS), expect.closeTo(6, DIGITS)]);
    expect(byKind('weight')).toEqual([expect.closeTo(0.5, DIGITS)]);
    expect(parts.every((part) => part.key.endsWith('.other'))).toBe(true);
    tf.dispose(parts.map((part) => part.value));
    // tfjs's fit would count both closures twice (6 + 0.5) * 2 = 13; Keras semantics: 12.5.
    expect(sum(fitLosses(model))).toBeCloseTo(12.5, DIGITS);
    model.dispose();
  });

  it('counts a shared layer once, an RNN cell under its layer, and frozen weights only when asked', () => {
    const left = tf.input({ shape: [4, 2] });
    const shared = layers.dense({ units: 3, useBias: false, kernelInitializer: 'ones', kernelRegularizer: l2({ l2: 0.1 }), name: 'shared' });
    const lstm = layers.lstm({ units: 3, kernelInitializer: 'ones', kernelRegularizer: l2({ l2: 0.01 }), name: 'lstm' });
    const frozen = layers.dense({ units: 1, kernelInitializer: 'ones', kernelRegularizer: l2({ l2: 1 }), trainable: false, name: 'frozen' });
    const sequence = lstm.apply(left) as tf.SymbolicTensor;
    const output = frozen.apply(shared.apply(shared.apply(sequence))) as tf.SymbolicTensor;
    const model = tf.model({ inputs: left, outputs: output });
    const keras = regularizationPenalty(model);
    const perLayer = Object.fromEntries(Object.entries(keras.perLayer).map(([key, value]) => [key, value.dataSync()[0]]));
    expect(Object.keys(perLayer).sort()).toEqual(['lstm.kernel', 'shared.kernel']);
    expect(perLayer['lstm.kernel']).toBeCloseTo(0.01 * 2 * 12, DIGITS); // kernel [2, 4 gates * 3] of ones
    expect(perLayer['shared.kernel']).toBeCloseTo(0.1 * 9, DIGITS); // kernel [3, 3], once though called twice
    const withFrozen = regularizationPenalty(model, { includeFrozen: true });
    expect(withFrozen.perLayer['frozen.kernel'].dataSync()[0]).toBeCloseTo(3, DIGITS); // kernel [3, 1]
    tf.dispose([keras.total, withFrozen.total, ...Object.values(keras.perLayer), ...Object.values(withFrozen.perLayer)]);
    model.dispose();
  });

  it('lists activity penalties per call, handed to the reading scope (no tensor left behind)', () => {
    const layer = layers.dense({ units: 1, inputShape: [1], useBias: false, kernelInitializer: 'ones', activityRegularizer: l2({ l2: 0.5 }) });
    const input = tf.input({ shape: [1] });
    const model = tf.model({ inputs: input, outputs: layer.apply(layer.apply(input)) as tf.SymbolicTensor });
    const x = tf.tensor2d([[1], [2]]);
    tf.tidy(() => {
      model.apply(x, { training: true });
    }); // builds; its penalties are kept until the next pass
    const before = tf.memory().numTensors;
    const total = tf.tidy(() => {
      model.apply(x, { training: true });
      const parts = collectPenalties(model, { weights: false });
      expect(parts.map((part) => part.kind)).toEqual(['activity', 'activity']);
      return tf.addN(parts.map((part) => part.value));
    });
    // Two calls, each 0.5 * (1 + 4) / 2 = 1.25.
    expect(total.dataSync()[0]).toBeCloseTo(2.5, DIGITS);
    total.dispose();
    expect(tf.memory().numTensors).toBe(before - 2); // the kept pass from the build was replaced and handed over
    x.dispose();
    model.dispose();
  });
});
