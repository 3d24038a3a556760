/**
 * `npm run bench`: training throughput (samples/s, median of timed epochs after warm-up) of the
 * issue-3 models on every available backend and in Keras, in one run; prints a table and writes JSON.
 *
 * Options:
 *   --out FILE          JSON output (default runs/bench-<timestamp>.json; runs/ is git-ignored)
 *   --backends LIST     comma list of tensorflow,wasm,cpu (default all; unavailable ones are reported)
 *   --models LIST       comma list of mlp,cnn (default both)
 *   --no-keras          skip the Keras reference
 *   --quick             fewer samples and epochs (a smoke run, numbers are noisy)
 *   --suite zoo         the model zoo instead: layerwise train vs Keras fit on ten models (bench/zoo/run.ts)
 *   --suite population  the population table: K trials trained alone vs as one population (bench/population.ts)
 * Environment: LAYERWISE_PYTHON (interpreter with keras; default <project>/.venv/bin/python, else python3).
 * This file is a command-line tool, so it prints.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { BACKEND_NAMES, BackendInfo, BackendName, parseBackendName } from '../lib/backend';
import { benchCases } from './cases';
import { BENCH_MODEL_NAMES, BENCH_MODEL_SHAPES, BenchModelName } from './models';
import { median } from './stats';
import { renderTable } from './table';
import { RESULT_PREFIX, WorkerMeasurement, WorkerTask } from './worker';
import { runZoo } from './zoo/run';
import { runPopulationBench } from './population';

/** Samples per epoch and epoch counts per backend: large enough to be stable, small enough for ~5 min on 2 cores. */
const SIZES: Record<BackendName | 'keras', Partial<Record<BenchModelName, { samples: number; warmupEpochs: number; timedEpochs: number }>>> = {
  tensorflow: { mlp: { samples: 16384, warmupEpochs: 1, timedEpochs: 5 }, cnn: { samples: 4096, warmupEpochs: 1, timedEpochs: 5 } },
  keras: { mlp: { samples: 16384, warmupEpochs: 1, timedEpochs: 5 }, cnn: { samples: 4096, warmupEpochs: 1, timedEpochs: 5 } },
  wasm: { mlp: { samples: 2048, warmupEpochs: 1, timedEpochs: 3 } },
  cpu: { mlp: { samples: 1024, warmupEpochs: 1, timedEpochs: 3 }, cnn: { samples: 256, warmupEpochs: 1, timedEpochs: 3 } },
};
const SEED = 1234;

/** One line of the result table. */
export interface BenchRow {
  model: BenchModelName;
  /** A tfjs backend, or `keras`. */
  backend: BackendName | 'keras';
  /** Bench case id (`raw-fit`, ...) or `keras-fit`. */
  caseId: string;
  samples?: number;
  batchSize?: number;
  epochSeconds?: number[];
  /** samples / median epoch seconds. */
  samplesPerSecond?: number;
  /** samplesPerSecond / Keras's on the same model. */
  ratioToKeras?: number;
  /** samplesPerSecond / raw-fit's on the same backend and model (wrapper overhead when < 1). */
  ratioToRawFit?: number;
  /** Why there is no number (backend unavailable, case failed). */
  error?: string;
}

interface Options {
  out: string;
  backends: BackendName[];
  models: BenchModelName[];
  keras: boolean;
  quick: boolean;
}

function parseOptions(argv: string[], root: string): Options {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const options: Options = { out: path.join(root, 'runs', `bench-${stamp}.json`), backends: [...BACKEND_NAMES], models: [...BENCH_MODEL_NAMES], keras: true, quick: false };
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index];
    const value = (): string => {
      const next = argv[++index];
      if (next === undefined) throw new Error(`${argument} needs a value`);
      return next;
    };
    if (argument === '--out') options.out = path.resolve(value());
    else if (argument === '--backends') options.backends = value().split(',').map((name) => parseBackendName(name, '--backends') as BackendName);
    else if (argument === '--models') {
      options.models = value().split(',').map((name) => {
        if (!(BENCH_MODEL_NAMES as readonly string[]).includes(name)) throw new Error(`--models: "${name}" is not one of ${BENCH_MODEL_NAMES.join(', ')}`);
        return name as BenchModelName;
      });
    } else if (argument === '--no-keras') options.keras = false;
    else if (argument === '--quick') options.quick = true;
    else if (argument === '--suite') value();
    else throw new Error(`unknown argument ${JSON.stringify(argument)}; allowed: --out FILE, --backends LIST, --models LIST, --no-keras, --quick`);
  }
  return options;
}

