/**
 * `auto`'s per-machine measurement cache: a second choice for the same model on the same machine
 * reuses the first measurement and says so (`measuredAt`, and the words "cached measurement from"),
 * while another model, `LAYERWISE_MEASUREMENT_CACHE=off`, an old entry or a damaged file measure again.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { activeBackend, describeBackendChoice, initBackend } from '../../lib/backend';
import { machineSignature, MAX_AGE_DAYS, measurementCacheFile, measurementKey, readCachedMeasurement, writeCachedMeasurement } from '../../lib/backend/measurement-cache';
import { chooseSweepBackend, measurementSignature } from '../../lib/sweep/backend-choice';
import { fromConfig } from '../../lib/sweep/definition-config';
import type { TrialObjective } from '../../lib/sweep/objective';
import type { SweepDefinition } from '../../lib/sweep/definition';

const ROOT = path.join(__dirname, '..', '..');
const original = activeBackend()?.name;
let directory: string;
beforeEach(() => {
  directory = fs.mkdtempSync(path.join(os.tmpdir(), 'layerwise-measure-cache-'));
});
afterEach(() => fs.rmSync(directory, { recursive: true, force: true }));
afterAll(async () => {
  if (original !== undefined) await initBackend({ backend: original, log: false, reselect: true });
});

function moons(overrides: Record<string, unknown> = {}): SweepDefinition {
  const config = JSON.parse(fs.readFileSync(path.join(ROOT, 'experiments', 'sweeps', 'moons-quick.json'), 'utf8')) as Record<string, unknown>;
  return fromConfig({ ...config, ...overrides });
}

/** An objective whose `timeSteps` answers from a table per backend and counts its calls. */
function timedObjective(secondsPerStep: Record<string, number>): { objective: TrialObjective; calls: string[] } {
  const calls: string[] = [];
  const objective = {
    run: async () => ({ status: 'complete' as const, epochs: [] }),
    timeSteps: async () => {
      calls.push(tf.getBackend());
      return { secondsPerStep: secondsPerStep[tf.getBackend()], steps: 24 };
    },
  } as unknown as TrialObjective;
  return { objective, calls };
}

