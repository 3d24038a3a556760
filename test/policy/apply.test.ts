import * as tf from '@tensorflow/tfjs';
import { mlp, type MlpSpec } from '../../lib/builders';
import { regularizationPenalty } from '../../lib/loss';
import { applyPolicy, perLayer, uniform } from '../../lib/policy';
import { l1, l2 } from '../../lib/regularizers';


const spec: MlpSpec = { type: 'mlp', inputSize: 2, hidden: [3], outputSize: 1, task: 'binary' };

function sumOfSquares(tensor: tf.Tensor): number {
  return Array.from(tensor.dataSync()).reduce((sum, value) => sum + value * value, 0);
}

function sumOfAbs(tensor: tf.Tensor): number {
  return Array.from(tensor.dataSync()).reduce((sum, value) => sum + Math.abs(value), 0);
}

/** Sum of `model.calculateLosses()` as a number (tensors disposed). */
function totalPenalty(model: tf.LayersModel): number {
  const losses = model.calculateLosses();
  const total = losses.reduce((sum, loss) => sum + loss.dataSync()[0], 0);
  tf.dispose(losses);
  return total;
}

function values(model: tf.LayersModel): number[][] {
  return model.getWeights().map((weight) => Array.from(weight.dataSync()));
}

/** One SGD step on the copy (changes its weights). */
function trainOnce(model: tf.LayersModel): void {
  const optimizer = tf.train.sgd(0.5);
  tf.tidy(() => {
    const x = tf.tensor2d([[1, -2], [0.5, 3]]);
    optimizer.minimize(() => tf.mean(tf.square(model.apply(x, { training: true }) as tf.Tensor)) as tf.Scalar);
  });
  optimizer.dispose();
}

describe('applyPolicy on a spec', () => {
  it('builds the seeded model with the penalties: calculateLosses = hand-computed L2 sum', () => {
    const model = applyPolicy(spec, perLayer({ layers: { dense_1: { regularizer: l2({ l2: 0.5 }) }, output: { kernel: l1({ l1: 0.25 }) } } }), { seed: 4 });
    const plain = mlp(spec, { seed: 4 });
    expect(values(model)).toEqual(values(plain)); // same seed, same initial weights
    // Keras formulas: L2 = l2 * sum(w^2), L1 = l1 * sum(|w|); tolerance 1e-5 (float32 sums).
    const expected = 0.5 * sumOfSquares(model.getLayer('dense_1').getWeights()[0]) + 0.25 * sumOfAbs(model.getLayer('output').getWeights()[0]);
    expect(totalPenalty(model)).toBeCloseTo(expected, 5);
    expect(totalPenalty(plain)).toBe(0);
    expect(model.loss).toBe('binaryCrossentropy');
    model.dispose();
    plain.dispose();
  });

  it('refuses a model with no built layers', () => {
    const unbuilt = tf.sequential(); // tfjs refuses a first layer without an input shape; an empty model has nothing built
    expect(() => applyPolicy(unbuilt, uniform({ regularizer: l2() }))).toThrow(
      'applyPolicy.model: the model is not built yet; give its first layer an inputShape or call it once',
    );
  });

  it('reports bad selectors against the spec layers', () => {
    expect(() => applyPolicy(spec, perLayer({ layers: { dense_9: { regularizer: l2() } } }))).toThrow(
      'policy.perLayer: no layer matches "dense_9"; layers are dense_1, output',
    );
  });
});

