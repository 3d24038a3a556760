/**
 * Regression targets in a definition's data: CSV (one or several numeric target columns) and
 * NumPy sources with `task: "regression"`, an MLP with `task: "regression"` (linear outputs, mean
 * squared error), an unstratified split, feature and (optionally) target standardization fitted on
 * the train split only, MSE and MAE in every record instead of accuracy, and a report that shows
 * them without an accuracy column full of NaN or undefined.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { splitDataset } from '../../lib/data';
import { LayerwiseConfigError } from '../../lib/errors/config-error';
import { analyzeSweep } from '../../lib/report/analyze';
import { renderConfigurationsCsv, renderTrialsCsv } from '../../lib/report/render-csv';
import { renderJson } from '../../lib/report/render-json';
import { renderMarkdown } from '../../lib/report/render-markdown';
import { renderTable } from '../../lib/report/render-table';
import { renderHtml } from '../../lib/report/render-html';
import { parseCsvData, loadCsvData } from '../../lib/sweep/objectives/csv-data';
import { splitFor, trainModelObjective } from '../../lib/sweep/objectives/train-model';
import { runSweep } from '../../lib/sweep/runner';
import { readSweepFile } from '../../lib/sweep/sweep-file';
import { writeLinearCsv } from './fixtures/user-data';

let directory: string;
beforeEach(() => {
  directory = fs.mkdtempSync(path.join(os.tmpdir(), 'layerwise-regression-'));
});
afterEach(() => fs.rmSync(directory, { recursive: true, force: true }));

/** A sweep over the linear CSV: a 4-16-outputs regression MLP, 2 arms × 2 configurations × 1 seed. */
function definitionOver(data: Record<string, unknown>, model: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'regression',
    model: { type: 'mlp', inputSize: 4, hidden: [16], outputSize: 2, activation: 'relu', task: 'regression', ...model },
    data: { split: { validation: 0.2, test: 0.2, seed: 0 }, standardize: true, ...data },
    training: { epochs: 30, batchSize: 32, optimizer: { name: 'adam', learningRate: 0.01 } },
    arms: [
      { name: 'uniform', kind: 'uniform', penalties: { l2: { type: 'logUniform', low: 1e-6, high: 1e-4 } } },
      { name: 'per-layer', kind: 'per-layer', layers: ['dense_1', 'output'], penalties: { l2: { type: 'logUniform', low: 1e-6, high: 1e-4 } } },
    ],
    budget: 2,
    seeds: [1],
    sampler: { type: 'random', seed: 0 },
    execution: { backend: 'cpu' },
  };
}

function writeDefinition(definition: Record<string, unknown>): string {
  const file = path.join(directory, 'sweep.json');
  fs.writeFileSync(file, JSON.stringify(definition));
  return file;
}

const CSV_TARGETS = { path: 'linear.csv', target: ['price', 'demand'], task: 'regression' };

