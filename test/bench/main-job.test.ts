/** Pure parts of the main-job benchmark: the generated CSV (bench/sweep/class-csv.ts), the journal summary and the mid-size definition both sides read (bench/sweep/main-job.ts, mid-size.json). */
import { parseCsvDataset } from '../../lib/data/csv';
import { classificationCsv, mulberry32 } from '../../bench/sweep/class-csv';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { optunaArgumentsOf, summarizeJournal } from '../../bench/sweep/main-job';
import { splitFor, trainModelObjective } from '../../lib/sweep/objectives/train-model';
import { readSweepFile } from '../../lib/sweep/sweep-file';

describe('classificationCsv', () => {
  test('is deterministic per seed and reads back through layerwise\'s CSV loader with the asked shape and balanced classes', () => {
    const args = { rows: 30, features: 4, classes: 3, seed: 20 };
    const text = classificationCsv(args);
    expect(classificationCsv(args)).toBe(text);
    expect(classificationCsv({ ...args, seed: 21 })).not.toBe(text);
    const dataset = parseCsvDataset(text, 'generated.csv');
    expect(dataset.x.length).toBe(30 * 4);
    expect(Array.from(dataset.y)).toEqual(Array.from({ length: 30 }, (_, row) => row % 3));
    expect(text.split('\n')[0]).toBe('f0,f1,f2,f3,label');
  });

  test('rejects impossible shapes, naming the field', () => {
    expect(() => classificationCsv({ rows: 2, features: 4, classes: 3, seed: 0 })).toThrow(/rows/);
    expect(() => classificationCsv({ rows: 10, features: 0, classes: 3, seed: 0 })).toThrow(/features/);
    expect(() => classificationCsv({ rows: 10, features: 2, classes: 1, seed: 0 })).toThrow(/classes/);
  });

  test('mulberry32 stays in [0, 1) with a mean near 1/2 (10,000 draws: tolerance 0.02, about 7 standard errors)', () => {
    const random = mulberry32(7);
    let sum = 0;
    for (let draw = 0; draw < 10000; draw++) {
      const value = random();
      expect(value >= 0 && value < 1).toBe(true);
      sum += value;
    }
    expect(Math.abs(sum / 10000 - 0.5)).toBeLessThan(0.02);
  });
});

describe('summarizeJournal', () => {
  test('counts states and backends of finish events only, skipping torn and non-finish lines', () => {
    const journal = [
      JSON.stringify({ op: 'sweep', name: 's' }),
      JSON.stringify({ op: 'finish', trialId: 'a', attempt: 1, record: { state: 'complete', backend: 'cpu', seconds: 2 } }),
      JSON.stringify({ op: 'finish', trialId: 'b', attempt: 1, record: { state: 'complete', backend: 'tensorflow', seconds: 4 } }),
      JSON.stringify({ op: 'finish', trialId: 'c', attempt: 1, record: { state: 'failed' } }),
      JSON.stringify({ op: 'epoch', trialId: 'd', attempt: 1, epoch: {} }),
      '{"op":"finish","trialId":"e"', // torn last line
    ].join('\n');
    expect(summarizeJournal(journal)).toEqual({
      states: { complete: 2, failed: 1 },
      backends: { cpu: 1, tensorflow: 1, unrecorded: 1 },
      complete: 2,
      medianTrialSeconds: 3,
    });
  });

  test("says whether auto measured now or reused a cached measurement, from the journal's backend line", () => {
    const backend = (choice: Record<string, unknown>): string => JSON.stringify({ op: 'backend', choice: { backend: 'tensorflow', at: '2026-12-01T20:00:00Z', ...choice } });
    expect(summarizeJournal(backend({ selection: 'measured' })).measurement).toBe('measured');
    expect(summarizeJournal(backend({ selection: 'measured', measuredAt: '2026-12-01T19:00:00Z' })).measurement).toBe('cached');
    expect(summarizeJournal(backend({ selection: 'option' })).measurement).toBe('forced');
    expect(summarizeJournal(JSON.stringify({ op: 'sweep' })).measurement).toBeUndefined();
  });
});

describe('the mid-size sweep definition (bench/sweep/mid-size.json)', () => {
  const source = path.join(__dirname, '../../bench/sweep/mid-size.json');
  const definition = JSON.parse(fs.readFileSync(source, 'utf8'));

  test('is a valid definition of the 20-64-32-16-3 MLP on the generated CSV: 40 epochs, batch 64, 2 arms x 8 configurations x 3 seeds, TPE', () => {
    const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'layerwise-bench-mid-'));
    try {
      fs.copyFileSync(source, path.join(directory, 'mid-size.json'));
      fs.writeFileSync(path.join(directory, definition.data.csv.path), classificationCsv({ rows: 1500, features: 20, classes: 3, seed: 20 }));
      const read = readSweepFile(path.join(directory, 'mid-size.json'));
      expect(read.data.csv!.path).toBe(path.join(directory, 'classes-1500x20.csv'));
      expect([read.model.inputSize, read.model.hidden, read.model.outputSize]).toEqual([20, [64, 32, 16], 3]);
      expect([read.training.epochs, read.training.batchSize, read.budget, read.seeds.length, read.sampler.type]).toEqual([40, 64, 8, 3, 'tpe']);
      expect(read.arms.map((arm) => arm.name)).toEqual(['uniform', 'per-layer']);
      const splits = splitFor(read);
      expect([splits.train.sampleCount, splits.train.featureCount, splits.train.classCount]).toEqual([900, 20, 3]);
      expect(() => trainModelObjective.validate!(read)).not.toThrow();
    } finally {
      fs.rmSync(directory, { recursive: true, force: true });
    }
  });

  test('the Optuna + Keras side is given the same architecture, split, epochs, batch, learning rate and L2 range', () => {
    const args = optunaArgumentsOf(definition, '/tmp/data.csv');
    const flag = (name: string) => args[args.indexOf(name) + 1];
    expect(flag('--data')).toBe('csv:/tmp/data.csv');
    expect([flag('--hidden'), flag('--outputs'), flag('--epochs'), flag('--batch'), flag('--lr')]).toEqual(['64,32,16', '3', '40', '64', '0.001']);
    expect([flag('--validation'), flag('--test'), flag('--split-seed'), flag('--low'), flag('--high')]).toEqual(['0.2', '0.2', '0', '0.000001', '0.01']);
    expect(args).toContain('--standardize');
    const mixed = { ...definition, arms: [definition.arms[0], { ...definition.arms[1], penalties: { l2: { low: 1e-5, high: 1e-2 } } }] };
    expect(() => optunaArgumentsOf(mixed, '/tmp/data.csv')).toThrow(/different L2 ranges/);
  });
});