describe('applyPolicy on an existing Sequential model', () => {
  function original(): tf.Sequential {
    const model = tf.sequential({
      layers: [
        tf.layers.dense({ units: 3, inputShape: [2], name: 'fc1', kernelRegularizer: tf.regularizers.l1({ l1: 0.1 }) }),
        tf.layers.dense({ units: 1, name: 'fc2' }),
      ],
    });
    model.compile({ optimizer: tf.train.sgd(0.05), loss: 'meanSquaredError' });
    return model;
  }

  it('returns a new model with copied weights and only the policy penalties; the original is untouched', () => {
    const model = original();
    const penaltyBefore = totalPenalty(model);
    const weightsBefore = values(model);
    const copy = applyPolicy(model, perLayer({ layers: { fc2: { kernel: l2({ l2: 0.25 }) } } }));

    expect(copy).not.toBe(model);
    expect(copy).toBeInstanceOf(tf.Sequential);
    expect(copy.layers.map((layer) => layer.name)).toEqual(['fc1', 'fc2']);
    expect(values(copy)).toEqual(weightsBefore);
    copy.weights.forEach((weight, index) => expect(weight.read()).not.toBe(model.weights[index].read()));
    // fc1's own L1 is gone (the copy carries exactly the policy); fc2 has L2(0.25).
    expect(totalPenalty(copy)).toBeCloseTo(0.25 * sumOfSquares(copy.getLayer('fc2').getWeights()[0]), 5);
    expect(totalPenalty(model)).toBe(penaltyBefore);

    // Training the copy does not move the original.
    trainOnce(copy);
    expect(values(copy)).not.toEqual(weightsBefore);
    expect(values(model)).toEqual(weightsBefore);

    // Compiled like the original, with its own optimizer of the same class and config.
    expect(copy.loss).toBe('meanSquaredError');
    expect(copy.optimizer).not.toBe(model.optimizer);
    expect(copy.optimizer.getClassName()).toBe('SGD');
    expect(copy.optimizer.getConfig()).toEqual(model.optimizer.getConfig());
    copy.dispose();
    model.optimizer.dispose();
    model.dispose();
  });

  it('keepExisting keeps regularizers the policy says nothing about', () => {
    const model = original();
    const copy = applyPolicy(model, perLayer({ layers: { fc2: { kernel: l2({ l2: 0.25 }) } } }), { keepExisting: true });
    const expected = 0.1 * sumOfAbs(copy.getLayer('fc1').getWeights()[0]) + 0.25 * sumOfSquares(copy.getLayer('fc2').getWeights()[0]);
    expect(totalPenalty(copy)).toBeCloseTo(expected, 5);
    copy.dispose();
    model.optimizer.dispose();
    model.dispose();
  });

  it('leaks no tensors: apply, train and dispose return numTensors to where it started', () => {
    const seed = tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [2] })] });
    seed.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    applyPolicy(seed, uniform({ regularizer: l2() })).dispose(); // warm-up
    seed.dispose();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      const model = tf.sequential({ layers: [tf.layers.dense({ units: 3, inputShape: [2], name: 'fc1' }), tf.layers.dense({ units: 1, name: 'fc2' })] });
      model.compile({ optimizer: 'adam', loss: 'meanSquaredError' });
      const copy = applyPolicy(model, uniform({ regularizer: l2({ l2: 0.1 }) }));
      trainOnce(copy);
      copy.dispose();
      model.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('applyPolicy on an existing functional model with a nested Sequential', () => {
  function functional(): tf.LayersModel {
    const input = tf.input({ shape: [2], name: 'features' });
    const hidden = tf.layers.dense({ units: 3, name: 'fc', activation: 'tanh' }).apply(input) as tf.SymbolicTensor;
    const sub = tf.sequential({ name: 'block', layers: [tf.layers.dense({ units: 2, inputShape: [3], name: 'inner' })] });
    const head = tf.layers.dense({ units: 1, name: 'head' }).apply(sub.apply(hidden) as tf.SymbolicTensor) as tf.SymbolicTensor;
    return tf.model({ inputs: input, outputs: head });
  }

  it('reaches nested layers by name, copies weights and leaves the original alone', () => {
    const model = functional();
    const before = values(model);
    const copy = applyPolicy(model, perLayer({ layers: { '*': { regularizer: l2({ l2: 0.1 }) }, inner: { regularizer: l2({ l2: 0.3 }) } } }));
    expect(copy).not.toBe(model);
    expect(values(copy)).toEqual(before);
    const kernel = (name: string): tf.Tensor => copy.weights.find((weight) => weight.originalName === `${name}/kernel`)!.read();
    const expected = 0.1 * sumOfSquares(kernel('fc')) + 0.3 * sumOfSquares(kernel('inner')) + 0.1 * sumOfSquares(kernel('head'));
    expect(totalPenalty(copy)).toBeCloseTo(expected, 5);
    expect(totalPenalty(model)).toBe(0);

    const x = tf.tensor2d([[1, 2]]);
    const [a, b] = [model.predict(x) as tf.Tensor, copy.predict(x) as tf.Tensor];
    expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync())); // same function before training
    tf.dispose([a, b, x]);

    trainOnce(copy);
    expect(values(model)).toEqual(before);
    expect(values(copy)).not.toEqual(before);
    copy.dispose();
    model.dispose();
  });

  it('attaches activity regularizers that take effect (Keras: l2 * sum(y^2) / batch size)', () => {
    const model = functional();
    const copy = applyPolicy(model, perLayer({ layers: { head: { activity: l2({ l2: 0.5 }) } } }));
    tf.tidy(() => {
      const x = tf.tensor2d([[1, 2], [-1, 0.5], [0.3, 0.3]]);
      const y = copy.apply(x, { training: true }) as tf.Tensor;
      const penalty = regularizationPenalty(copy);
      const expected = (0.5 * sumOfSquares(y)) / 3;
      expect(penalty.perLayer['head.activity'].dataSync()[0]).toBeCloseTo(expected, 5);
    });
    expect(model.getLayer('head').activityRegularizer ?? null).toBeNull();
    copy.dispose();
    model.dispose();
  });
});

describe('applyPolicy on recurrent and embedding layers', () => {
  it('regularizes embeddings, LSTM kernel and recurrent kernel (not biases) and the penalty reaches calculateLosses', () => {
    const model = tf.sequential({
      layers: [
        tf.layers.embedding({ inputDim: 5, outputDim: 2, inputShape: [3], name: 'embed' }),
        tf.layers.lstm({ units: 2, name: 'lstm' }),
        tf.layers.dense({ units: 1, name: 'head' }),
      ],
    });
    const copy = applyPolicy(model, uniform({ regularizer: l2({ l2: 0.1 }) }));
    const weight = (name: string): tf.Tensor => copy.weights.find((variable) => variable.originalName === name)!.read();
    const names = copy.weights.map((variable) => variable.originalName);
    const kernels = names.filter((name) => /(embeddings|kernel)$/.test(name));
    expect(kernels).toEqual(['embed/embeddings', 'lstm/kernel', 'lstm/recurrent_kernel', 'head/kernel']);
    const expected = 0.1 * kernels.reduce((sum, name) => sum + sumOfSquares(weight(name)), 0);
    expect(totalPenalty(copy)).toBeCloseTo(expected, 5);
    copy.dispose();
    model.dispose();
  });
});
