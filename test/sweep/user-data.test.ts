/**
 * A user's own data and modules reach every process that runs trials: a definition's `data.csv`
 * (relative to the definition file) trained by 2 pool workers, a `--module` that registers a
 * dataset used by pool workers, a definition module exported as `module.exports`, and a module
 * that fails to load is a configuration error (exit 2) naming the module and the line.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { LayerwiseConfigError } from '../../lib/errors/config-error';
import { splitFor } from '../../lib/sweep/objectives/train-model';
import { parseCsvData } from '../../lib/sweep/objectives/csv-data';
import { runSweep } from '../../lib/sweep/runner';
import { readSweepFile } from '../../lib/sweep/sweep-file';
import { writeBlobsCsv } from './fixtures/user-data';

const ROOT = path.join(__dirname, '..', '..');
const ENTRY = path.join(__dirname, 'fixtures', 'cli-entry.ts');
let directory: string;
beforeEach(() => {
  directory = fs.mkdtempSync(path.join(os.tmpdir(), 'layerwise-user-data-'));
});
afterEach(() => fs.rmSync(directory, { recursive: true, force: true }));

/** A small sweep over `data`: 2 arms × 2 configurations × 1 seed, 3 epochs of a 4-8-3 MLP. */
function definitionOver(data: Record<string, unknown>): Record<string, unknown> {
  return {
    name: 'user-data',
    model: { type: 'mlp', inputSize: 4, hidden: [8], outputSize: 3, activation: 'relu', task: 'multiclass' },
    data: { ...data, split: { validation: 0.25, test: 0.25, seed: 0 }, standardize: true },
    training: { epochs: 3, batchSize: 16, optimizer: { name: 'adam', learningRate: 0.01 } },
    arms: [
      { name: 'uniform', kind: 'uniform', penalties: { l2: { type: 'logUniform', low: 1e-5, high: 1e-2 } } },
      { name: 'per-layer', kind: 'per-layer', layers: ['dense_1', 'output'], penalties: { l2: { type: 'logUniform', low: 1e-5, high: 1e-2 } } },
    ],
    budget: 2,
    seeds: [1],
    sampler: { type: 'random', seed: 0 },
    execution: { backend: 'cpu' },
  };
}

function journalEvents(out: string): Array<Record<string, any>> {
  return fs
    .readFileSync(path.join(out, 'journal.jsonl'), 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line));
}

describe('data.csv', () => {
  test('a CSV next to the definition, run by 2 pool workers: every trial completes on the recorded backend and path', async () => {
    fs.mkdirSync(path.join(directory, 'study', 'data'), { recursive: true });
    writeBlobsCsv({ file: path.join(directory, 'study', 'data', 'flowers.csv'), rows: 160, features: 4, classes: 3, delimiter: ';', seed: 2 });
    const file = path.join(directory, 'study', 'sweep.json');
    fs.writeFileSync(file, JSON.stringify(definitionOver({ csv: { path: 'data/flowers.csv', target: 'species', delimiter: ';' } })));
    const definition = readSweepFile(file);
    expect(definition.data.csv!.path).toBe(path.join(directory, 'study', 'data', 'flowers.csv'));
    const out = path.join(directory, 'out');
    // Another working directory: the workers must not depend on it to find the file.
    // The definition's execution.backend must decide here: the cpu pass of `npm test` sets
    // LAYERWISE_BACKEND, which would take precedence over it.
    const environment = process.env.LAYERWISE_BACKEND;
    delete process.env.LAYERWISE_BACKEND;
    let summary;
    try {
      summary = await runSweep({ definition, directory: out, workers: 2 });
    } finally {
      if (environment !== undefined) process.env.LAYERWISE_BACKEND = environment;
    }
    expect(summary.total).toBe(4);
    expect(summary.complete).toBe(4);
    for (const record of summary.records) {
      expect(record.backend).toBe('cpu');
      // Trials of one architecture train as populations by default (execution.population 'auto').
      expect(record.trainingPath).toBe('population');
      expect(record.final!.test!.accuracy).toBeGreaterThan(0.5); // 3 separable blobs: far above chance (1/3)
    }
    const backendEvents = journalEvents(out).filter((event) => event.op === 'backend');
    expect(backendEvents.map((event) => event.choice)).toEqual([expect.objectContaining({ backend: 'cpu', selection: 'definition' })]);
  }, 240_000);

  test('the split is seeded and stratified, standardization is fitted on the train split only', () => {
    writeBlobsCsv({ file: path.join(directory, 'blobs.csv'), rows: 120, features: 4, classes: 3, seed: 5 });
    const file = path.join(directory, 'sweep.json');
    fs.writeFileSync(file, JSON.stringify(definitionOver({ csv: { path: 'blobs.csv', target: 'species', features: ['f0', 'f2'] } })));
    const definition = readSweepFile(file);
    const splits = splitFor(definition);
    expect(splits.train.featureCount).toBe(2);
    expect([splits.train.sampleCount, splits.validation!.sampleCount, splits.test!.sampleCount]).toEqual([60, 30, 30]);
    for (const split of [splits.train, splits.validation!, splits.test!]) {
      const perClass = [0, 1, 2].map((label) => split.y.filter((value) => value === label).length);
      expect(perClass).toEqual(Array(3).fill(split.sampleCount / 3));
    }
    for (let feature = 0; feature < 2; feature++) {
      const values = Array.from({ length: splits.train.sampleCount }, (_, row) => splits.train.x[row * 2 + feature]);
      const mean = values.reduce((a, b) => a + b, 0) / values.length;
      expect(Math.abs(mean)).toBeLessThan(1e-9); // fitted on train: its mean is 0 exactly (up to rounding)
    }
    expect(splitFor(definition).test!.x).toEqual(splits.test!.x); // same seed, same split
  });

  test('bad files and columns are configuration errors naming the file, line and column', () => {
    const spec = { path: 'x.csv', target: 'label' };
    expect(() => parseCsvData('a,b,label\n1,2,x\n3,oops,y\n', 'x.csv', spec)).toThrow(/x\.csv.*line 3.*column 2.*"b".*non-numeric value "oops"/);
    expect(() => parseCsvData('a,b,label\n1,2,x\n', 'x.csv', { ...spec, target: 'class' })).toThrow(/no target column "class".*columns are a, b, label/);
    expect(() => parseCsvData('a,b,label\n1,2,x\n3,4,x\n', 'x.csv', spec)).toThrow(/1 distinct value/);
    const file = path.join(directory, 'sweep.json');
    fs.writeFileSync(file, JSON.stringify(definitionOver({ csv: { path: 'missing.csv', target: 'species' } })));
    expect(() => splitFor(readSweepFile(file))).toThrow(LayerwiseConfigError);
    expect(() => splitFor(readSweepFile(file))).toThrow(/data\.csv.*missing\.csv.*does not exist/);
    fs.writeFileSync(file, JSON.stringify(definitionOver({ dataset: 'moons', csv: { path: 'a.csv', target: 'y' } })));
    expect(() => readSweepFile(file)).toThrow(LayerwiseConfigError);
  });
});

