/**
 * The model and data sections of a definition reach every process that trains: NumPy (.npz, .npy)
 * and IDX data next to the definition file, a Keras 3 model file (.keras with its weights, .json
 * re-initialized from the trial's seed), the recurrent builder, and a model factory a --module
 * registers, run in-process and by 2 pool workers.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadKerasModel } from '../../lib/builders';
import { LayerwiseConfigError } from '../../lib/errors/config-error';
import { splitFor, trainModelObjective } from '../../lib/sweep/objectives/train-model';
import { createTrialModel } from '../../lib/sweep/objectives/trial-model';
import { runSweep } from '../../lib/sweep/runner';
import { readSweepFile } from '../../lib/sweep/sweep-file';

const ROOT = path.join(__dirname, '..', '..');
const NUMPY = path.join(__dirname, '..', 'fixtures', 'numpy');
const KERAS = path.join(__dirname, '..', 'fixtures', 'keras-models');
let directory: string;
beforeEach(() => {
  directory = fs.mkdtempSync(path.join(os.tmpdir(), 'layerwise-model-data-'));
});
afterEach(() => fs.rmSync(directory, { recursive: true, force: true }));

const L2 = { type: 'logUniform', low: 1e-5, high: 1e-2 };

/** Writes `definition` as `study/sweep.json` with `files` (fixture name → name in study/) next to it, and reads it back. */
function studyFile(definition: Record<string, unknown>, files: Record<string, string>): string {
  fs.mkdirSync(path.join(directory, 'study'), { recursive: true });
  for (const [source, target] of Object.entries(files)) fs.copyFileSync(source, path.join(directory, 'study', target));
  const file = path.join(directory, 'study', 'sweep.json');
  fs.writeFileSync(file, JSON.stringify({ budget: 2, seeds: [1], sampler: { type: 'random', seed: 0 }, execution: { backend: 'cpu' }, ...definition }));
  return file;
}

function trainLosses(record: { epochs: Array<{ train: { loss: number } }> }): number[] {
  return record.epochs.map((epoch) => epoch.train.loss);
}

