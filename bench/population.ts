/**
 * `npm run bench -- --suite population` (or `ts-node --transpile-only bench/population.ts`): the
 * population table. For the README's sweep model (experiments/sweeps/moons-quick.json: 2-16-16-1
 * MLP, 300 moons points, 60 epochs, batch 32) and the mid-size one (bench/sweep/main-job.ts: a
 * 20-64-32-16-3 MLP on a generated 1,500 x 20, 3-class CSV, 40 epochs, batch 64), on the cpu and
 * tensorflow backends: seconds per member-epoch of
 *   - K trials trained one after another by the `train` objective's `run` (what a worker does today),
 *   - the same K trials trained as one population by its `runPopulation`,
 * for K = 1, 4, 8, 16, 36. `mid-bn` is the mid-size MLP with a BatchNormalization layer after each
 * hidden Dense layer and activity penalties: the uniform arm `l2` + `activityL1` on every Dense
 * layer, the per-layer arm `l2` + `activityL2` per Dense layer. Both include what a trial costs besides the steps (building the model,
 * the split, the per-epoch measurements). Members alternate between the two arms, seeds 1-3 and
 * L2 coefficients spread over the arms' log-uniform range; no early stopping, so every member
 * trains every epoch. A separate run's cost per member does not depend on K, so each cell times
 * min(K, --separate) separate trials. Each cell runs --repeats rounds of (separate trials, then the
 * population), interleaved so machine load hits both alike; the table has the medians.
 *
 * Every population member must have trained as one (`trainingPath: population`), else the cell fails.
 *
 * Options: --backends cpu,tensorflow  --models readme,mid,mid-bn  --ks 1,4,8,16,36  --repeats 3
 *          --separate 4  --out FILE (JSON).
 * Each backend and model runs in its own child process. This file is a command-line tool, so it prints.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const ROOT = path.join(__dirname, '..');
const RESULT_PREFIX = 'POPULATION_RESULT ';

type ModelName = 'readme' | 'mid' | 'mid-bn';

const MODEL_LABELS: Record<ModelName, string> = {
  readme: '2-16-16-1 (README)',
  mid: '20-64-32-16-3 (mid-size)',
  'mid-bn': '20-64-32-16-3 + BatchNorm + activity L1/L2',
};

/** One measured cell. */
interface Cell {
  k: number;
  epochs: number;
  /** Seconds per member-epoch, K trials trained one after another. */
  separate: number;
  /** Separate trials timed per round (min(K, --separate)). */
  separateTrials: number;
  /** Rounds (medians over them). */
  repeats: number;
  /** Seconds per member-epoch, one population of K. */
  population: number;
  /** separate / population. */
  speedup: number;
  /** Wall seconds of the population run (median). */
  populationSeconds: number;
  /** CPU seconds (user + system, every thread of the process) per member-epoch, alone and as one population (medians). */
  separateCpu: number;
  populationCpu: number;
}

interface WorkerResult {
  model: ModelName;
  backend: string;
  cells: Cell[];
  error?: string;
}

function midDefinitionConfig(csvPath: string): Record<string, unknown> {
  void csvPath;
  return {
    name: 'bench-mid',
    objective: 'train',
    model: { type: 'mlp', inputSize: 20, hidden: [64, 32, 16], outputSize: 3, activation: 'relu', task: 'multiclass' },
    data: { dataset: 'benchcsv', split: { validation: 0.2, test: 0.2, seed: 0 }, standardize: true },
    training: { epochs: 40, batchSize: 64, optimizer: { name: 'adam', learningRate: 0.001 } },
    arms: [
      { name: 'uniform', kind: 'uniform', penalties: { l2: { type: 'logUniform', low: 1e-6, high: 1e-2 } } },
      { name: 'per-layer', kind: 'per-layer', layers: ['dense_1', 'dense_2', 'dense_3', 'output'], penalties: { l2: { type: 'logUniform', low: 1e-6, high: 1e-2 } } },
    ],
    budget: 8,
    seeds: [1, 2, 3],
    sampler: { type: 'tpe', seed: 0 },
  };
}

/** The mid-size definition with BatchNormalization after each hidden Dense layer and activity penalties in both arms. */
function midBatchNormDefinitionConfig(csvPath: string): Record<string, unknown> {
  const config = midDefinitionConfig(csvPath);
  const range = { type: 'logUniform', low: 1e-6, high: 1e-2 };
  return {
    ...config,
    name: 'bench-mid-bn',
    model: { ...(config.model as Record<string, unknown>), batchNormalization: true },
    arms: [
      { name: 'uniform', kind: 'uniform', layers: ['Dense'], penalties: { l2: range, activityL1: range } },
      { name: 'per-layer', kind: 'per-layer', layers: ['dense_1', 'dense_2', 'dense_3', 'output'], penalties: { l2: range, activityL2: range } },
    ],
  };
}

