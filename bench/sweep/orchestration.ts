/**
 * Sweep orchestration benchmark (not a test). Measures, with the training-free
 * `synthetic.quadratic` objective:
 *  1. overhead per trial (ms): a 1-epoch, zero-work objective, in-process and through a 1-worker
 *     process pool (journal writes with fsync, sampling, IPC included);
 *  2. parallel efficiency: throughput with 2 workers over 1 worker on a CPU-bound objective
 *     (busy-wait per epoch, so the ideal is 2.0× on 2 free cores);
 *  3. memory over 200 small trials in-process: parent RSS after 20 trials vs after 200.
 *
 * Run: node --expose-gc -r ts-node/register/transpile-only bench/sweep/orchestration.ts [--trials 200] [--work-ms 40]
 * Worker startup is excluded (warm-up sweep first).
 * Prints one JSON object on stdout.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { fromConfig } from '../../lib/sweep/definition-config';
import { runSweep } from '../../lib/sweep/runner';
import type { SweepDefinition } from '../../lib/sweep/definition';
import type { TrialExecutor } from '../../lib/sweep/executors/executor';
import { InProcessExecutor } from '../../lib/sweep/executors/in-process';
import { ProcessPoolExecutor } from '../../lib/sweep/executors/process-pool';

const OBJECTIVE_MODULE = path.join(__dirname, `register-quadratic${path.extname(__filename)}`);

function argument(name: string, fallback: number): number {
  const position = process.argv.indexOf(`--${name}`);
  return position >= 0 ? Number(process.argv[position + 1]) : fallback;
}

function definition(name: string, budget: number, training: Record<string, unknown>): SweepDefinition {
  return fromConfig({
    name,
    objective: 'bench.quadratic',
    model: {},
    data: { dataset: 'none' },
    training,
    arms: [
      { name: 'uniform', kind: 'uniform', penalties: { l2: { type: 'logUniform', low: 1e-6, high: 1e-1 } } },
      { name: 'per-layer', kind: 'per-layer', layers: ['dense_1', 'dense_2'], penalties: { l2: { type: 'logUniform', low: 1e-6, high: 1e-1 } } },
    ],
    budget,
    seeds: [0],
    sampler: { type: 'random', seed: 0 },
  });
}

/** Runs a sweep on an executor whose workers are already started (a warm-up sweep ran first), so startup is not counted. */
async function timed(def: SweepDefinition, workers: number): Promise<{ seconds: number; trials: number }> {
  const executor: TrialExecutor = workers === 0 ? new InProcessExecutor() : new ProcessPoolExecutor({ workers, objectiveModules: [OBJECTIVE_MODULE] });
  const run = async (definition: SweepDefinition): Promise<{ seconds: number; trials: number }> => {
    const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'layerwise-bench-'));
    try {
      const started = process.hrtime.bigint();
      const summary = await runSweep({ definition, directory, executor, objectiveModules: [OBJECTIVE_MODULE] });
      return { seconds: Number(process.hrtime.bigint() - started) / 1e9, trials: summary.finishedThisRun };
    } finally {
      fs.rmSync(directory, { recursive: true, force: true });
    }
  };
  try {
    await run({ ...def, name: `${def.name}-warmup`, budget: Math.max(1, workers) });
    return await run(def);
  } finally {
    await executor.close();
  }
}

async function main(): Promise<void> {
  const trials = argument('trials', 200);
  const workMs = argument('work-ms', 40);
  const perArm = Math.ceil(trials / 2);

  // 1. Overhead: the objective does (almost) nothing, so time per trial is orchestration.
  const trivial = { epochs: 1, noise: 0 };
  const inProcess = await timed(definition('overhead-in-process', perArm, trivial), 0);
  const pooled = await timed(definition('overhead-pool', perArm, trivial), 1);

  // 2. Parallel efficiency on CPU-bound trials (4 epochs × work-ms busy CPU each).
  const cpuBound = { epochs: 4, workMilliseconds: workMs };
  const cpuTrials = 20;
  const one = await timed(definition('parallel-1', cpuTrials / 2, cpuBound), 1);
  const two = await timed(definition('parallel-2', cpuTrials / 2, cpuBound), 2);

  // 3. Memory over many small trials in this process.
  const rss: number[] = [];
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'layerwise-bench-'));
  let finished = 0;
  if (global.gc) global.gc();
  await runSweep({
    definition: definition('memory', perArm, trivial),
    directory,
    workers: 0,
    objectiveModules: [OBJECTIVE_MODULE],
    onEvent: (event) => {
      if (event.type !== 'trial-finish') return;
      finished++;
      if (finished === 20 || finished === trials) {
        if (global.gc) global.gc();
        rss.push(process.memoryUsage().rss);
      }
    },
  });
  fs.rmSync(directory, { recursive: true, force: true });

  const result = {
    cores: os.cpus().length,
    loadAverage: os.loadavg()[0],
    overheadMsPerTrial: {
      inProcess: (inProcess.seconds * 1000) / inProcess.trials,
      processPool1Worker: (pooled.seconds * 1000) / pooled.trials,
      trials: inProcess.trials,
    },
    parallel: {
      trials: cpuTrials,
      cpuMsPerTrial: 4 * workMs,
      oneWorkerSeconds: one.seconds,
      twoWorkersSeconds: two.seconds,
      speedup: one.seconds / two.seconds,
    },
    memory: {
      trials,
      rssAfter20MiB: rss[0] / 2 ** 20,
      rssAfterAllMiB: rss[1] / 2 ** 20,
      growthPercent: ((rss[1] - rss[0]) / rss[0]) * 100,
      gcExposed: Boolean(global.gc),
    },
  };
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
