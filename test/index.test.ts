/**
 * The root export as a user imports it: one end-to-end path through the flat names (spec → policy →
 * model → train → loss breakdown), then every root value exercised at least once, through the
 * root (`layerwise.name`), so a name that is exported but broken or mis-wired fails here.
 * test/architecture/public-face.test.ts checks that every root value appears in this file.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import * as layerwise from '../lib';

/** Sum of squares of a tensor, read back as a number (float32 on every backend). */
function sumOfSquares(x: tf.Tensor): number {
  return tf.tidy(() => tf.sum(tf.square(x)).dataSync()[0]);
}

describe('public API', () => {
  it('builds, regularizes per layer, trains and reports the loss breakdown', async () => {
    const before = tf.memory().numTensors;
    const spec: layerwise.MlpSpec = { type: 'mlp', inputSize: 2, hidden: [8], outputSize: 1, task: 'binary' };
    const policy = layerwise.perLayer({ layers: { dense_1: { regularizer: layerwise.regularizers.l2({ l2: 0.01 }) } } });
    const model = layerwise.applyPolicy(spec, policy, { seed: 3 });
    const rows = layerwise.describePolicy(policy, model);
    expect(rows.find((row) => row.layer === 'dense_1' && row.slot === 'kernel')?.penalty).toBe('l2(l2=0.01)');
    expect(rows.find((row) => row.layer === 'dense_1' && row.slot === 'bias')?.penalty).toBeNull();

    const x = tf.tensor2d([[0, 0], [0, 1], [1, 0], [1, 1]]);
    const y = tf.tensor2d([[0], [1], [1], [0]]);
    const result = await layerwise.train(model, { train: { x, y } }, { seed: 1, epochs: 3, optimizer: { name: 'sgd', learningRate: 0.1 } });
    expect(result.epochs).toHaveLength(3);
    expect(result.final.penalty).toBeGreaterThan(0);

    const breakdown = await layerwise.lossBreakdown(model, x, y);
    const kernel = model.getLayer('dense_1').getWeights()[0];
    const expectedPenalty = 0.01 * sumOfSquares(kernel);
    // Penalty = 0.01 * sum(kernel^2) (Keras L2, no 1/2); float32, 1e-5 relative.
    expect(breakdown.penalty).toBeCloseTo(expectedPenalty, 5);
    expect(breakdown.total).toBeCloseTo(breakdown.dataLoss + breakdown.penalty, 6);
    expect(Object.keys(breakdown.perLayer)).toEqual(['dense_1.kernel']);

    model.dispose();
    tf.dispose([x, y]);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('root names: regularizers', () => {
  it('regularizers: Keras 3 defaults, formulas and configs', () => {
    expect(layerwise.regularizers.l2()).toEqual({ kind: 'l2', l2: 0.01 });
    expect(layerwise.regularizers.toConfig(layerwise.regularizers.l1({ l1: 0.5 }))).toEqual({
      module: 'keras.regularizers',
      class_name: 'L1',
      config: { l1: 0.5 },
      registered_name: null,
    });
    expect(() => layerwise.regularizers.l2({ l2: -1 })).toThrow(/l2.*finite number >= 0/);
  });

  it('computePenalty: l1l2 on [1, -2] is 0.1 * 3 + 0.01 * 5 (exact in float32 to 1e-6)', () => {
    const x = tf.tensor1d([1, -2]);
    const penalty = layerwise.computePenalty(layerwise.regularizers.l1l2({ l1: 0.1, l2: 0.01 }), x);
    expect(penalty.dataSync()[0]).toBeCloseTo(0.35, 6);
    tf.dispose([x, penalty]);
  });

  it('createRegularizer and specOf: a Keras identifier becomes a tfjs regularizer and back', () => {
    const regularizer = layerwise.createRegularizer('L2');
    expect(layerwise.specOf(regularizer)).toEqual({ kind: 'l2', l2: 0.01 });
    expect(layerwise.specOf({})).toBeUndefined();
  });

  it('registerRegularizer: a custom penalty usable by name', () => {
    layerwise.registerRegularizer('index_test_sum', (config) => (x) => tf.mul(config.scale as number, tf.sum(x)) as tf.Scalar);
    const x = tf.tensor1d([1, 2, 3]);
    const penalty = layerwise.computePenalty(layerwise.regularizers.custom({ name: 'index_test_sum', config: { scale: 2 } }), x);
    expect(penalty.dataSync()[0]).toBe(12);
    tf.dispose([x, penalty]);
  });
});

describe('root names: layers, constraints and penalties', () => {
  it('layers, regularizedWeights, regularizationPenalty: the slot spec takes effect', () => {
    const model = tf.sequential({
      layers: [layerwise.layers.dense({ units: 2, inputShape: [3], kernelRegularizer: layerwise.regularizers.l2({ l2: 0.5 }) })],
    });
    const weights = layerwise.regularizedWeights(model);
    expect(weights.map((weight) => weight.key)).toEqual([`${model.layers[0].name}.kernel`]);
    const { total, perLayer } = layerwise.regularizationPenalty(model);
    // 0.5 * sum(kernel^2), float32, 1e-5.
    expect(total.dataSync()[0]).toBeCloseTo(0.5 * sumOfSquares(model.layers[0].getWeights()[0]), 5);
    tf.dispose([total, ...Object.values(perLayer)]);
    model.dispose();
  });

  it('enforceConstraints, applyConstraints, constraintsCallback: a nonNeg kernel is projected', () => {
    const layer = layerwise.layers.dense({ units: 2, inputShape: [2], kernelConstraint: 'nonNeg', kernelInitializer: 'ones' });
    const model = tf.sequential({ layers: [layer] });
    expect(layerwise.enforceConstraints(model)).toBe(1);
    model.layers[0].setWeights([tf.tensor2d([[-1, 2], [3, -4]]), tf.zeros([2])]);
    expect(layerwise.applyConstraints(model)).toBe(1);
    expect(Array.from(model.layers[0].getWeights()[0].dataSync())).toEqual([0, 2, 3, 0]);
    expect(layerwise.constraintsCallback()).toBeInstanceOf(tf.Callback);
    model.dispose();
  });

  it('forwardAllRecurrentLosses: a plain tfjs SimpleRNN reports its cell penalty', () => {
    const rnn = tf.layers.simpleRNN({ units: 2, inputShape: [3, 2], kernelRegularizer: tf.regularizers.l2({ l2: 0.1 }) });
    const model = tf.sequential({ layers: [rnn] });
    expect(rnn.losses).toHaveLength(0); // tfjs 4.22 keeps the penalty on the cell
    expect(layerwise.forwardAllRecurrentLosses(model)).toBe(model);
    expect(rnn.losses).toHaveLength(1);
    model.dispose();
  });

  it('setActivityRegularizer and activityPenalty: l1 on an output, divided by the batch size', () => {
    const output = tf.tensor2d([[1, -1], [2, 0]]);
    const penalty = layerwise.activityPenalty(layerwise.regularizers.l1({ l1: 0.1 }), output);
    // 0.1 * (1 + 1 + 2 + 0) / batch 2 = 0.2 (Keras divides activity penalties by the batch size).
    expect(penalty.dataSync()[0]).toBeCloseTo(0.2, 6);
    tf.dispose([output, penalty]);
    const layer = layerwise.layers.dense({ units: 1, inputShape: [2] });
    layerwise.setActivityRegularizer(layer, layerwise.regularizers.l1({ l1: 0.1 }));
    expect(layerwise.specOf((layer as unknown as { activityRegularizer: unknown }).activityRegularizer)).toEqual({ kind: 'l1', l1: 0.1 });
  });

  it('installActivityRegularization and uninstallActivityRegularization: the Layer.apply wrapper comes and goes', () => {
    layerwise.installActivityRegularization();
    const patched = tf.layers.Layer.prototype.apply;
    layerwise.uninstallActivityRegularization();
    const original = tf.layers.Layer.prototype.apply;
    expect(original).not.toBe(patched);
    layerwise.installActivityRegularization();
    expect(tf.layers.Layer.prototype.apply).not.toBe(original);
    layerwise.uninstallActivityRegularization();
    expect(tf.layers.Layer.prototype.apply).toBe(original);
  });

  it('useKerasPenalties and useTfjsPenalties: set and restore the fit loss of one model', () => {
    const model = layerwise.mlp({ type: 'mlp', inputSize: 2, hidden: [], outputSize: 1, task: 'regression' }, { seed: 1 });
    expect(layerwise.useKerasPenalties(model)).toBe(model);
    expect(layerwise.useTfjsPenalties(model)).toBe(model);
    model.dispose();
  });
});

describe('root names: builders and policies', () => {
  it('mlp, cnn, buildModel, layerNamesOf, lossFor, validateModelSpec', () => {
    const spec = layerwise.validateModelSpec({ type: 'mlp', inputSize: 4, hidden: [3], outputSize: 3, task: 'multiclass' });
    expect(layerwise.layerNamesOf(spec)).toEqual(['dense_1', 'output']);
    expect(layerwise.lossFor('multiclass')).toBe('categoricalCrossentropy');
    const built = layerwise.buildModel(spec, { seed: 2 });
    const again = layerwise.mlp(spec as layerwise.MlpSpec, { seed: 2 });
    // Same seed, same initial weights (bitwise).
    expect(Array.from(built.getWeights()[0].dataSync())).toEqual(Array.from(again.getWeights()[0].dataSync()));
    const convolutional = layerwise.cnn(
      { type: 'cnn', inputShape: [6, 6, 1], blocks: [{ filters: 2, pool: 2 }], dense: [], outputSize: 2, task: 'multiclass' },
      { seed: 1 },
    );
    expect(convolutional.outputs[0].shape).toEqual([null, 2]);
    expect(() => layerwise.validateModelSpec({ type: 'mlp' })).toThrow(/inputSize/);
    [built, again, convolutional].forEach((model) => model.dispose());
  });

  it('rnn (recurrent builder) and registerModel (a model factory sweeps refer to by name)', () => {
    const recurrent = layerwise.rnn({ type: 'rnn', inputShape: [5, 2], cell: 'gru', units: [3, 2], outputSize: 1, task: 'binary' }, { seed: 1 });
    expect(recurrent.layers.map((layer) => layer.name)).toEqual(['recurrent_1', 'recurrent_2', 'output']);
    expect(recurrent.outputs[0].shape).toEqual([null, 1]);
    recurrent.dispose();
    expect(() => layerwise.registerModel('index test', () => recurrent)).toThrow(/registerModel\.name = "index test"/);
    layerwise.registerModel('index-test-model', (parameters, context) => layerwise.mlp({ type: 'mlp', inputSize: context.sampleShape[0], hidden: [Number(parameters.width)], outputSize: 1, task: 'binary' }, { seed: context.seed }));
  });

  it('uniform, weightDecayRates, formatPolicyTable, policyToConfig, policyFromConfig', () => {
    const spec: layerwise.MlpSpec = { type: 'mlp', inputSize: 2, hidden: [4], outputSize: 1, task: 'binary' };
    const policy = layerwise.uniform({ regularizer: layerwise.regularizers.l2({ l2: 1e-3 }), weightDecay: 0.01 });
    expect(layerwise.weightDecayRates(policy, spec)).toEqual({ 'dense_1/kernel': 0.01, 'output/kernel': 0.01 });
    const table = layerwise.formatPolicyTable(layerwise.describePolicy(policy, spec));
    expect(table).toContain('l2(l2=0.001)');
    expect(layerwise.policyFromConfig(JSON.parse(JSON.stringify(layerwise.policyToConfig(policy))))).toEqual(policy);
  });
});

describe('root names: training and backend', () => {
  it('createOptimizer: the named optimizer with its learning rate', () => {
    const optimizer = layerwise.createOptimizer({ name: 'sgd', learningRate: 0.25 });
    expect(optimizer).toBeInstanceOf(tf.SGDOptimizer);
    optimizer.dispose();
  });

  it('decoupledWeightDecay: one SGD step with lr 0.5 and rate 0.1 shrinks a zero-gradient weight by 5%', async () => {
    const model = tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [1], useBias: false, kernelInitializer: 'ones' })] });
    model.compile({ optimizer: tf.train.sgd(0.5), loss: 'meanSquaredError' });
    const x = tf.tensor2d([[0]]);
    const y = tf.tensor2d([[0]]);
    await model.fit(x, y, { epochs: 1, verbose: 0, callbacks: [layerwise.decoupledWeightDecay({ model, weightDecay: 0.1 })] });
    // Gradient is 0 (x = 0), so w = 1 - lr * rate * 1 = 0.95; float32, 1e-6.
    expect(model.getWeights()[0].dataSync()[0]).toBeCloseTo(0.95, 6);
    tf.dispose([x, y]);
    model.dispose();
  });

  it('initBackend, activeBackend, describeBackend: the chosen backend is the active tfjs backend', async () => {
    const info = await layerwise.initBackend({ log: false });
    expect(layerwise.activeBackend()).toEqual(info);
    expect(info.name).toBe(tf.getBackend());
    expect(layerwise.describeBackend(info)).toContain(`backend ${info.name}`);
  });

  it('BackendUnavailableError: names the backend and the reason', () => {
    const error = new layerwise.BackendUnavailableError('wasm', 'no binary', 'install it');
    expect(error).toBeInstanceOf(Error);
    expect(error.backend).toBe('wasm');
    expect(error.message).toBe('backend "wasm" was requested but is unavailable: no binary\ninstall it');
  });
});