describe('NumPy and IDX data', () => {
  const split = { validation: 0.2, test: 0.2, seed: 3 };
  const mlp = { type: 'mlp', inputSize: 4, hidden: [8], outputSize: 3, task: 'multiclass' };
  const arms = [{ name: 'uniform', kind: 'uniform', penalties: { l2: L2 } }];

  test('.npz and .npy sources give the same seeded, stratified split; standardization is fitted on the train split only', () => {
    const fromNpz = splitFor(readSweepFile(studyFile({ name: 'npz', model: mlp, arms, data: { npz: { path: 'classes.npz', x: 'x_train', y: 'y_train' }, split, standardize: true } }, { [path.join(NUMPY, 'classes.npz')]: 'classes.npz' })));
    const fromNpy = splitFor(
      readSweepFile(studyFile({ name: 'npy', model: mlp, arms, data: { npy: { x: 'x.npy', y: 'y.npy' }, split, standardize: true } }, { [path.join(NUMPY, 'x.npy')]: 'x.npy', [path.join(NUMPY, 'y.npy')]: 'y.npy' })),
    );
    expect(fromNpy.train.x).toEqual(fromNpz.train.x);
    expect(fromNpy.test!.y).toEqual(fromNpz.test!.y);
    // 30 samples, 10 per class: 6 test, 6 validation, 18 train, each class keeping its third.
    for (const [part, size] of [[fromNpz.train, 18], [fromNpz.validation!, 6], [fromNpz.test!, 6]] as const) {
      expect([0, 1, 2].map((label) => part.y.filter((value) => value === label).length)).toEqual(Array(3).fill(size / 3));
    }
    for (let feature = 0; feature < 4; feature++) {
      const values = Array.from({ length: 18 }, (_, row) => fromNpz.train.x[row * 4 + feature]);
      expect(Math.abs(values.reduce((a, b) => a + b, 0) / 18)).toBeLessThan(1e-9); // train mean 0 up to rounding
    }
  });

  test('IDX images and labels (pixels scaled to [0, 1] by default), and errors that name the field and the file', () => {
    const images = Buffer.concat([Buffer.from([0, 0, 8, 3, 0, 0, 0, 6, 0, 0, 0, 2, 0, 0, 0, 2]), Buffer.from(Array.from({ length: 24 }, (_, i) => i * 10))]);
    const labels = Buffer.concat([Buffer.from([0, 0, 8, 1, 0, 0, 0, 6]), Buffer.from([0, 1, 0, 1, 0, 1])]);
    fs.mkdirSync(path.join(directory, 'study'), { recursive: true });
    fs.writeFileSync(path.join(directory, 'study', 'images.idx'), images);
    fs.writeFileSync(path.join(directory, 'study', 'labels.idx'), labels);
    const model = { type: 'cnn', inputShape: [2, 2, 1], blocks: [{ filters: 2, kernelSize: 1 }], dense: [], outputSize: 1, task: 'binary' };
    const file = studyFile({ name: 'idx', model, arms, data: { idx: { images: 'images.idx', labels: 'labels.idx' }, split: { ordered: true, train: 4 } } }, {});
    const splits = splitFor(readSweepFile(file));
    expect(Array.from(splits.train.x.slice(0, 5))).toEqual([0, 10, 20, 30, 40].map((byte) => byte / 255));
    expect(splits.train.imageShape).toEqual([2, 2, 1]);
    expect(() => trainModelObjective.validate!(readSweepFile(file))).not.toThrow();
    const missing = studyFile({ name: 'npz', model: mlp, arms, data: { npz: { path: 'nothing.npz' } } }, {});
    expect(() => splitFor(readSweepFile(missing))).toThrow(LayerwiseConfigError);
    expect(() => splitFor(readSweepFile(missing))).toThrow(/^data\.npz: .*nothing\.npz: file does not exist/);
    const wrongArray = studyFile({ name: 'npz', model: mlp, arms, data: { npz: { path: 'classes.npz' } } }, { [path.join(NUMPY, 'classes.npz')]: 'classes.npz' });
    expect(() => splitFor(readSweepFile(wrongArray))).toThrow(/data\.npz: .*classes\.npz: has no array "x"; its arrays are x_train, y_train/);
    expect(() => readSweepFile(studyFile({ name: 'two', model: mlp, arms, data: { dataset: 'moons', npz: { path: 'a.npz' } } }, {}))).toThrow(
      'data: gives dataset and npz; give exactly one of dataset, csv, npy, npz, idx',
    );
  });
});

