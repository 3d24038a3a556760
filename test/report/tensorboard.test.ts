/** TensorBoard logs: what is written per trial, by an injected writer and by the default JavaScript one. */
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runDirectoryOf, ScalarWriter, writeTensorBoardLogs } from '../../lib/report/tensorboard';
import { realisticSweep } from './fixtures';

describe('writeTensorBoardLogs', () => {
  test('writes per-epoch scalars of every trial with epochs, one run directory per trial', () => {
    const calls = new Map<string, Array<[string, number, number]>>();
    let flushes = 0;
    const createWriter = (directory: string): ScalarWriter => {
      const list: Array<[string, number, number]> = [];
      calls.set(directory, list);
      return { scalar: (name, value, step) => void list.push([name, value, step]), flush: () => void flushes++ };
    };
    const records = realisticSweep({ epochs: 3 });
    const result = writeTensorBoardLogs('/logs', records, { createWriter });
    // 40 trials, one failed before its first epoch.
    expect(result.written).toBe(true);
    expect(result.runs).toHaveLength(39);
    expect(flushes).toBe(39);
    expect(result.command).toBe('tensorboard --logdir "/logs"');
    const first = records[0];
    const scalars = calls.get(`/logs/${runDirectoryOf(first)}`) as Array<[string, number, number]>;
    const epochOne = scalars.filter(([, , step]) => step === 1);
    expect(epochOne.find(([name]) => name === 'loss/train')?.[1]).toBe(first.epochs[0].train.loss);
    expect(epochOne.find(([name]) => name === 'gap/loss')?.[1]).toBeCloseTo((first.epochs[0].test?.loss as number) - first.epochs[0].train.loss, 12);
    expect(epochOne.map(([name]) => name)).toEqual(
      expect.arrayContaining(['loss/validation', 'loss/test', 'accuracy/train', 'penalty/total', 'penalty/dense_1.kernel', 'weight_norm/dense_2/kernel']),
    );
    expect(result.scalars).toBe([...calls.values()].reduce((sum, list) => sum + list.length, 0));
    // The diverged trial's NaN epoch is skipped, not written.
    for (const list of calls.values()) for (const [, value] of list) expect(Number.isFinite(value)).toBe(true);
  });

  test('run directories cannot escape the log directory', () => {
    expect(runDirectoryOf({ sweepName: '../../etc', arm: 'a/b', configId: '<x>', seed: 3 })).toBe('__.._etc/a_b/_x_-seed3');
  });

  test('by default writes one event file per trial in JavaScript, on every backend', async () => {
    const logDir = await fs.mkdtemp(path.join(os.tmpdir(), 'layerwise-tb-'));
    try {
      const records = realisticSweep({ epochs: 2 }).slice(0, 2);
      const result = writeTensorBoardLogs(logDir, records);
      expect(result.written).toBe(true);
      expect(result.runs).toEqual(records.map(runDirectoryOf));
      for (const run of result.runs) {
        const files = await fs.readdir(path.join(logDir, run));
        expect(files).toHaveLength(1);
        expect(files[0]).toMatch(/^events\.out\.tfevents\.\d+\./);
        // Version record plus at least one event per epoch; TensorFlow reads them back in tensorboard-event-file.test.ts.
        expect((await fs.stat(path.join(logDir, run, files[0]))).size).toBeGreaterThan(100);
      }
    } finally {
      await fs.rm(logDir, { recursive: true, force: true });
    }
  });
});