describe('measurement cache', () => {
  test('the second choice for the same model reuses the measurement and says so; this process sets up the cached backend', async () => {
    const env = { LAYERWISE_MEASUREMENT_CACHE: path.join(directory, 'cache.json') };
    const { objective, calls } = timedObjective({ tensorflow: 0.004, cpu: 0.001 });
    const first = await chooseSweepBackend({ definition: moons(), objective, env });
    expect(first).toMatchObject({ backend: 'cpu', selection: 'measured' });
    expect(first?.measuredAt).toBeUndefined();
    const measuredCalls = calls.length;
    expect(measuredCalls).toBeGreaterThanOrEqual(2);
    await initBackend({ backend: 'tensorflow', log: false, reselect: true });

    // The same model under another name, other seeds' values and sampler: reused.
    const second = await chooseSweepBackend({ definition: moons({ name: 'other-name', seeds: [7, 8, 9], sampler: { type: 'random', seed: 3 } }), objective, env });
    expect(calls).toHaveLength(measuredCalls);
    expect(second).toMatchObject({ backend: 'cpu', selection: 'measured', timings: first?.timings, steps: 24, measuredAt: first?.at });
    expect(activeBackend()?.name).toBe('cpu');
    expect(describeBackendChoice(second!)).toBe(
      `backend cpu: fastest for this sweep's model, by 24 timed training steps per backend and round (tensorflow 4.00 ms/step, cpu 1.00 ms/step; cached measurement from ${first?.at}, LAYERWISE_MEASUREMENT_CACHE=off measures again)`,
    );
  });

  test('a pool-only run (trainsHere false) takes the cached choice without setting up a backend here', async () => {
    const env = { LAYERWISE_MEASUREMENT_CACHE: path.join(directory, 'cache.json') };
    const { objective } = timedObjective({ tensorflow: 0.001, cpu: 0.004 });
    await chooseSweepBackend({ definition: moons(), objective, env, trainsHere: false });
    await initBackend({ backend: 'cpu', log: false, reselect: true });
    const cached = await chooseSweepBackend({ definition: moons(), objective, env, trainsHere: false });
    expect(cached).toMatchObject({ backend: 'tensorflow', measuredAt: expect.any(String) });
    expect(activeBackend()?.name).toBe('cpu');
  });

  test('another model, more trials per population, a bigger data file, other thread caps, or the cache turned off: measured again', async () => {
    const file = path.join(directory, 'cache.json');
    const { objective, calls } = timedObjective({ tensorflow: 0.002, cpu: 0.001 });
    await chooseSweepBackend({ definition: moons(), objective, env: { LAYERWISE_MEASUREMENT_CACHE: file } });
    const measuring = async (definition: SweepDefinition, env: NodeJS.ProcessEnv, trainingThreadEnv?: Record<string, string>): Promise<boolean> => {
      const before = calls.length;
      const choice = await chooseSweepBackend({ definition, objective, env, trainingThreadEnv });
      return calls.length > before && choice?.measuredAt === undefined;
    };
    expect(await measuring(moons({ model: { type: 'mlp', inputSize: 2, hidden: [32, 16], outputSize: 1, activation: 'relu', task: 'binary' } }), { LAYERWISE_MEASUREMENT_CACHE: file })).toBe(true);
    expect(await measuring(moons({ budget: 12 }), { LAYERWISE_MEASUREMENT_CACHE: file })).toBe(true);
    expect(await measuring(moons(), { LAYERWISE_MEASUREMENT_CACHE: file }, { OMP_NUM_THREADS: '1' })).toBe(true);
    expect(await measuring(moons(), { LAYERWISE_MEASUREMENT_CACHE: 'off' })).toBe(true);
    expect(await measuring(moons(), { LAYERWISE_MEASUREMENT_CACHE: file })).toBe(false);

    // Data files count by name and size, not folder.
    const csvIn = (folder: string, rows: number): SweepDefinition => {
      fs.mkdirSync(folder, { recursive: true });
      const csv = path.join(folder, 'points.csv');
      fs.writeFileSync(csv, ['x1,x2,label', ...Array.from({ length: rows }, (_, row) => `${row % 7},${row % 5},${row % 2}`)].join('\n'));
      return moons({ data: { csv: { path: csv, target: 'label' }, split: { validation: 0.3, test: 0.3, seed: 0 } } });
    };
    const a = measurementSignature(csvIn(path.join(directory, 'a'), 300));
    expect(measurementSignature(csvIn(path.join(directory, 'b'), 300))).toEqual(a);
    expect(measurementSignature(csvIn(path.join(directory, 'c'), 3000))).not.toEqual(a);
  });

  test(`an entry older than ${MAX_AGE_DAYS} days, or a damaged file, is not used; the file keeps one entry per key`, () => {
    const file = path.join(directory, 'nested', 'cache.json');
    const key = measurementKey({ model: 1 }, machineSignature());
    const entry = { key, chosen: 'cpu' as const, selection: 'measured' as const, timings: [{ backend: 'cpu' as const, secondsPerStep: 0.001 }, { backend: 'tensorflow' as const, secondsPerStep: 0.002 }], steps: 24, measuredAt: '2026-01-01T00:00:00.000Z' };
    writeCachedMeasurement(file, entry);
    expect(readCachedMeasurement(file, key, new Date('2026-01-03T00:00:00Z'))).toEqual(entry);
    expect(readCachedMeasurement(file, key, new Date(Date.parse('2026-01-01T00:00:00Z') + (MAX_AGE_DAYS + 1) * 86_400_000))).toBeUndefined();
    expect(readCachedMeasurement(file, 'another key', new Date('2026-01-03T00:00:00Z'))).toBeUndefined();
    writeCachedMeasurement(file, { ...entry, measuredAt: '2026-01-02T00:00:00.000Z' });
    expect((JSON.parse(fs.readFileSync(file, 'utf8')) as { entries: unknown[] }).entries).toHaveLength(1);
    fs.writeFileSync(file, '{ not json');
    expect(readCachedMeasurement(file, key, new Date('2026-01-03T00:00:00Z'))).toBeUndefined();
    // An entry whose chosen backend has no timing is damaged too.
    writeCachedMeasurement(file, { ...entry, timings: [{ backend: 'tensorflow', secondsPerStep: 0.002 }] });
    expect(readCachedMeasurement(file, key, new Date('2026-01-03T00:00:00Z'))).toBeUndefined();
  });

  test('where the cache lives: LAYERWISE_MEASUREMENT_CACHE, off, XDG_CACHE_HOME, else ~/.cache', () => {
    expect(measurementCacheFile({ LAYERWISE_MEASUREMENT_CACHE: 'off' })).toBeUndefined();
    expect(measurementCacheFile({ LAYERWISE_MEASUREMENT_CACHE: 'OFF' })).toBeUndefined();
    expect(measurementCacheFile({ LAYERWISE_MEASUREMENT_CACHE: path.join(directory, 'm.json') })).toBe(path.join(directory, 'm.json'));
    expect(measurementCacheFile({ XDG_CACHE_HOME: directory })).toBe(path.join(directory, 'layerwise', 'backend-measurements.json'));
    expect(measurementCacheFile({})).toBe(path.join(os.homedir(), '.cache', 'layerwise', 'backend-measurements.json'));
  });
});