describe('Keras model files', () => {
  test('a .keras model (re-seeded) on .npz data, relative to the definition, run by 2 pool workers: every trial completes, as in-process', async () => {
    const file = studyFile(
      {
        name: 'keras-npz',
        model: { keras: 'mlp.keras', initialWeights: 'seed' },
        data: { npz: { path: 'blobs6.npz', x: 'x_train', y: 'y_train' }, split: { validation: 0.2, test: 0.2, seed: 0 }, standardize: true },
        training: { epochs: 3, batchSize: 16, optimizer: { name: 'adam', learningRate: 0.01 } },
        arms: [
          { name: 'uniform', kind: 'uniform', penalties: { l2: L2 } },
          { name: 'per-layer', kind: 'per-layer', layers: ['hidden_1', 'output'], penalties: { l2: L2 } },
        ],
      },
      { [path.join(KERAS, 'mlp.keras')]: 'mlp.keras', [path.join(NUMPY, 'blobs6.npz')]: 'blobs6.npz' },
    );
    const definition = readSweepFile(file);
    expect(definition.model.keras).toBe(path.join(directory, 'study', 'mlp.keras'));
    expect(definition.data.npz!.path).toBe(path.join(directory, 'study', 'blobs6.npz'));
    const summary = await runSweep({ definition, directory: path.join(directory, 'out'), workers: 2 });
    expect([summary.total, summary.complete, summary.failed]).toEqual([4, 4, 0]);
    for (const record of summary.records) {
      expect(record.backend).toBe('cpu');
      expect(record.epochs).toHaveLength(3);
      expect(Number.isFinite(record.final!.validation!.loss)).toBe(true);
    }
    // Reproducible from the seeds: in-process, the same trials give the same losses (same backend, exact).
    const again = await runSweep({ definition, directory: path.join(directory, 'again'), workers: 0 });
    const losses = (records: typeof summary.records) =>
      Object.fromEntries(records.map((record) => [record.trialId, record.epochs.map((epoch) => [epoch.train.loss, epoch.validation!.loss])]));
    expect(losses(again.records)).toEqual(losses(summary.records));
  }, 240_000);

  test('initial weights: .keras keeps the file\'s by default, "seed" and .json re-initialize them from the trial\'s seed', async () => {
    const data = splitFor({ data: { npz: { path: path.join(NUMPY, 'blobs6.npz'), x: 'x_train', y: 'y_train' } } }).train;
    const kernel = async (model: Record<string, unknown>, seed: number): Promise<number[]> => {
      const created = await createTrialModel(model, seed, data);
      const values = Array.from(created.model.getLayer('hidden_1').getWeights()[0].dataSync());
      expect(created.task).toBe('multiclass'); // inferred: 3 output units
      created.model.dispose();
      return values;
    };
    const reference = await loadKerasModel(path.join(KERAS, 'mlp.keras'), { compile: false });
    const fileWeights = Array.from(reference.getLayer('hidden_1').getWeights()[0].dataSync());
    reference.dispose();
    const keras = { keras: path.join(KERAS, 'mlp.keras') };
    expect(await kernel(keras, 1)).toEqual(fileWeights);
    expect(await kernel(keras, 2)).toEqual(fileWeights);
    const reseeded = { ...keras, initialWeights: 'seed' };
    expect(await kernel(reseeded, 1)).toEqual(await kernel(reseeded, 1));
    expect(await kernel(reseeded, 1)).not.toEqual(await kernel(reseeded, 2));
    expect(await kernel(reseeded, 1)).not.toEqual(fileWeights);
    const json = { keras: path.join(KERAS, 'mlp.json') };
    expect(await kernel(json, 5)).toEqual(await kernel(json, 5));
    expect(await kernel(json, 5)).not.toEqual(await kernel(json, 6));
  });

  test('checked before any trial: the data must fit the model, arm layers must exist, weights "file" needs a .keras', () => {
    const definition = (model: Record<string, unknown>, layers = ['hidden_1']) =>
      readSweepFile(
        studyFile(
          { name: 'k', model, data: { npz: { path: 'classes.npz', x: 'x_train', y: 'y_train' } }, arms: [{ name: 'p', kind: 'per-layer', layers, penalties: { l2: L2 } }] },
          { [path.join(KERAS, 'mlp.keras')]: 'mlp.keras', [path.join(KERAS, 'mlp.json')]: 'mlp.json', [path.join(NUMPY, 'classes.npz')]: 'classes.npz' },
        ),
      );
    expect(() => trainModelObjective.validate!(definition({ keras: 'mlp.keras' }))).toThrow(
      /^model\.keras = ".*mlp\.keras": the model takes inputs of shape \[6\] \(6 values per sample\) but data set "classes\.npz" has 4 features per sample/,
    );
    expect(() => trainModelObjective.validate!(definition({ keras: 'mlp.json', initialWeights: 'file' }))).toThrow(/model\.initialWeights = "file" but .*mlp\.json is a \.json file without weights/);
    expect(() => trainModelObjective.validate!(definition({ keras: 'mlp.keras' }, ['dense_9']))).toThrow(/arms\[0\]\.layers\[0\].*"dense_9": matches no layer of the model .*; layers are .*hidden_1 \(Dense\), hidden_2 \(Dense\), hidden_3 \(Dense\), dropout \(Dropout\), output \(Dense\)/);
  });
});