async function worker(model: ModelName, backend: string, ks: number[], repeats: number, separateMax: number): Promise<WorkerResult> {
  // Loaded here so the parent process never loads TensorFlow.js.
  /* eslint-disable @typescript-eslint/no-var-requires */
  const { initBackend } = require('../lib/backend') as typeof import('../lib/backend');
  const { fromConfig } = require('../lib/sweep/definition-config') as typeof import('../lib/sweep/definition-config');
  const { trainModelObjective } = require('../lib/sweep/objectives/train-model') as typeof import('../lib/sweep/objectives/train-model');
  const { registerDataset, loadCsvDataset } = require('../lib/data') as typeof import('../lib/data');
  const { classificationCsv } = require('./sweep/class-csv') as typeof import('./sweep/class-csv');
  /* eslint-enable @typescript-eslint/no-var-requires */
  await initBackend({ backend: backend as 'cpu' | 'tensorflow', log: false });
  let config: Record<string, unknown>;
  let low: number;
  let high: number;
  if (model === 'readme') {
    config = JSON.parse(fs.readFileSync(path.join(ROOT, 'experiments', 'sweeps', 'moons-quick.json'), 'utf8'));
    [low, high] = [1e-5, 1e-1];
  } else {
    const csv = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'layerwise-population-')), 'classes-1500x20.csv');
    fs.writeFileSync(csv, classificationCsv({ rows: 1500, features: 20, classes: 3, seed: 20 }));
    registerDataset('benchcsv', { description: 'bench: 1,500 x 20 features, 3 classes', parameters: {}, load: () => loadCsvDataset(csv) } as unknown as Parameters<typeof registerDataset>[1]);
    config = model === 'mid-bn' ? midBatchNormDefinitionConfig(csv) : midDefinitionConfig(csv);
    [low, high] = [1e-6, 1e-2];
  }
  const definition = fromConfig(config);
  const epochs = (definition.training as { epochs: number }).epochs;
  const layerNames = (definition.arms[1].layers ?? []) as string[];
  const inputs = (count: number) =>
    Array.from({ length: count }, (_, member) => {
      // Coefficients spread log-uniformly over the range, deterministic per member.
      const fraction = ((member * 0.618034) % 1 + 0.05) % 1;
      const value = Math.exp(Math.log(low) + fraction * (Math.log(high) - Math.log(low)));
      const arm = definition.arms[member % 2];
      const activity = model === 'mid-bn';
      const params: Record<string, number> =
        member % 2 === 0
          ? { l2: value, ...(activity ? { activityL1: value / 10 } : {}) }
          : Object.fromEntries(layerNames.flatMap((layer, index) => [[`l2.${layer}`, (value * (index + 1)) / layerNames.length], ...(activity ? [[`activityL2.${layer}`, value / (index + 1)]] : [])]));
      return { definition, arm, params, seed: 1 + (member % 3), trialId: `t${member}`, configId: `c${member}`, index: member, attempt: 1 };
    });
  const context = { signal: new AbortController().signal, onEpoch: async () => false };
  const paths = new Set<string>();
  const populationContext = {
    signal: new AbortController().signal,
    onEpoch: async () => false,
    onMemberFinished: async (_member: number, outcome: { trainingPath?: string } | Error) => {
      paths.add(outcome instanceof Error ? `error: ${outcome.message}` : String(outcome.trainingPath));
    },
  };
  /** CPU seconds of the process (user + system, all threads: TensorFlow's too) since `since`. */
  const cpuSince = (since: NodeJS.CpuUsage): number => {
    const used = process.cpuUsage(since);
    return (used.user + used.system) / 1e6;
  };
  const runSeparate = async (count: number) => {
    const started = performance.now();
    const cpu = process.cpuUsage();
    for (const input of inputs(count)) await trainModelObjective.run(input, context);
    return { seconds: (performance.now() - started) / 1000, cpu: cpuSince(cpu) };
  };
  const runPopulation = async (count: number) => {
    paths.clear();
    const started = performance.now();
    const cpu = process.cpuUsage();
    await trainModelObjective.runPopulation!(inputs(count), populationContext as unknown as Parameters<NonNullable<typeof trainModelObjective.runPopulation>>[1]);
    const seconds = (performance.now() - started) / 1000;
    const cpuSeconds = cpuSince(cpu);
    // A population of one is handed to train itself (trainingPath lean); larger ones must train as populations.
    if (count > 1 && (paths.size !== 1 || !paths.has('population'))) throw new Error(`the ${count} members did not train as one population: ${[...paths].join(', ')}`);
    return { seconds, cpu: cpuSeconds };
  };
  // Warm-up (kernels, caches): one trial alone and one small population, untimed.
  await runSeparate(1);
  await runPopulation(2);
  const median = (values: number[]): number => {
    const sorted = [...values].sort((a, b) => a - b);
    const middle = Math.floor(sorted.length / 2);
    return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
  };
  const cells: Cell[] = [];
  for (const k of ks) {
    const separateTrials = Math.min(k, separateMax);
    const separateRates: number[] = [];
    const separateCpuRates: number[] = [];
    const populationTimes: number[] = [];
    const populationCpuTimes: number[] = [];
    for (let round = 0; round < repeats; round++) {
      const alone = await runSeparate(separateTrials);
      separateRates.push(alone.seconds / (separateTrials * epochs));
      separateCpuRates.push(alone.cpu / (separateTrials * epochs));
      const together = await runPopulation(k);
      populationTimes.push(together.seconds);
      populationCpuTimes.push(together.cpu);
    }
    const separate = median(separateRates);
    const populationSeconds = median(populationTimes);
    const population = populationSeconds / (k * epochs);
    const separateCpu = median(separateCpuRates);
    const populationCpu = median(populationCpuTimes) / (k * epochs);
    cells.push({ k, epochs, separate, separateTrials, repeats, population, speedup: separate / population, populationSeconds, separateCpu, populationCpu });
    process.stderr.write(`${model} ${backend} K=${k}: separate ${(separate * 1000).toFixed(3)} ms (CPU ${(separateCpu * 1000).toFixed(3)}), population ${(population * 1000).toFixed(3)} ms (CPU ${(populationCpu * 1000).toFixed(3)}) per member-epoch\n`);
  }
  return { model, backend, cells };
}