function sizeFor(backend: BackendName | 'keras', model: BenchModelName, quick: boolean): { samples: number; warmupEpochs: number; timedEpochs: number } | undefined {
  const size = SIZES[backend][model];
  if (size === undefined || !quick) return size;
  return { samples: Math.max(BENCH_MODEL_SHAPES[model].batchSize * 2, Math.floor(size.samples / 8)), warmupEpochs: 1, timedEpochs: 2 };
}

/** Runs one backend's worker process; the backend is chosen once per process, hence one process each. */
function runWorker(backend: BackendName, tasks: WorkerTask[]): { info?: BackendInfo; measurements: WorkerMeasurement[]; error?: string } {
  const extension = path.extname(__filename);
  const worker = path.join(__dirname, `worker${extension}`);
  const args = extension === '.ts' ? ['-r', 'ts-node/register/transpile-only', worker] : [worker];
  const result = spawnSync(process.execPath, [...args, '--backend', backend, '--plan', JSON.stringify(tasks)], {
    encoding: 'utf8',
    env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: process.env.TF_CPP_MIN_LOG_LEVEL ?? '2' },
    maxBuffer: 64 * 1024 * 1024,
  });
  const line = String(result.stdout).split('\n').find((candidate) => candidate.startsWith(RESULT_PREFIX));
  if (result.status !== 0 || line === undefined) {
    const reason = String(result.stderr).split('\n').find((candidate) => /unavailable|Error/.test(candidate)) ?? `worker exited ${String(result.status)}`;
    return { measurements: [], error: reason.replace(/^.*?BackendUnavailableError: /, '').trim() };
  }
  const parsed = JSON.parse(line.slice(RESULT_PREFIX.length)) as { backend: BackendInfo; measurements: WorkerMeasurement[] };
  return { info: parsed.backend, measurements: parsed.measurements };
}

function pythonExecutable(root: string): string {
  if (process.env.LAYERWISE_PYTHON) return process.env.LAYERWISE_PYTHON;
  const venv = path.join(root, '.venv', 'bin', 'python');
  return fs.existsSync(venv) ? venv : 'python3';
}

