/** TensorBoard logs: what is written per trial, and a skip reason (not an exception) without tfjs-node. */
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadNativeSummaryWriter, runDirectoryOf, ScalarWriter, writeTensorBoardLogs } from '../../lib/report/tensorboard';
import { realisticSweep } from './fixtures';

function nativeInstalled(): boolean {
  try {
    require.resolve('@tensorflow/tfjs-node');
    return true;
  } catch {
    return false;
  }
}

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

  test('with tfjs-node it writes real event files; without it, a skip reason instead of an exception', async () => {
    const loaded = loadNativeSummaryWriter();
    if (nativeInstalled() && 'createWriter' in loaded) {
      const logDir = await fs.mkdtemp(path.join(os.tmpdir(), 'layerwise-tb-'));
      try {
        const records = realisticSweep({ epochs: 2 }).slice(0, 2);
        const result = writeTensorBoardLogs(logDir, records);
        expect(result.written).toBe(true);
        const files = await fs.readdir(path.join(logDir, result.runs[0]));
        expect(files.some((name) => name.startsWith('events.out.tfevents.'))).toBe(true);
      } finally {
        await fs.rm(logDir, { recursive: true, force: true });
      }
    } else if (nativeInstalled()) {
      expect((loaded as { reason: string }).reason).toMatch(/backend|did not load/);
    } else {
      expect(loaded).toEqual({ reason: '@tensorflow/tfjs-node is not installed, so there is no native summary writer' });
      const result = writeTensorBoardLogs('/nowhere', realisticSweep({ epochs: 1 }));
      expect(result).toMatchObject({ written: false, runs: [], scalars: 0 });
      expect(result.skipReason).toContain('not installed');
    }
  });
});