function format(result: WorkerResult): string[] {
  if (result.error) return [`| ${result.model} | ${result.backend} | error: ${result.error} | | | | | | |`];
  return result.cells.map(
    (cell) =>
      `| ${MODEL_LABELS[result.model]} | ${result.backend} | ${cell.k} | ${(cell.separate * 1000).toFixed(2)} | ${(cell.population * 1000).toFixed(2)} | ${cell.speedup.toFixed(1)}x | ${(cell.separateCpu * 1000).toFixed(2)} / ${(cell.populationCpu * 1000).toFixed(2)} | ${(cell.separateCpu / cell.populationCpu).toFixed(1)}x | ${cell.populationSeconds.toFixed(2)} |`,
  );
}

/** Runs the suite: one child process per backend and model; prints the table; returns the JSON written. */
export async function runPopulationBench(argv: string[]): Promise<Record<string, unknown>> {
  const option = (name: string, fallback: string): string => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : fallback);
  const backends = option('--backends', 'cpu,tensorflow').split(',');
  const models = option('--models', 'readme,mid').split(',') as ModelName[];
  const ks = option('--ks', '1,4,8,16,36').split(',').map(Number);
  const repeats = Number(option('--repeats', '3'));
  const separateMax = Number(option('--separate', '4'));
  const out = option('--out', path.join(ROOT, 'runs', `bench-population-${new Date().toISOString().replace(/[:.]/g, '-')}.json`));
  const results: WorkerResult[] = [];
  for (const model of models) {
    for (const backend of backends) {
      const child = spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', __filename, '--worker', model, backend, ks.join(','), String(repeats), String(separateMax)], {
        cwd: ROOT,
        encoding: 'utf8',
        env: { ...process.env, LAYERWISE_BACKEND: backend, TF_CPP_MIN_LOG_LEVEL: '2' },
        stdio: ['ignore', 'pipe', 'inherit'],
        maxBuffer: 64 * 1024 * 1024,
      });
      const line = (child.stdout ?? '').split('\n').find((entry) => entry.startsWith(RESULT_PREFIX));
      results.push(line ? (JSON.parse(line.slice(RESULT_PREFIX.length)) as WorkerResult) : { model, backend, cells: [], error: `worker exited ${child.status}` });
    }
  }
  const lines = [
    '| model | backend | K | trials alone (`run`): ms per member-epoch | one population of K: ms per member-epoch | speed-up | CPU ms per member-epoch, alone / population | CPU ratio | population wall s |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...results.flatMap(format),
  ];
  console.log(lines.join('\n'));
  const report = { suite: 'population', date: new Date().toISOString(), host: { cpus: os.cpus().length, model: os.cpus()[0]?.model }, results, table: lines.join('\n') };
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`wrote ${out}`);
  return report;
}

if (require.main === module) {
  const argv = process.argv.slice(2);
  if (argv[0] === '--worker') {
    worker(argv[1] as ModelName, argv[2], argv[3].split(',').map(Number), Number(argv[4] ?? 3), Number(argv[5] ?? 4))
      .then((result) => console.log(`${RESULT_PREFIX}${JSON.stringify(result)}`))
      .catch((error) => {
        console.log(`${RESULT_PREFIX}${JSON.stringify({ model: argv[1], backend: argv[2], cells: [], error: String(error?.message ?? error) })}`);
        process.exitCode = 1;
      });
  } else {
    runPopulationBench(argv).catch((error) => {
      console.error(error);
      process.exitCode = 1;
    });
  }
}