describe('root names: datasets', () => {
  it('loadDataset, splitDataset, standardizeSplits, toTrainingData', () => {
    const moons = layerwise.loadDataset('moons');
    expect([moons.sampleCount, moons.featureCount, moons.classCount]).toEqual([100, 2, 2]);
    const splits = layerwise.splitDataset(moons, { test: 0.2, seed: 0 });
    expect([splits.train.sampleCount, splits.test?.sampleCount]).toEqual([80, 20]);
    const { splits: standardized } = layerwise.standardizeSplits(splits);
    const firstFeature = Array.from({ length: 80 }, (_, i) => standardized.train.x[i * 2]);
    // Train-only standardization: the train part's feature mean is 0 (float64, 1e-12).
    expect(firstFeature.reduce((sum, value) => sum + value, 0) / 80).toBeCloseTo(0, 12);
    const tensors = layerwise.toTrainingData(standardized);
    expect(tensors.train.x.shape).toEqual([80, 2]);
    expect(tensors.test?.y.shape).toEqual([20, 1]);
    tf.dispose(tensors);
  });

  it('registerDataset and listDatasets: a user data set by name', () => {
    layerwise.registerDataset('index-test-pair', {
      description: 'two points',
      parameters: {},
      load: () => ({ name: 'index-test-pair', x: new Float64Array([0, 1]), y: new Int32Array([0, 1]), sampleCount: 2, featureCount: 1, classCount: 2 }),
    });
    expect(layerwise.listDatasets().map((entry) => entry.name)).toContain('index-test-pair');
    expect(layerwise.loadDataset('index-test-pair').sampleCount).toBe(2);
  });

  it('makeMoons and toTensors: scikit-learn\'s two moons as float32 tensors', () => {
    const moons = layerwise.makeMoons({ samples: 10, noise: 0, seed: 1 });
    const { x, y } = layerwise.toTensors(moons);
    expect([x.shape, y.shape]).toEqual([[10, 2], [10, 1]]);
    // Without noise every point lies on its class's unit half-circle (class 0 centred at (0,0), class 1
    // at (1,0.5), scikit-learn's make_moons); float64, 1e-12.
    for (let i = 0; i < moons.sampleCount; i++) {
      const [a, b] = [moons.x[2 * i], moons.x[2 * i + 1]];
      expect(moons.y[i] === 0 ? Math.hypot(a, b) : Math.hypot(a - 1, b - 0.5)).toBeCloseTo(1, 12);
    }
    // The tensors hold the same values in float32 (1e-6).
    expect(Math.max(...(x.dataSync() as Float32Array).map((value, i) => Math.abs(value - moons.x[i])))).toBeLessThan(1e-6);
    tf.dispose([x, y]);
  });

  it('loadCsvDataset: a CSV file with a label column', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'layerwise-index-')), 'points.csv');
    fs.writeFileSync(file, 'a,b,label\n0.5,1,0\n2,3,1\n');
    const dataset = layerwise.loadCsvDataset(file);
    expect(Array.from(dataset.x)).toEqual([0.5, 1, 2, 3]);
    expect(Array.from(dataset.y)).toEqual([0, 1]);
    expect(dataset.featureNames).toEqual(['a', 'b']);
  });
});

