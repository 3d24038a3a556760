import * as tf from '@tensorflow/tfjs';
import Ajv from 'ajv';
import {
  cnn,
  layerNamesOf,
  layerSeed,
  lossFor,
  mlp,
  modelSpecFromConfig,
  modelSpecSchema,
  modelSpecToConfig,
  validateModelSpec,
  withDefaults,
  type CnnSpec,
  type MlpSpec,
} from '../../lib/builders';
import { l2 } from '../../lib/regularizers';


const binaryMlp: MlpSpec = { type: 'mlp', inputSize: 3, hidden: [4, 4, 4], outputSize: 1, task: 'binary' };
const smallCnn: CnnSpec = {
  type: 'cnn',
  inputShape: [8, 8, 1],
  blocks: [{ filters: 2, pool: 0 }, { filters: 3, pool: 2 }],
  dense: [5],
  outputSize: 3,
  dropout: 0.25,
  task: 'multiclass',
};

function kernels(model: tf.LayersModel): Float32Array[] {
  return model.weights.filter((weight) => weight.originalName.endsWith('/kernel')).map((weight) => weight.read().dataSync() as Float32Array);
}

describe('mlp', () => {
  it('names layers dense_k, batch_norm_k, dropout_k, output and has the hand-counted parameters', () => {
    const model = mlp({ type: 'mlp', inputSize: 3, hidden: [4, 5], outputSize: 2, dropout: 0.5, batchNormalization: true, task: 'multiclass' });
    expect(model.layers.map((layer) => layer.name)).toEqual(['dense_1', 'batch_norm_1', 'dropout_1', 'dense_2', 'batch_norm_2', 'dropout_2', 'output']);
    expect(layerNamesOf({ type: 'mlp', inputSize: 3, hidden: [4, 5], outputSize: 2, dropout: 0.5, batchNormalization: true, task: 'multiclass' })).toEqual(
      model.layers.map((layer) => layer.name),
    );
    // dense_1 3*4+4, bn 4*4, dense_2 4*5+5, bn 5*4, output 5*2+2
    expect(model.countParams()).toBe(16 + 16 + 25 + 20 + 12);
    model.dispose();
  });

  it('follows the task: sigmoid + binaryCrossentropy, softmax + categoricalCrossentropy, linear + MSE', () => {
    const cases: Array<[MlpSpec['task'], number, string, string]> = [
      ['binary', 1, 'sigmoid', 'binaryCrossentropy'],
      ['multiclass', 3, 'softmax', 'categoricalCrossentropy'],
      ['regression', 2, 'linear', 'meanSquaredError'],
    ];
    for (const [task, outputSize, activation, loss] of cases) {
      const model = mlp({ type: 'mlp', inputSize: 2, hidden: [3], outputSize, task });
      const output = model.getLayer('output');
      expect((output.getConfig() as { activation: string }).activation).toBe(activation);
      expect(model.loss).toBe(loss);
      expect(lossFor(task)).toBe(loss);
      model.dispose();
    }
  });

  it('with no hidden layers is input -> output', () => {
    const model = mlp({ type: 'mlp', inputSize: 4, hidden: [], outputSize: 1, task: 'regression' });
    expect(model.layers.map((layer) => layer.name)).toEqual(['output']);
    expect(model.countParams()).toBe(5);
    model.dispose();
  });

  it('a regression MLP has linear outputs, mean squared error as its loss and MAE as its metric (as Keras users compile it)', async () => {
    const model = mlp({ type: 'mlp', inputSize: 2, hidden: [3], outputSize: 2, task: 'regression' }, { seed: 1 });
    expect((model.getLayer('output').getConfig() as { activation: string }).activation).toBe('linear');
    expect(model.loss).toBe('meanSquaredError');
    const x = tf.tensor2d([[1, 2], [3, -1]]);
    const y = tf.tensor2d([[0.5, -1], [2, 0]]);
    const [mse, mae] = model.evaluate(x, y) as tf.Scalar[];
    // The same predictions, reduced by hand: mean of squared and of absolute errors over every output.
    const errors = tf.tidy(() => tf.sub(model.predict(x) as tf.Tensor, y).dataSync());
    const expectedMse = Array.from(errors).reduce((sum, value) => sum + value * value, 0) / errors.length;
    const expectedMae = Array.from(errors).reduce((sum, value) => sum + Math.abs(value), 0) / errors.length;
    expect(mse.dataSync()[0]).toBeCloseTo(expectedMse, 5);
    expect(mae.dataSync()[0]).toBeCloseTo(expectedMae, 5);
    tf.dispose([x, y, mse, mae]);
    model.dispose();
  });

  it('same seed gives identical initial weights; another seed different ones; layers never share a kernel', () => {
    const first = mlp(binaryMlp, { seed: 7 });
    const second = mlp(binaryMlp, { seed: 7 });
    const other = mlp(binaryMlp, { seed: 8 });
    const [a, b, c] = [kernels(first), kernels(second), kernels(other)];
    a.forEach((kernel, index) => {
      expect(Array.from(kernel)).toEqual(Array.from(b[index]));
      expect(Array.from(kernel)).not.toEqual(Array.from(c[index]));
    });
    // dense_2 and dense_3 kernels have the same shape [4, 4]: distinct seeds give distinct values.
    expect(Array.from(a[1])).not.toEqual(Array.from(a[2]));
    [first, second, other].forEach((model) => model.dispose());
  });

  it('seed 0 is a real seed (tfjs treats an initializer seed of 0 as "unseeded")', () => {
    const first = mlp(binaryMlp, { seed: 0 });
    const second = mlp(binaryMlp, { seed: 0 });
    expect(kernels(first).map((kernel) => Array.from(kernel))).toEqual(kernels(second).map((kernel) => Array.from(kernel)));
    first.dispose();
    second.dispose();
  });

  it('derives per-layer seeds that are never 0 and distinct within a model', () => {
    for (const seed of [0, 1, 42, 2 ** 32, Number.MAX_SAFE_INTEGER]) {
      const seeds = [1, 2, 3, 4, 5].map((position) => layerSeed(seed, position));
      expect(seeds.every((value) => Number.isInteger(value) && value > 0)).toBe(true);
      expect(new Set(seeds).size).toBe(5);
    }
    expect(layerSeed(1, 1)).not.toBe(layerSeed(2, 1));
  });

  it('builds Dropout without a fixed seed (a seeded tfjs Dropout reuses one mask every step)', () => {
    const model = mlp({ ...binaryMlp, dropout: 0.3 }, { seed: 1 });
    const dropout = model.getLayer('dropout_1') as unknown as { seed?: number; rate: number };
    expect(dropout.rate).toBe(0.3);
    expect(dropout.seed == null).toBe(true);
    model.dispose();
  });

  it('attaches regularizers by layer name; calculateLosses equals the hand-computed L2', () => {
    const model = mlp(binaryMlp, { seed: 3, regularizers: { dense_2: { kernel: l2({ l2: 0.5 }) }, output: { bias: l2({ l2: 2 }) } } });
    const kernel = model.getLayer('dense_2').getWeights()[0].dataSync();
    // Keras L2: l2 * sum(w^2); the output bias starts at 0.
    const expected = 0.5 * Array.from(kernel).reduce((sum, value) => sum + value * value, 0);
    const losses = model.calculateLosses();
    expect(losses).toHaveLength(2);
    expect(losses[0].dataSync()[0]).toBeCloseTo(expected, 5); // float32 sum: 1e-5
    expect(losses[1].dataSync()[0]).toBe(0);
    tf.dispose(losses);
    model.dispose();
  });

  it('compile: false leaves the model uncompiled but its penalties already visible to calculateLosses', () => {
    const model = mlp(binaryMlp, { seed: 3, compile: false, regularizers: { output: { kernel: l2({ l2: 1 }) } } });
    expect(model.optimizer).toBeUndefined();
    const losses = model.calculateLosses();
    expect(losses).toHaveLength(1);
    tf.dispose(losses);
    model.dispose();
  });

  it('rejects regularizers for unknown layers or slots, naming them', () => {
    expect(() => mlp(binaryMlp, { regularizers: { dense_9: { kernel: l2() } } })).toThrow(
      'options.regularizers: no layer named "dense_9"; layers are dense_1, dense_2, dense_3, output',
    );
    expect(() => mlp({ ...binaryMlp, dropout: 0.1 }, { regularizers: { dropout_1: { kernel: l2() } } })).toThrow(
      'options.regularizers.dropout_1.kernel: layer dropout_1 has no kernel slot; allowed: activity',
    );
    expect(() => mlp(binaryMlp, { regularizers: { dense_1: { kernel: { kind: 'l2', l2: -1 } } } })).toThrow(
      'options.regularizers.dense_1.kernel.l2 = -1: expected a finite number >= 0',
    );
  });

  it('accepts an activity regularizer on any layer and the model still runs', () => {
    const model = mlp({ ...binaryMlp, dropout: 0.1 }, { seed: 1, regularizers: { dropout_1: { activity: l2({ l2: 0.1 }) }, output: { activity: l2() } } });
    expect(model.getLayer('dropout_1').activityRegularizer).not.toBeNull();
    const prediction = tf.tidy(() => model.predict(tf.ones([2, 3])) as tf.Tensor);
    expect(prediction.shape).toEqual([2, 1]);
    prediction.dispose();
    model.dispose();
  });
});