describe('regression targets in data.csv', () => {
  test('one or several numeric target columns; errors name the field, the file, the line and the column', () => {
    const text = 'a,b,y,z\n1,2,0.5,-1\n3,4,1.5,2e3\n';
    const one = parseCsvData(text, 'r.csv', { path: 'r.csv', target: 'y', features: ['a', 'b'], task: 'regression' });
    expect([one.targetCount, one.classCount, one.featureCount]).toEqual([1, 1, 2]);
    expect(Array.from(one.targets!)).toEqual([0.5, 1.5]);
    const two = parseCsvData(text, 'r.csv', { path: 'r.csv', target: ['y', 'z'], task: 'regression' });
    expect(two.featureNames).toEqual(['a', 'b']); // every column but the targets
    expect(Array.from(two.targets!)).toEqual([0.5, -1, 1.5, 2000]);
    expect(two.targetNames).toEqual(['y', 'z']);
    expect(() => parseCsvData('a,y\n1,cheap\n', 'r.csv', { path: 'r.csv', target: 'y', task: 'regression' })).toThrow(/r\.csv.*line 2.*column 2.*"y".*non-numeric target value "cheap"/);
    expect(() => parseCsvData('a,y\n1,\n', 'r.csv', { path: 'r.csv', target: 'y', task: 'regression' })).toThrow(/line 2.*missing target value/);
    expect(() => parseCsvData(text, 'r.csv', { path: 'r.csv', target: ['y', 'z'] })).toThrow(/data\.csv\.target.*needs task "regression"/);
    expect(() => parseCsvData(text, 'r.csv', { path: 'r.csv', target: 'y', task: 'ranking' as never })).toThrow(/data\.csv\.task.*allowed values are classification, regression/);
    expect(() => parseCsvData(text, 'r.csv', { path: 'r.csv', target: 'y', features: ['a', 'y'], task: 'regression' })).toThrow(/target "y" is also listed as a feature/);
    // The schema says the same before any file is read.
    writeLinearCsv({ file: path.join(directory, 'linear.csv'), rows: 20 });
    const file = writeDefinition(definitionOver({ csv: { ...CSV_TARGETS, task: 'ranking' } }));
    expect(() => readSweepFile(file)).toThrow(LayerwiseConfigError);
    expect(() => readSweepFile(file)).toThrow(/data\.csv\.task.*"classification", "regression"/);
  });

  test('the split is unstratified (numpy permutation order), features and targets are standardized with train statistics only', () => {
    writeLinearCsv({ file: path.join(directory, 'linear.csv'), rows: 100, seed: 3 });
    const definition = readSweepFile(writeDefinition(definitionOver({ csv: CSV_TARGETS, standardizeTargets: true })));
    const splits = splitFor(definition);
    const raw = loadCsvData(definition.data.csv!);
    const unstratified = splitDataset(raw, { validation: 0.2, test: 0.2, seed: 0, stratify: false });
    expect(Array.from(splits.indices.test!)).toEqual(Array.from(unstratified.indices.test!));
    expect([splits.train.sampleCount, splits.validation!.sampleCount, splits.test!.sampleCount]).toEqual([60, 20, 20]);
    const column = (values: Float64Array, count: number, index: number) => Array.from({ length: values.length / count }, (_, row) => values[row * count + index]);
    const meanOf = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
    const stdOf = (values: number[]) => Math.sqrt(meanOf(values.map((value) => (value - meanOf(values)) ** 2)));
    for (let target = 0; target < 2; target++) {
      const trainValues = column(splits.train.targets!, 2, target);
      expect(Math.abs(meanOf(trainValues))).toBeLessThan(1e-9); // train mean 0 up to rounding
      expect(stdOf(trainValues)).toBeCloseTo(1, 9); // population std 1 (ddof 0, as StandardScaler)
      // The test split is scaled with the TRAIN mean and std: recompute them from the raw train rows.
      const rawTrain = column(unstratified.train.targets!, 2, target);
      const expected = column(unstratified.test!.targets!, 2, target).map((value) => (value - meanOf(rawTrain)) / stdOf(rawTrain));
      column(splits.test!.targets!, 2, target).forEach((value, row) => expect(value).toBeCloseTo(expected[row], 9));
    }
    // Without standardizeTargets the targets are the file's numbers.
    const plain = splitFor(readSweepFile(writeDefinition(definitionOver({ csv: CSV_TARGETS }))));
    expect(Array.from(plain.test!.targets!)).toEqual(Array.from(unstratified.test!.targets!));
  });

  test('refused before any trial: stratifying regression targets, standardizing class labels as targets, a model whose task or outputs do not fit', () => {
    writeLinearCsv({ file: path.join(directory, 'linear.csv'), rows: 40 });
    const bad = (data: Record<string, unknown>, model: Record<string, unknown> = {}) => () => trainModelObjective.validate!(readSweepFile(writeDefinition(definitionOver(data, model))));
    expect(bad({ csv: CSV_TARGETS, split: { validation: 0.2, test: 0.2, stratify: true } })).toThrow(/data\.split\.stratify.*regression targets.*allowed: false/);
    expect(bad({ csv: CSV_TARGETS }, { task: 'multiclass' })).toThrow(/model\.task.*"multiclass".*holds regression targets; allowed: "regression"/);
    expect(bad({ csv: CSV_TARGETS }, { outputSize: 1 })).toThrow(/model\.outputSize = 1 .* 2 regression target\(s\)/);
    fs.writeFileSync(path.join(directory, 'classes.csv'), 'f0,f1,f2,f3,label\n' + Array.from({ length: 20 }, (_, row) => `${row},1,2,3,${row % 2}`).join('\n') + '\n');
    expect(bad({ csv: { path: 'classes.csv', target: 'label' } }, { outputSize: 1 })).toThrow(/model\.task.*holds class labels.*allowed: "binary" or "multiclass"/);
    expect(bad({ csv: { path: 'classes.csv', target: 'label' }, standardizeTargets: true }, { task: 'binary', outputSize: 1 })).toThrow(/data\.standardizeTargets.*class labels/);
    expect(() => bad({ csv: CSV_TARGETS })()).not.toThrow();
  });

  test('a regression sweep (2 targets, standardized): every record has MSE as its loss and MAE, no accuracy; the report shows them and never NaN or undefined', async () => {
    writeLinearCsv({ file: path.join(directory, 'linear.csv'), rows: 200, seed: 1 });
    const definition = readSweepFile(writeDefinition(definitionOver({ csv: CSV_TARGETS, standardizeTargets: true })));
    const environment = process.env.LAYERWISE_BACKEND;
    delete process.env.LAYERWISE_BACKEND;
    let summary;
    try {
      summary = await runSweep({ definition, directory: path.join(directory, 'out'), workers: 0 });
    } finally {
      if (environment !== undefined) process.env.LAYERWISE_BACKEND = environment;
    }
    expect(summary.complete).toBe(4);
    for (const record of summary.records) {
      const test = record.final!.test!;
      expect(test.accuracy).toBeUndefined();
      expect(record.final!.accuracyGap).toBeUndefined();
      // Standardized targets: predicting the train mean costs MSE ≈ 1 and MAE ≈ 0.8 (normal). The
      // targets are linear in the features with noise 0.1·σ·(...) so a trained net is far below both.
      expect(test.loss).toBeLessThan(0.2);
      expect(test.meanAbsoluteError).toBeGreaterThan(0);
      expect(test.meanAbsoluteError!).toBeLessThan(0.35);
      // MAE ≤ √MSE (Jensen), a check that the two are measured on the same predictions.
      expect(test.meanAbsoluteError!).toBeLessThanOrEqual(Math.sqrt(test.loss) + 1e-6);
      expect(record.epochs[0].train.meanAbsoluteError).toBeGreaterThan(test.meanAbsoluteError!);
    }
    const report = analyzeSweep(summary.records, { bootstrapResamples: 50, importanceResamples: 5, importanceTrees: 4 });
    const views = { table: renderTable(report), markdown: renderMarkdown(report), csv: renderTrialsCsv(report) + renderConfigurationsCsv(report), json: renderJson(report), html: (await renderHtml(report)).html.replace(/<script[\s\S]*?<\/script>/g, '') }; // the table-sorting script's own NaN and undefined are code, not values
    for (const [name, text] of Object.entries(views)) {
      expect({ name, nan: /\bNaN\b/.test(text), undefined: /\bundefined\b/.test(text) }).toEqual({ name, nan: false, undefined: false });
    }
    expect(views.table).toMatch(/test MAE/);
    expect(views.markdown).toMatch(/test MAE/);
    expect(views.table).not.toMatch(/test acc/);
  }, 240_000);
});

