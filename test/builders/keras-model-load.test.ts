/**
 * loadKerasModel against real Keras 3.15: the fixtures in test/fixtures/keras-models were written
 * by generate.py (Keras 3.15.1, tensorflow-cpu 2.21), with Keras's predictions, penalties and
 * evaluate() loss on the same inputs.
 *
 * Tolerances: predictions within 1e-5 absolute (observed <= 2.4e-7 on cpu and wasm: float32
 * round-off between TensorFlow and tfjs kernels); each penalty and the evaluate total within 1e-5 relative, with an
 * absolute floor of 1e-9 for penalties near 0 (the orthogonal penalty of a nearly orthogonal GRU
 * recurrent kernel is 2.3e-7 and differs by <= 3.5e-10 from round-off).
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { loadKerasModel, lossBreakdown } from '../../lib';
import { zipSync } from 'fflate';
import * as os from 'os';
import { supportedKerasClasses } from '../../lib/builders/keras-model';
import { readWeightGroups, writeWeightGroups } from '../../lib/builders/keras-model/h5-weights';
import { kerasWeightPaths } from '../../lib/builders/keras-model/weight-paths';
import { ZipArchive } from '../../lib/backend/zip-archive';
import { LayerwiseConfigError } from '../../lib/errors/config-error';
import { expectClose, expectation, FIXTURE_DIR, FIXTURE_NAMES, inputsOf, maxAbsDifference } from './keras-model-fixtures';

const PREDICTION_TOLERANCE = 1e-5;
const RELATIVE = 1e-5;
const ABSOLUTE_FLOOR = 1e-9;

describe('loadKerasModel(.keras archive written by Keras 3.15)', () => {
  test.each(FIXTURE_NAMES)('%s: predictions, per-layer penalties and evaluate() loss match Keras', async (name) => {
    const expected = expectation(name);
    const model = await loadKerasModel(path.join(FIXTURE_DIR, `${name}.keras`));
    const { x, y } = inputsOf(expected);
    const predictions = model.predict(x) as tf.Tensor;
    expect(maxAbsDifference(predictions, expected.predictions)).toBeLessThanOrEqual(PREDICTION_TOLERANCE);

    // Compiled from the archive's compile_config, so lossBreakdown needs no loss argument.
    const breakdown = await lossBreakdown(model, x, y);
    const weightKeys = Object.keys(breakdown.perLayer).filter((key) => !key.endsWith('.activity')).sort();
    expect(weightKeys).toEqual(Object.keys(expected.weightPenalties).sort());
    for (const key of weightKeys) expectClose(breakdown.perLayer[key], expected.weightPenalties[key], RELATIVE, ABSOLUTE_FLOOR);
    const activity = Object.entries(breakdown.perLayer).filter(([key]) => key.endsWith('.activity')).reduce((sum, [, value]) => sum + value, 0);
    expectClose(activity, expected.activityPenalty, RELATIVE, ABSOLUTE_FLOOR);
    expectClose(breakdown.penalty, expected.penalty, RELATIVE, ABSOLUTE_FLOOR);
    expectClose(breakdown.total, expected.evaluateLoss, RELATIVE, ABSOLUTE_FLOOR);
    tf.dispose([x, y, predictions]);
    model.dispose();
  });

  test('Sequential archives load as tf.Sequential, functional ones as tf.LayersModel with the shared layer called twice', async () => {
    const sequential = await loadKerasModel(path.join(FIXTURE_DIR, 'mlp.keras'));
    expect(sequential).toBeInstanceOf(tf.Sequential);
    expect(sequential.layers.map((layer) => layer.name)).toEqual(['hidden_1', 'hidden_2', 'hidden_3', 'dropout', 'output']);
    const functional = await loadKerasModel(path.join(FIXTURE_DIR, 'functional.keras'));
    expect(functional).not.toBeInstanceOf(tf.Sequential);
    expect(functional.getLayer('shared').inboundNodes).toHaveLength(2);
    sequential.dispose();
    functional.dispose();
  });

  test('the GRU is Keras 3\'s reset_after=True GRU (bias of shape [2, 3 * units]) with sigmoid gates', async () => {
    const model = await loadKerasModel(path.join(FIXTURE_DIR, 'rnn.keras'));
    const gru = model.getLayer('gru');
    expect(gru.weights.map((weight) => weight.shape)).toEqual([[5, 12], [4, 12], [2, 12]]);
    const lstmConfig = model.getLayer('lstm').getConfig();
    expect(lstmConfig.recurrentActivation).toBe('sigmoid');
    model.dispose();
  });
});

describe('weights without layer names (older Keras 3 archives)', () => {
  test('kerasWeightPaths follows Keras\'s naming: snake_case class, counter per class', () => {
    expect(kerasWeightPaths(['Dense', 'Dropout', 'Dense', 'SimpleRNN', 'GlobalAveragePooling1D', 'Dense'])).toEqual([
      'layers/dense', 'layers/dropout', 'layers/dense_1', 'layers/simple_rnn', 'layers/global_average_pooling1d', 'layers/dense_2',
    ]);
  });

  test.each(['rnn', 'functional'])('%s: with the name attributes removed, weights are found by path and predictions still match Keras', async (name) => {
    const archive = ZipArchive.open(path.join(FIXTURE_DIR, `${name}.keras`));
    const groups = await readWeightGroups(new Uint8Array(await archive.read('model.weights.h5')));
    expect(groups.some((group) => group.name != null)).toBe(true);
    const unnamed = await writeWeightGroups(groups.map((group) => ({ ...group, name: undefined })), name);
    expect((await readWeightGroups(unnamed)).every((group) => group.name === undefined)).toBe(true);
    const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'layerwise-keras-unnamed-'));
    const file = path.join(directory, `${name}.keras`);
    fs.writeFileSync(file, zipSync({ 'config.json': new Uint8Array(await archive.read('config.json')), 'model.weights.h5': unnamed }));
    const model = await loadKerasModel(file);
    const expected = expectation(name);
    const { x, y } = inputsOf(expected);
    expect(maxAbsDifference(model.predict(x) as tf.Tensor, expected.predictions)).toBeLessThanOrEqual(PREDICTION_TOLERANCE);
    tf.dispose([x, y]);
    model.dispose();
    fs.rmSync(directory, { recursive: true, force: true });
  });
});

describe('Keras semantics of loaded layers', () => {
  test('a Keras kernel_constraint (MaxNorm) takes effect after every optimizer update in plain fit', async () => {
    const config = JSON.parse(fs.readFileSync(path.join(FIXTURE_DIR, 'mlp.json'), 'utf8'));
    config.config.layers[1].config.kernel_constraint = { module: 'keras.constraints', class_name: 'MaxNorm', config: { max_value: 0.05, axis: 0 }, registered_name: null };
    const model = await loadKerasModel(config);
    model.compile({ optimizer: tf.train.sgd(0.5), loss: 'categoricalCrossentropy' });
    const expected = expectation('mlp');
    const { x, y } = inputsOf(expected);
    await model.fit(x, y, { epochs: 1, batchSize: 10, verbose: 0 });
    const kernel = model.getLayer('hidden_1').getWeights()[0];
    const columnNorms = tf.tidy(() => tf.sqrt(tf.sum(tf.square(kernel), 0)).dataSync());
    expect(Math.max(...columnNorms)).toBeLessThanOrEqual(0.05 + 1e-6);
    tf.dispose([x, y]);
    model.dispose();
  });

  test('GRU with reset_after=false uses tfjs\'s GRU, with the config\'s sigmoid gates', async () => {
    const config = JSON.parse(fs.readFileSync(path.join(FIXTURE_DIR, 'rnn.json'), 'utf8'));
    const gru = config.config.layers.find((layer: { class_name: string }) => layer.class_name === 'GRU');
    gru.config.reset_after = false;
    const model = await loadKerasModel(config);
    const layer = model.getLayer('gru');
    expect(layer.getClassName()).toBe('GRU');
    expect(layer.getConfig().recurrentActivation).toBe('sigmoid');
    expect(layer.weights.map((weight) => weight.shape)).toEqual([[5, 12], [4, 12], [12]]);
    model.dispose();
  });
});

describe('loadKerasModel(model.to_json())', () => {
  test.each(['mlp', 'functional', 'rnn'])('%s: path, string and object give the architecture of the archive; with its weights, Keras\'s predictions', async (name) => {
    const jsonPath = path.join(FIXTURE_DIR, `${name}.json`);
    const text = fs.readFileSync(jsonPath, 'utf8');
    const fromArchive = await loadKerasModel(path.join(FIXTURE_DIR, `${name}.keras`));
    const expected = expectation(name);
    const { x, y } = inputsOf(expected);
    for (const source of [jsonPath, text, JSON.parse(text) as Record<string, unknown>]) {
      const model = await loadKerasModel(source);
      expect(model.layers.map((layer) => [layer.name, layer.getClassName()])).toEqual(fromArchive.layers.map((layer) => [layer.name, layer.getClassName()]));
      expect(model.weights.map((weight) => weight.shape)).toEqual(fromArchive.weights.map((weight) => weight.shape));
      model.setWeights(fromArchive.getWeights());
      const predictions = model.predict(x) as tf.Tensor;
      expect(maxAbsDifference(predictions, expected.predictions)).toBeLessThanOrEqual(PREDICTION_TOLERANCE);
      // Not compiled (to_json has no compile config): the loss is given.
      const breakdown = await lossBreakdown(model, x, y, { loss: name === 'mlp' ? 'categoricalCrossentropy' : name === 'rnn' ? 'sparseCategoricalCrossentropy' : 'meanSquaredError' });
      expectClose(breakdown.penalty, expected.penalty, RELATIVE, ABSOLUTE_FLOOR);
      predictions.dispose();
      model.dispose();
    }
    tf.dispose([x, y]);
    fromArchive.dispose();
  });
});

describe('loadKerasModel errors', () => {
  function mlpConfig(): { config: { layers: { class_name: string; config: Record<string, unknown> }[] } } {
    return JSON.parse(fs.readFileSync(path.join(FIXTURE_DIR, 'mlp.json'), 'utf8'));
  }

  test('an unsupported layer is named with its class and the supported classes are listed', async () => {
    const config = mlpConfig();
    config.config.layers[2] = { ...config.config.layers[2], class_name: 'LayerNormalization' };
    const attempt = loadKerasModel(config as unknown as Record<string, unknown>);
    await expect(attempt).rejects.toThrow(LayerwiseConfigError);
    await expect(loadKerasModel(config as unknown as Record<string, unknown>)).rejects.toThrow(
      /layers\[2\] "hidden_2" \(LayerNormalization\).*class "LayerNormalization", which loadKerasModel does not support; supported classes: .*Dense/,
    );
    expect(supportedKerasClasses()).toEqual(expect.arrayContaining(['InputLayer', 'Dense', 'Conv1D', 'Conv2D', 'LSTM', 'GRU', 'SimpleRNN', 'Embedding', 'BatchNormalization', 'Add', 'Concatenate', 'ActivityRegularization']));
  });

  test('an activation Keras computes differently from tfjs (hard_sigmoid) is refused, naming the field', async () => {
    const config = mlpConfig();
    config.config.layers[1].config.activation = 'hard_sigmoid';
    await expect(loadKerasModel(config as unknown as Record<string, unknown>)).rejects.toThrow(/hidden_1.*\.activation = "hard_sigmoid": unsupported activation; supported: linear, relu/);
  });

  test('a path that does not exist, and text that is not JSON, are named', async () => {
    await expect(loadKerasModel('/no/such/model.keras')).rejects.toThrow(/loadKerasModel.source = "\/no\/such\/model.keras": no such file/);
    await expect(loadKerasModel('{"class_name": ')).rejects.toThrow(/loadKerasModel.source \(JSON string\) is not valid JSON/);
  });

  test('a reset-after GRU keeps its dropout rates (lib/layers/gru.ts implements them)', async () => {
    const config = JSON.parse(fs.readFileSync(path.join(FIXTURE_DIR, 'rnn.json'), 'utf8'));
    const gru = config.config.layers.find((layer: { class_name: string }) => layer.class_name === 'GRU');
    gru.config.recurrent_dropout = 0.2;
    const model = await loadKerasModel(config);
    const cell = (model.getLayer('gru') as unknown as { cell: { recurrentDropout: number; resetAfter: boolean } }).cell;
    expect([cell.recurrentDropout, cell.resetAfter]).toEqual([0.2, true]);
    model.dispose();
  });
});