describe('user modules', () => {
  test('a --module that registers a dataset is loaded by every pool worker', async () => {
    const module = path.join(directory, 'register-blobs.js');
    fs.writeFileSync(
      module,
      `const { registerDataset } = require(${JSON.stringify(path.join(ROOT, 'lib', 'data'))});\n` +
        `const { parseCsvData } = require(${JSON.stringify(path.join(ROOT, 'lib', 'sweep', 'objectives', 'csv-data'))});\n` +
        `const fs = require('fs');\n` +
        `registerDataset('blobs4', { description: 'four-feature blobs', parameters: {}, load: () => parseCsvData(fs.readFileSync(${JSON.stringify(path.join(directory, 'blobs.csv'))}, 'utf8'), 'blobs.csv', { path: 'blobs.csv', target: 'species' }) });\n`,
    );
    writeBlobsCsv({ file: path.join(directory, 'blobs.csv'), rows: 120, features: 4, classes: 3, seed: 6 });
    const file = path.join(directory, 'sweep.json');
    fs.writeFileSync(file, JSON.stringify(definitionOver({ dataset: 'blobs4' })));
    const summary = await runSweep({ definition: readSweepFile(file), directory: path.join(directory, 'out'), workers: 2, objectiveModules: [module] });
    expect(summary.complete).toBe(4);
    expect(summary.failed).toBe(0);
  }, 240_000);

  test('CLI: a definition module exported as module.exports runs; a module that throws exits 2 naming the module and the line', () => {
    writeBlobsCsv({ file: path.join(directory, 'blobs.csv'), rows: 120, features: 4, classes: 3, seed: 7 });
    const definitionModule = path.join(directory, 'sweep.js');
    fs.writeFileSync(definitionModule, `module.exports = ${JSON.stringify({ ...definitionOver({ csv: { path: 'blobs.csv', target: 'species' } }), budget: 1, arms: (definitionOver({}).arms as unknown[]).slice(0, 1) })};\n`);
    const run = (...args: string[]) =>
      spawnSync(process.execPath, ['-r', require.resolve('ts-node/register/transpile-only'), ENTRY, 'sweep', definitionModule, '--out', path.join(directory, 'out'), '--workers', '0', '--no-report', ...args], {
        encoding: 'utf8',
        timeout: 120_000,
        // Without LAYERWISE_BACKEND (set by the cpu pass of `npm test`) the definition's field decides.
        env: Object.fromEntries(Object.entries(process.env).filter(([name]) => name !== 'LAYERWISE_BACKEND')),
      });
    const ok = run();
    expect(ok.stderr).toMatch(/backend cpu: forced by the definition's "backend" field/);
    expect(ok.status).toBe(0);
    expect(ok.stdout).toMatch(/user-data: 1 complete/);
    const broken = path.join(directory, 'broken.js');
    fs.writeFileSync(broken, `// a user module\nconst x = 1;\nthrow new Error('cannot reach the data server');\n`);
    const failed = run('--module', broken);
    expect(failed.status).toBe(2);
    expect(failed.stderr).toContain(`module ${broken}:3`);
    expect(failed.stderr).toMatch(/cannot reach the data server/);
    const syntax = path.join(directory, 'syntax.js');
    fs.writeFileSync(syntax, `const a = 1;\nconst b = ;\n`);
    const bad = run('--module', syntax);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain(`module ${syntax}:2`);
  }, 240_000);
});