/** A float64 `.npy` file as `numpy.save` writes it (format 1.0, little-endian, C order). */
function writeNpy(file: string, shape: number[], values: ArrayLike<number>): void {
  const dict = `{'descr': '<f8', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  // Magic (6) + version (2) + length (2) + header, padded with spaces to a multiple of 64 and ended by a newline.
  const total = Math.ceil((10 + dict.length + 1) / 64) * 64;
  const header = `${dict}${' '.repeat(total - 10 - dict.length - 1)}\n`;
  const prefix = Buffer.alloc(10);
  Buffer.from([0x93, ...Buffer.from('NUMPY'), 1, 0]).copy(prefix);
  prefix.writeUInt16LE(header.length, 8);
  fs.writeFileSync(file, Buffer.concat([prefix, Buffer.from(header, 'latin1'), Buffer.from(Float64Array.from(values).buffer)]));
}

describe('regression targets in data.npy', () => {
  test('y of shape [n] or [n, k] with task "regression" becomes targets; without it the same floats are refused as class labels', () => {
    const rows = 30;
    const x = Array.from({ length: rows * 3 }, (_, index) => Math.sin(index));
    const y = Array.from({ length: rows }, (_, row) => 2 * x[row * 3] - x[row * 3 + 2] + 0.5);
    writeNpy(path.join(directory, 'x.npy'), [rows, 3], x);
    writeNpy(path.join(directory, 'y.npy'), [rows], y);
    writeNpy(path.join(directory, 'y2.npy'), [rows, 2], y.flatMap((value) => [value, -value]));
    const model = { inputSize: 3, outputSize: 1 };
    const one = splitFor(readSweepFile(writeDefinition(definitionOver({ npy: { x: 'x.npy', y: 'y.npy', task: 'regression' }, standardize: false }, model))));
    expect([one.train.targetCount, one.train.sampleCount + one.validation!.sampleCount + one.test!.sampleCount]).toEqual([1, rows]);
    const rowOf = one.indices.test![0];
    expect(one.test!.targets![0]).toBe(y[rowOf]); // the file's number, unscaled, for the sample the split put first
    const two = splitFor(readSweepFile(writeDefinition(definitionOver({ npy: { x: 'x.npy', y: 'y2.npy', task: 'regression' } }, { ...model, outputSize: 2 }))));
    expect(two.train.targetCount).toBe(2);
    expect(() => splitFor(readSweepFile(writeDefinition(definitionOver({ npy: { x: 'x.npy', y: 'y.npy' } }, model))))).toThrow(/data\.npy.*y\.npy.*not a class index/);
    expect(() => readSweepFile(writeDefinition(definitionOver({ npy: { x: 'x.npy', y: 'y.npy', task: 'ordinal' } }, model)))).toThrow(/data\.npy\.task.*"classification", "regression"/);
  });
});

describe('schema and types agree on regression data', () => {
  test('every source task enum is DATA_TASKS; data has standardizeTargets; a regression definition round-trips through toConfig / fromConfig', () => {
    const { fromConfig, toConfig, SWEEP_DEFINITION_SCHEMA } = require('../../lib/sweep/definition-config') as typeof import('../../lib/sweep/definition-config');
    const { DATA_TASKS } = require('../../lib/sweep/definition') as typeof import('../../lib/sweep/definition');
    const schema = SWEEP_DEFINITION_SCHEMA as { definitions: Record<string, any>; properties: Record<string, any> };
    for (const source of ['csvData', 'npyData', 'npzData']) expect(schema.definitions[source].properties.task.enum).toEqual([...DATA_TASKS]);
    expect(schema.properties.data.properties.standardizeTargets.type).toBe('boolean');
    const data = { csv: { path: '/d/h.csv', target: ['price', 'demand'], task: 'regression' }, split: { validation: 0.2, test: 0.2, seed: 1, stratify: false }, standardize: true, standardizeTargets: true };
    const definition = fromConfig({ name: 'round-trip', model: { type: 'mlp', inputSize: 4, hidden: [8], outputSize: 2, task: 'regression' }, data, arms: [{ name: 'none', kind: 'none' }], budget: 1, seeds: 1 });
    expect(fromConfig(toConfig(definition))).toEqual(definition);
    expect(definition.data).toEqual(data);
    expect(() => fromConfig({ ...toConfig(definition), data: { ...data, standardizeTargets: 'yes' } })).toThrow(/data\.standardizeTargets/);
  });
});