describe('recurrent builder and registered models', () => {
  test('an LSTM from the recurrent builder trains on .npz sequences [n, 6, 2] in a sweep; its loss falls', async () => {
    const file = studyFile(
      {
        name: 'rnn',
        model: { type: 'rnn', inputShape: [6, 2], cell: 'lstm', units: [6], dense: [4], outputSize: 1, dropout: 0.1, task: 'binary' },
        data: { npz: { path: 'sequences.npz' }, split: { validation: 0.25, test: 0.25, seed: 0 } },
        training: { epochs: 8, batchSize: 10, optimizer: { name: 'adam', learningRate: 0.03 } },
        arms: [
          { name: 'uniform', kind: 'uniform', penalties: { l2: L2 } },
          { name: 'per-layer', kind: 'per-layer', layers: ['recurrent_1', 'output'], penalties: { l2: L2 } },
        ],
        budget: 1,
      },
      { [path.join(NUMPY, 'sequences.npz')]: 'sequences.npz' },
    );
    const summary = await runSweep({ definition: readSweepFile(file), directory: path.join(directory, 'out'), workers: 0 });
    expect([summary.complete, summary.failed]).toEqual([2, 0]);
    for (const record of summary.records) {
      const losses = trainLosses(record as never);
      expect(losses[losses.length - 1]).toBeLessThan(losses[0]);
    }
  }, 240_000);

  test('a model factory registered by a --module is built in every pool worker; an unknown name lists the registered ones', async () => {
    const module = path.join(directory, 'tiny-model.js');
    fs.writeFileSync(
      module,
      `const tf = require(${JSON.stringify(require.resolve('@tensorflow/tfjs'))});\n` +
        `const { registerModel } = require(${JSON.stringify(path.join(ROOT, 'lib', 'builders'))});\n` +
        `const { layers } = require(${JSON.stringify(path.join(ROOT, 'lib', 'layers'))});\n` +
        `registerModel('tiny', (parameters, context) => tf.sequential({ layers: [\n` +
        `  layers.dense({ name: 'wide', units: parameters.width, activation: 'relu', inputShape: context.sampleShape, kernelInitializer: tf.initializers.glorotUniform({ seed: context.seed + 1 }) }),\n` +
        `  layers.dense({ name: 'out', units: context.classCount, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: context.seed + 2 }) }),\n` +
        `] }));\n`,
    );
    const file = studyFile(
      {
        name: 'registered',
        model: { registered: 'tiny', width: 8 },
        data: { npz: { path: 'classes.npz', x: 'x_train', y: 'y_train' }, split: { validation: 0.2, test: 0.2, seed: 0 } },
        training: { epochs: 2, batchSize: 8 },
        arms: [{ name: 'per-layer', kind: 'per-layer', layers: ['wide', 'out'], penalties: { l2: L2 } }],
      },
      { [path.join(NUMPY, 'classes.npz')]: 'classes.npz' },
    );
    const summary = await runSweep({ definition: readSweepFile(file), directory: path.join(directory, 'out'), workers: 2, objectiveModules: [module] });
    expect([summary.complete, summary.failed]).toEqual([2, 0]);
    const unknown = readSweepFile(studyFile({ name: 'r2', model: { registered: 'nothing' }, data: { dataset: 'moons' }, arms: [{ name: 'u', kind: 'uniform', penalties: { l2: L2 } }] }, {}));
    expect(() => trainModelObjective.validate!(unknown)).toThrow(/^model\.registered = "nothing": no model is registered under this name; registered: .*tiny/);
  }, 240_000);
});