describe('cnn', () => {
  it('names conv_k, pool_k (after conv_k), flatten, dense_k, dropout_k, output and counts parameters', () => {
    const model = cnn(smallCnn, { seed: 1 });
    expect(model.layers.map((layer) => layer.name)).toEqual(['conv_1', 'conv_2', 'pool_2', 'flatten', 'dense_1', 'dropout_1', 'output']);
    // conv_1 3*3*1*2+2 = 20 (8x8 -> 6x6), conv_2 3*3*2*3+3 = 57 (-> 4x4), pool 2 -> 2x2x3 = 12,
    // dense_1 12*5+5 = 65, output 5*3+3 = 18.
    expect(model.countParams()).toBe(20 + 57 + 65 + 18);
    expect(model.outputs[0].shape).toEqual([null, 3]);
    model.dispose();
  });

  it('supports same padding and batch normalization', () => {
    const model = cnn({ type: 'cnn', inputShape: [4, 4, 2], blocks: [{ filters: 2, padding: 'same', pool: 2, kernelSize: 1 }], dense: [], outputSize: 1, batchNormalization: true, task: 'regression' });
    expect(model.layers.map((layer) => layer.name)).toEqual(['conv_1', 'batch_norm_1', 'pool_1', 'flatten', 'output']);
    // conv 1*1*2*2+2 = 6, bn 2*4 = 8, flatten 2*2*2 = 8 -> output 8+1 = 9
    expect(model.countParams()).toBe(6 + 8 + 9);
    model.dispose();
  });

  it('is reproducible from the seed', () => {
    const first = cnn(smallCnn, { seed: 11 });
    const second = cnn(smallCnn, { seed: 11 });
    expect(kernels(first).map((kernel) => Array.from(kernel))).toEqual(kernels(second).map((kernel) => Array.from(kernel)));
    first.dispose();
    second.dispose();
  });
});

