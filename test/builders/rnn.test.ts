/**
 * The recurrent builder (`rnn`): stable layer names, Keras 3 parameter counts (hand-counted from
 * Keras's formulas, stated per case), stacking (every recurrent layer but the last returns its
 * sequence), seeded reproducibility, recurrent-kernel regularizers, validation and config round trip.
 */
import * as tf from '@tensorflow/tfjs';
import Ajv from 'ajv';
import { buildModel, layerNamesOf, modelSpecFromConfig, modelSpecSchema, modelSpecToConfig, rnn, validateModelSpec, type RnnSpec } from '../../lib/builders';
import { l2 } from '../../lib/regularizers';

const lstm: RnnSpec = { type: 'rnn', inputShape: [6, 2], cell: 'lstm', units: [5, 4], dense: [3], outputSize: 1, task: 'binary' };

describe('rnn', () => {
  it('names recurrent_k (+ batch_norm_k, dropout_k), dense_k, output; only the last recurrent layer drops the time axis', () => {
    const spec: RnnSpec = { ...lstm, dropout: 0.2, batchNormalization: true };
    const model = rnn(spec, { seed: 1 });
    expect(model.layers.map((layer) => layer.name)).toEqual(['recurrent_1', 'batch_norm_1', 'dropout_1', 'recurrent_2', 'batch_norm_2', 'dropout_2', 'dense_1', 'output']);
    expect(layerNamesOf(spec)).toEqual(model.layers.map((layer) => layer.name));
    expect(model.layers[0].outputShape).toEqual([null, 6, 5]);
    expect(model.layers[3].outputShape).toEqual([null, 4]);
    model.dispose();
  });

  it.each([
    // Keras: SimpleRNN u*(f+u)+u; LSTM 4*(u*(f+u)+u); GRU (reset_after) 3*u*(f+u) + 2*3*u. Head: dense 4*3+3, output 3+1.
    ['simpleRNN', 4 * (2 + 4) + 4],
    ['lstm', 4 * (4 * (2 + 4) + 4)],
    ['gru', 3 * 4 * (2 + 4) + 2 * 3 * 4],
  ] as const)('a %s layer has Keras 3\'s parameter count', (cell, recurrentParameters) => {
    const model = rnn({ type: 'rnn', inputShape: [6, 2], cell, units: [4], dense: [3], outputSize: 1, task: 'binary' }, { seed: 0 });
    expect(model.countParams()).toBe(recurrentParameters + (4 * 3 + 3) + (3 + 1));
    model.dispose();
  });

  it('same seed gives identical initial weights, another seed different ones; kernel and recurrent kernel differ', () => {
    const weights = (seed: number) => {
      const model = rnn(lstm, { seed });
      const values = model.getWeights().map((weight) => Array.from(weight.dataSync()));
      model.dispose();
      return values;
    };
    const first = weights(3);
    expect(weights(3)).toEqual(first);
    expect(weights(4)[0]).not.toEqual(first[0]);
    // Orthogonal recurrent kernel (Keras's default): W^T W = I for the square [4, 4*4] block columns' Gram of the first unit block.
    const model = rnn(lstm, { seed: 3 });
    const recurrentKernel = model.layers[0].getWeights()[1];
    expect(recurrentKernel.shape).toEqual([5, 20]);
    const gram = tf.tidy(() => tf.matMul(recurrentKernel, recurrentKernel, false, true).arraySync() as number[][]);
    gram.forEach((row, i) => row.forEach((value, j) => expect(value).toBeCloseTo(i === j ? 1 : 0, 4))); // tolerance 1e-4 (float32)
    model.dispose();
  });

  it('a recurrent regularizer is attached to the recurrent kernel: calculateLosses = 0.01 * sum(recurrent kernel^2)', () => {
    const model = buildModel(lstm, { seed: 2, regularizers: { recurrent_1: { recurrent: l2({ l2: 0.01 }) } } });
    const recurrentKernel = model.layers[0].getWeights()[1];
    const expected = tf.tidy(() => tf.sum(tf.square(recurrentKernel)).mul(0.01).dataSync()[0]);
    const penalty = tf.tidy(() => tf.addN(model.calculateLosses() as tf.Scalar[]).dataSync()[0]);
    expect(penalty).toBeCloseTo(expected, 6);
    expect(() => buildModel(lstm, { regularizers: { dense_1: { recurrent: l2({ l2: 0.01 }) } } })).toThrow('options.regularizers.dense_1.recurrent: layer dense_1 has no recurrent slot');
    model.dispose();
  });

  it('predicts on [batch, timesteps, features] and leaves no tensors behind', () => {
    const before = tf.memory().numTensors;
    const model = rnn({ ...lstm, cell: 'gru' }, { seed: 1 });
    const output = tf.tidy(() => (model.predict(tf.ones([3, 6, 2])) as tf.Tensor).arraySync() as number[][]);
    expect(output).toHaveLength(3);
    output.forEach(([probability]) => expect(probability).toBeGreaterThan(0));
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('validation names the field; configs round-trip; the JSON schema agrees', () => {
    expect(() => validateModelSpec({ ...lstm, cell: 'transformer' })).toThrow('rnn.cell = "transformer": expected one of "simpleRNN", "lstm", "gru"');
    expect(() => validateModelSpec({ ...lstm, inputShape: [6] })).toThrow('rnn.inputShape = [6]: expected [timesteps, features]');
    expect(() => validateModelSpec({ ...lstm, units: [] })).toThrow('rnn.units = []: expected a non-empty array');
    expect(() => validateModelSpec({ ...lstm, dropout: 1 })).toThrow('rnn.dropout = 1: expected a number in [0, 1)');
    expect(() => validateModelSpec({ ...lstm, returnSequences: true })).toThrow('rnn.returnSequences: unknown field');
    const spec: RnnSpec = { ...lstm, dropout: 0.1, batchNormalization: true, activation: 'tanh' };
    expect(modelSpecFromConfig(modelSpecToConfig(spec))).toEqual(spec);
    expect(modelSpecFromConfig(JSON.stringify(spec))).toEqual(spec);
    const validate = new Ajv({ strict: false }).compile(modelSpecSchema);
    expect(validate(spec)).toBe(true);
    expect(validate({ ...spec, cell: 'rnn' })).toBe(false);
  });
});