describe('root names: Keras interop and explicit tfjs fixes', () => {
  it('loadKerasModel and saveKerasModel: a Keras 3 archive loads and round-trips with the same predictions', async () => {
    const fixtures = path.join(__dirname, 'fixtures', 'keras-models');
    const model = await layerwise.loadKerasModel(path.join(fixtures, 'mlp.keras'));
    const expected = JSON.parse(fs.readFileSync(path.join(fixtures, 'mlp.expected.json'), 'utf8'));
    const x = tf.tensor2d(expected.x);
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'layerwise-index-keras-')), 'mlp.keras');
    await layerwise.saveKerasModel(model, file);
    const reloaded = await layerwise.loadKerasModel(file);
    const before = model.predict(x) as tf.Tensor;
    const after = reloaded.predict(x) as tf.Tensor;
    // Saving writes the same float32 weights, so predictions are identical (float32 rounding only, 1e-6).
    expect(tf.max(tf.abs(tf.sub(before, after))).dataSync()[0]).toBeLessThan(1e-6);
    tf.dispose([x, before, after]);
    model.dispose();
    reloaded.dispose();
  });

  it('enableKerasSemantics: patches tfjs only when called, and undo restores the original functions', () => {
    const original = tf.layers.Layer.prototype.apply;
    const handle = layerwise.enableKerasSemantics();
    expect(tf.layers.Layer.prototype.apply).not.toBe(original);
    handle.undo();
    expect(handle.active).toBe(false);
    expect(tf.layers.Layer.prototype.apply).toBe(original);
  });
});
