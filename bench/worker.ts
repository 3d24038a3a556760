/**
 * One bench worker process: activates one backend (the backend is chosen once per process, so the
 * bench runs each backend in its own process), runs the requested cases and models, and prints one
 * JSON line `BENCH_RESULT {...}` on stdout.
 * Arguments: --backend NAME --plan JSON (a list of {caseId, model, samples, warmupEpochs, timedEpochs}).
 */
import { initBackend, BackendName, parseBackendName } from '../lib/backend';
import { benchCases } from './cases';
import type { BenchModelName } from './models';
import { BENCH_MODEL_SHAPES } from './models';

/** One measurement a worker is asked for. */
export interface WorkerTask {
  caseId: string;
  model: BenchModelName;
  samples: number;
  warmupEpochs: number;
  timedEpochs: number;
  seed: number;
}

/** A worker's answer for one task. */
export interface WorkerMeasurement extends WorkerTask {
  batchSize: number;
  /** Seconds per timed epoch. */
  epochSeconds?: number[];
  /** Set when the case failed on this backend (the bench reports it rather than aborting). */
  error?: string;
}

export const RESULT_PREFIX = 'BENCH_RESULT ';

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const backendArgument = argv[argv.indexOf('--backend') + 1];
  const plan = JSON.parse(argv[argv.indexOf('--plan') + 1]) as WorkerTask[];
  const backend = parseBackendName(backendArgument, '--backend') as BackendName;
  const info = await initBackend({ backend, log: false });
  const measurements: WorkerMeasurement[] = [];
  for (const task of plan) {
    const benchCase = benchCases.find((candidate) => candidate.id === task.caseId);
    const batchSize = BENCH_MODEL_SHAPES[task.model].batchSize;
    if (benchCase === undefined) {
      measurements.push({ ...task, batchSize, error: `no bench case "${task.caseId}"` });
      continue;
    }
    try {
      const epochSeconds = await benchCase.run({ ...task, backend, batchSize });
      measurements.push({ ...task, batchSize, epochSeconds });
    } catch (error) {
      measurements.push({ ...task, batchSize, error: error instanceof Error ? error.message.split('\n')[0] : String(error) });
    }
  }
  process.stdout.write(`${RESULT_PREFIX}${JSON.stringify({ backend: info, measurements })}\n`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`bench worker failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  });
}