function runKeras(root: string, model: BenchModelName, quick: boolean): { row: BenchRow; versions?: Record<string, unknown> } {
  const size = sizeFor('keras', model, quick) as { samples: number; warmupEpochs: number; timedEpochs: number };
  const python = pythonExecutable(root);
  const script = path.join(root, 'bench', 'keras_bench.py');
  const result = spawnSync(python, [script, '--model', model, '--samples', String(size.samples), '--warmup-epochs', String(size.warmupEpochs), '--timed-epochs', String(size.timedEpochs), '--seed', String(SEED)], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const line = String(result.stdout).trim().split('\n').pop() ?? '';
  if (result.status !== 0 || !line.startsWith('{')) {
    const reason = result.error?.message ?? String(result.stderr).trim().split('\n').pop() ?? `exit ${String(result.status)}`;
    return { row: { model, backend: 'keras', caseId: 'keras-fit', error: `${python}: ${reason}` } };
  }
  const parsed = JSON.parse(line) as { epoch_seconds: number[]; batch_size: number; keras: string; tensorflow: string; jit_compile: boolean };
  return {
    row: { model, backend: 'keras', caseId: 'keras-fit', samples: size.samples, batchSize: parsed.batch_size, epochSeconds: parsed.epoch_seconds, samplesPerSecond: size.samples / median(parsed.epoch_seconds) },
    versions: { keras: parsed.keras, tensorflow: parsed.tensorflow, jitCompile: parsed.jit_compile, python },
  };
}

/** Runs the whole benchmark; returns the JSON document it writes. */
export async function runBench(argv: string[]): Promise<Record<string, unknown>> {
  const suite = argv.includes('--suite') ? argv[argv.indexOf('--suite') + 1] : 'throughput';
  if (suite === 'zoo') return runZoo(argv);
  if (suite === 'population') return runPopulationBench(argv);
  if (suite !== 'throughput') throw new Error(`--suite: "${String(suite)}" is not one of throughput, zoo, population`);
  const root = path.resolve(__dirname, '..');
  const options = parseOptions(argv, root);
  const rows: BenchRow[] = [];
  const backendInfo: Record<string, BackendInfo | { unavailable: string }> = {};
  let kerasVersions: Record<string, unknown> | undefined;

  if (options.keras) {
    for (const model of options.models) {
      process.stderr.write(`bench: keras ${model}\n`);
      const { row, versions } = runKeras(root, model, options.quick);
      rows.push(row);
      kerasVersions ??= versions;
    }
  }
  for (const backend of options.backends) {
    const tasks: WorkerTask[] = [];
    for (const benchCase of benchCases) {
      if (benchCase.backends !== undefined && !benchCase.backends.includes(backend)) continue;
      for (const model of options.models) {
        if (benchCase.models !== undefined && !benchCase.models.includes(model)) continue;
        const size = sizeFor(backend, model, options.quick);
        if (size !== undefined) tasks.push({ caseId: benchCase.id, model, seed: SEED, ...size });
      }
    }
    if (tasks.length === 0) continue;
    process.stderr.write(`bench: ${backend} (${tasks.map((task) => `${task.caseId}/${task.model}`).join(', ')})\n`);
    const outcome = runWorker(backend, tasks);
    if (outcome.info === undefined) {
      backendInfo[backend] = { unavailable: outcome.error ?? 'unknown' };
      rows.push(...tasks.map((task) => ({ model: task.model, backend, caseId: task.caseId, error: `backend unavailable: ${outcome.error ?? ''}` })));
      continue;
    }
    backendInfo[backend] = outcome.info;
    for (const measurement of outcome.measurements) {
      rows.push({
        model: measurement.model,
        backend,
        caseId: measurement.caseId,
        samples: measurement.samples,
        batchSize: measurement.batchSize,
        epochSeconds: measurement.epochSeconds,
        samplesPerSecond: measurement.epochSeconds ? measurement.samples / median(measurement.epochSeconds) : undefined,
        error: measurement.error,
      });
    }
  }
  for (const row of rows) {
    if (row.samplesPerSecond === undefined) continue;
    const keras = rows.find((candidate) => candidate.backend === 'keras' && candidate.model === row.model)?.samplesPerSecond;
    const raw = rows.find((candidate) => candidate.backend === row.backend && candidate.model === row.model && candidate.caseId === 'raw-fit')?.samplesPerSecond;
    if (keras !== undefined && row.backend !== 'keras') row.ratioToKeras = row.samplesPerSecond / keras;
    if (raw !== undefined && row.caseId !== 'raw-fit' && row.backend !== 'keras') row.ratioToRawFit = row.samplesPerSecond / raw;
  }

  const document = {
    command: `npm run bench${argv.length > 0 ? ` -- ${argv.join(' ')}` : ''}`,
    date: new Date().toISOString(),
    machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, node: process.version, platform: `${process.platform} ${process.arch}` },
    keras: kerasVersions,
    backends: backendInfo,
    cases: benchCases.map((benchCase) => ({ id: benchCase.id, description: benchCase.description })),
    rows,
  };
  fs.mkdirSync(path.dirname(options.out), { recursive: true });
  fs.writeFileSync(options.out, `${JSON.stringify(document, null, 2)}\n`);
  process.stdout.write(`${renderTable(rows)}\n\nJSON: ${path.relative(process.cwd(), options.out)}\n`);
  return document;
}

if (require.main === module) {
  runBench(process.argv.slice(2)).catch((error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
