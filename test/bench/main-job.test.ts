/** Pure parts of the main-job benchmark: the generated CSV (bench/sweep/class-csv.ts) and the journal summary (bench/sweep/main-job.ts). */
import { parseCsvDataset } from '../../lib/data/csv';
import { classificationCsv, mulberry32 } from '../../bench/sweep/class-csv';
import { summarizeJournal } from '../../bench/sweep/main-job';

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
});
