/**
 * The sweep's backend: `auto` measures this sweep's model on each available backend (in a process
 * with the pool workers' thread caps, as `layerwise sweep --workers N` does), a forced backend says
 * where it was forced, and a bad name is a configuration error naming its source.
 *
 * Expected picks come from the measurements on this project's machines (docs/benchmarks.md,
 * population table): trained alone, the README's 2-16-16-1 MLP is ~2x faster on pure JS (per-op
 * overhead of the native backend dominates a 4-step epoch), but its trials train as populations
 * (lib/train/population), and a population of 16 shares that overhead: per member-step the native
 * backend is then ~3-4x faster than pure JS. A 20-64-32-16-3 MLP on 1,500 rows is faster natively
 * either way. Each backend keeps its fastest of 3 interleaved rounds, so load from other processes
 * cannot flip the pick unless it hits one backend in every round.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { activeBackend, initBackend } from '../../lib/backend';
import type { BackendChoice } from '../../lib/backend';
import { LayerwiseConfigError } from '../../lib/errors/config-error';
import { chooseSweepBackend } from '../../lib/sweep/backend-choice';
import { WORKER_THREAD_ENV } from '../../lib/sweep/executors/process-pool';
import { resolveObjective } from '../../lib/sweep/objective';
import { readSweepFile } from '../../lib/sweep/sweep-file';
import { writeBlobsCsv } from './fixtures/user-data';

const ROOT = path.join(__dirname, '..', '..');
let directory: string;
beforeEach(() => {
  directory = fs.mkdtempSync(path.join(os.tmpdir(), 'layerwise-backend-'));
});
afterEach(() => fs.rmSync(directory, { recursive: true, force: true }));

/** The 20-64-32-16-3 MLP study of issue 13 on a 1,500-row CSV. */
function writeMidSizeSweep(folder: string): string {
  writeBlobsCsv({ file: path.join(folder, 'blobs.csv'), rows: 1500, features: 20, classes: 3, seed: 4 });
  const file = path.join(folder, 'mid.json');
  fs.writeFileSync(
    file,
    JSON.stringify({
      name: 'mid-size',
      model: { type: 'mlp', inputSize: 20, hidden: [64, 32, 16], outputSize: 3, activation: 'relu', task: 'multiclass' },
      data: { csv: { path: 'blobs.csv', target: 'species' }, split: { validation: 0.2, test: 0.2, seed: 0 }, standardize: true },
      training: { epochs: 20, batchSize: 32, optimizer: { name: 'adam', learningRate: 0.001 } },
      arms: [{ name: 'uniform', kind: 'uniform', penalties: { l2: { type: 'logUniform', low: 1e-5, high: 1e-2 } } }],
      budget: 4,
      seeds: [1, 2],
    }),
  );
  return file;
}

describe('backend auto', () => {
  test("picks tensorflow for the README's 2-16-16-1 MLP trained as populations and for a 20-64-32-16-3 MLP on 1,500 rows, with the timings", () => {
    const files = [path.join(ROOT, 'experiments', 'sweeps', 'moons-quick.json'), writeMidSizeSweep(directory)];
    const child = spawnSync(process.execPath, ['-r', require.resolve('ts-node/register/transpile-only'), path.join(__dirname, 'fixtures', 'choose-backend-child.ts'), ...files], {
      cwd: ROOT,
      env: { ...process.env, ...WORKER_THREAD_ENV, LAYERWISE_BACKEND: '' },
      encoding: 'utf8',
      timeout: 240_000,
    });
    expect(child.stderr).not.toMatch(/Error/);
    expect(child.status).toBe(0);
    const [tiny, mid] = JSON.parse(child.stdout) as BackendChoice[];
    for (const choice of [tiny, mid]) {
      expect(choice.selection).toBe('measured');
      // Measured in this run, not reused from the per-machine cache (the child turns it off).
      expect(choice.measuredAt).toBeUndefined();
      expect(choice.timings!.map((timing) => timing.backend)).toEqual(['tensorflow', 'cpu']);
      for (const timing of choice.timings!) expect(timing.secondsPerStep).toBeGreaterThan(0);
      // The pick is the faster of the recorded timings: what is stored explains the choice.
      const fastest = [...choice.timings!].sort((a, b) => a.secondsPerStep! - b.secondsPerStep!)[0];
      expect(choice.backend).toBe(fastest.backend);
    }
    expect(tiny.backend).toBe('tensorflow');
    expect(mid.backend).toBe('tensorflow');
    expect(tiny.steps).toBe(24); // 4 batches of 32 from 120 train rows, 6 timed epochs
  }, 300_000);
});

describe('a forced backend', () => {
  const original = activeBackend()?.name;
  afterAll(async () => {
    if (original !== undefined) await initBackend({ backend: original, log: false, reselect: true });
  });

  test('says what forced it, in order --backend, LAYERWISE_BACKEND, execution.backend; nothing is measured', async () => {
    const definition = readSweepFile(path.join(ROOT, 'experiments', 'sweeps', 'moons-quick.json'));
    const objective = resolveObjective('train');
    const withField = { ...definition, execution: { ...definition.execution, backend: 'tensorflow' as const } };
    expect(await chooseSweepBackend({ definition: withField, objective, env: {} })).toMatchObject({ backend: 'tensorflow', selection: 'definition' });
    expect(activeBackend()?.name).toBe('tensorflow');
    const byEnvironment = await chooseSweepBackend({ definition: withField, objective, env: { LAYERWISE_BACKEND: 'cpu' } });
    expect(byEnvironment).toMatchObject({ backend: 'cpu', selection: 'environment' });
    expect(byEnvironment!.timings).toBeUndefined();
    expect(activeBackend()?.name).toBe('cpu');
    expect(await chooseSweepBackend({ definition: withField, objective, option: 'tensorflow', env: { LAYERWISE_BACKEND: 'cpu' } })).toMatchObject({ backend: 'tensorflow', selection: 'option' });
  });

  test('a bad name is a configuration error naming where it came from', async () => {
    const definition = readSweepFile(path.join(ROOT, 'experiments', 'sweeps', 'moons-quick.json'));
    const objective = resolveObjective('train');
    await expect(chooseSweepBackend({ definition, objective, option: 'gpu', env: {} })).rejects.toThrow(LayerwiseConfigError);
    await expect(chooseSweepBackend({ definition, objective, option: 'gpu', env: {} })).rejects.toThrow(/--backend.*"gpu".*tensorflow, wasm, cpu/);
    await expect(chooseSweepBackend({ definition, objective, env: { LAYERWISE_BACKEND: 'cuda' } })).rejects.toThrow(/LAYERWISE_BACKEND.*"cuda"/);
  });

  test('an objective that cannot time its model leaves the backend alone under auto', async () => {
    const definition = readSweepFile(path.join(ROOT, 'experiments', 'sweeps', 'moons-quick.json'));
    expect(await chooseSweepBackend({ definition, objective: { run: async () => ({ status: 'complete', epochs: [] }) }, env: {} })).toBeUndefined();
  });
});