describe('schema and builders agree', () => {
  test('definitions with every model kind and data source round-trip through toConfig / fromConfig', () => {
    const { fromConfig, toConfig } = require('../../lib/sweep/definition-config') as typeof import('../../lib/sweep/definition-config');
    const arms = [{ name: 'u', kind: 'uniform', penalties: { l2: L2 } }];
    const models = [
      { type: 'rnn', inputShape: [6, 2], cell: 'gru', units: [4, 3], dense: [2], outputSize: 1, dropout: 0.1, batchNormalization: true, task: 'binary' },
      { keras: '/m/model.keras', initialWeights: 'seed', task: 'multiclass' },
      { registered: 'tiny', width: 8, depth: [1, 2] },
    ];
    const data = [
      { npy: { x: '/d/x.npy', y: '/d/y.npy' }, standardize: true },
      { npz: { path: '/d/a.npz', x: 'x_train', y: 'y_train' }, split: { validation: 10, test: 0.1, seed: 2, stratify: false } },
      { idx: { images: '/d/i.gz', labels: '/d/l.gz', pixels: 'bytes' }, split: { ordered: true, train: 100, validation: 20 } },
    ];
    models.forEach((model, index) => {
      const definition = fromConfig({ name: 'round-trip', model, data: data[index], arms, budget: 1, seeds: 1 });
      expect(fromConfig(toConfig(definition))).toEqual(definition);
      expect(definition.model).toEqual(model);
      expect(definition.data).toEqual(data[index]);
    });
  });

  test('the definition schema\'s builder branches have the fields, required fields and enums of modelSpecSchema', () => {
    const { modelSpecSchema } = require('../../lib/builders') as typeof import('../../lib/builders');
    const { SWEEP_DEFINITION_SCHEMA } = require('../../lib/sweep/definition-config') as typeof import('../../lib/sweep/definition-config');
    const sweepSchema = SWEEP_DEFINITION_SCHEMA as { definitions: Record<string, any> };
    const branches = sweepSchema.definitions.builderModel.oneOf as Array<{ properties: Record<string, any>; required: string[] }>;
    const byType = new Map(branches.map((branch) => [branch.properties.type.const as string, branch]));
    const builderDefinitions = modelSpecSchema.definitions as unknown as Record<string, { properties: Record<string, any>; required: string[] }>;
    expect([...byType.keys()].sort()).toEqual(['cnn', 'mlp', 'rnn']);
    for (const [type, branch] of byType) {
      const reference = builderDefinitions[type];
      expect(Object.keys(branch.properties).sort()).toEqual(Object.keys(reference.properties).sort());
      expect([...branch.required].sort()).toEqual([...reference.required].sort());
    }
    expect(sweepSchema.definitions.activation.enum).toEqual(modelSpecSchema.definitions.activation.enum);
    expect(sweepSchema.definitions.task.enum).toEqual(modelSpecSchema.definitions.task.enum);
    expect(byType.get('rnn')!.properties.cell.enum).toEqual(modelSpecSchema.definitions.rnn.properties.cell.enum);
    expect(Object.keys(byType.get('cnn')!.properties.blocks.items.properties).sort()).toEqual(Object.keys(modelSpecSchema.definitions.convBlock.properties).sort());
  });

  test('a trial of a Keras .json model leaves no tensor behind', async () => {
    const tf = require('@tensorflow/tfjs') as typeof import('@tensorflow/tfjs');
    const definition = readSweepFile(
      studyFile(
        {
          name: 'leak',
          model: { keras: 'mlp.json' },
          data: { npz: { path: 'blobs6.npz', x: 'x_train', y: 'y_train' } },
          training: { epochs: 1, batchSize: 32 },
          arms: [{ name: 'u', kind: 'uniform', penalties: { l2: L2 } }],
        },
        { [path.join(KERAS, 'mlp.json')]: 'mlp.json', [path.join(NUMPY, 'blobs6.npz')]: 'blobs6.npz' },
      ),
    );
    const input = { definition, arm: definition.arms[0], params: { l2: 1e-3 }, seed: 1, trialId: 't', configId: 'c', index: 0, attempt: 1 };
    const context = { onEpoch: async () => false, signal: new AbortController().signal };
    await trainModelObjective.run(input, context); // warm-up: tfjs keeps a few tensors for good on first use
    const before = tf.memory().numTensors;
    const outcome = await trainModelObjective.run(input, context);
    expect(outcome.status).toBe('complete');
    expect(tf.memory().numTensors).toBe(before);
  });
});