describe('spec validation and configs', () => {
  it('names the field, the value and what is allowed', () => {
    expect(() => validateModelSpec({ ...binaryMlp, hidden: [4, -3] })).toThrow('mlp.hidden[1] = -3: expected an integer >= 1');
    expect(() => validateModelSpec({ ...binaryMlp, task: 'ranking' })).toThrow('mlp.task = "ranking": expected one of "binary", "multiclass", "regression"');
    expect(() => validateModelSpec({ ...binaryMlp, activation: 'relu6' })).toThrow('mlp.activation = "relu6": expected one of "relu", "tanh", "sigmoid", "elu", "selu", "linear", "softmax", "gelu", "swish"');
    expect(() => validateModelSpec({ ...binaryMlp, outputSize: 2 })).toThrow('mlp.outputSize = 2: task "binary" has one sigmoid output; expected 1');
    expect(() => validateModelSpec({ ...binaryMlp, dropout: 1 })).toThrow('mlp.dropout = 1: expected a number in [0, 1)');
    expect(() => validateModelSpec({ ...binaryMlp, hiden: [3] })).toThrow('mlp.hiden: unknown field; allowed: "type", "inputSize", "hidden", "outputSize", "activation", "dropout", "activationLayers", "batchNormalization", "task"');
    expect(() => validateModelSpec({ type: 'transformer' })).toThrow('modelSpec.type = "transformer": expected one of "mlp", "cnn", "rnn"');
    expect(() => validateModelSpec({ ...smallCnn, blocks: [{ filters: 2, padding: 'full' }] })).toThrow('cnn.blocks[0].padding = "full": expected one of "valid", "same"');
    expect(() => validateModelSpec({ ...smallCnn, dense: [] })).toThrow('cnn.dropout = 0.25: dropout follows each dense head layer and "dense" is empty');
    expect(() => mlp(binaryMlp, { seed: -1 })).toThrow('options.seed = -1: expected an integer >= 0');
  });

  it('round-trips through modelSpecToConfig / modelSpecFromConfig, also as JSON text', () => {
    for (const spec of [binaryMlp, smallCnn]) {
      const config = modelSpecToConfig(spec);
      expect(modelSpecFromConfig(config)).toEqual(spec);
      expect(modelSpecFromConfig(JSON.stringify(config))).toEqual(spec);
    }
    expect(withDefaults(binaryMlp)).toEqual({ ...binaryMlp, activation: 'relu', dropout: 0, batchNormalization: false });
  });

  it('JSON schema accepts valid specs and rejects broken ones', () => {
    const validate = new Ajv({ strict: false }).compile(modelSpecSchema);
    expect(validate(binaryMlp)).toBe(true);
    expect(validate(smallCnn)).toBe(true);
    expect(validate({ ...binaryMlp, hidden: [0] })).toBe(false);
    expect(validate({ ...smallCnn, inputShape: [8, 8] })).toBe(false);
  });
});

describe('memory', () => {
  it('building and disposing models leaves no tensors behind', () => {
    mlp(binaryMlp, { seed: 1 }).dispose(); // warm-up: tfjs caches some scalars on first use
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      mlp({ ...binaryMlp, dropout: 0.2, batchNormalization: true }, { seed: i, regularizers: { dense_1: { kernel: l2() } } }).dispose();
      cnn(smallCnn, { seed: i }).dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
  });
});
