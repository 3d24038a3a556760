/**
 * Benchmark (not a test): how fast the PostgreSQL store hands out and records trials.
 *
 *   npx ts-node --transpile-only test/sweep-postgres/benchmark.ts [trials=2000] [workers=8]
 *
 * Starts a throwaway server on loopback (the test harness), enqueues `trials` trials, and runs
 *  1. one worker alone with a no-op objective that reports one epoch: wall time per trial is the
 *     storage overhead per trial (fail-stale check + claim + one epoch write + finish);
 *  2. `workers` workers at once, each with its own connections (as separate machines would have):
 *     trials claimed and recorded per second.
 * Prints one JSON object.
 */
import { hostname, cpus } from 'os';
import { openPostgresStore, PostgresTrialStore, runWorker } from '../../lib/sweep/postgres';
import type { WorkerObjective } from '../../lib/sweep/postgres/run-worker';
import { epochOf, openArgs, trialsOf } from './fixtures';
import { startPostgresServer } from './postgres-server';

const noOp: WorkerObjective = async (trial, context) => {
  const epoch = epochOf(Number(trial.params.l2), 1);
  await context.reportEpoch(epoch);
  return { state: 'complete', epochs: [epoch], final: epoch };
};

async function timed(stores: PostgresTrialStore[], sweep: string, trials: number): Promise<number> {
  await stores[0].openSweep(openArgs(sweep));
  await stores[0].enqueueTrials(sweep, trialsOf(sweep, trials));
  const start = process.hrtime.bigint();
  const summaries = await Promise.all(stores.map((store, i) => runWorker(store, sweep, noOp, { workerId: `bench-${i}`, waitForRunning: false })));
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const finished = summaries.reduce((sum, summary) => sum + summary.finished, 0);
  if (finished !== trials) throw new Error(`expected ${trials} finished trials, got ${finished}`);
  return seconds;
}

async function main(): Promise<void> {
  const trials = Number(process.argv[2] ?? 2000);
  const workers = Number(process.argv[3] ?? 8);
  const server = await startPostgresServer();
  const stores: PostgresTrialStore[] = [];
  try {
    for (let i = 0; i < workers; i++) stores.push(await openPostgresStore(server.url, { maxConnections: 2 }));
    const soloTrials = Math.min(trials, 500);
    const soloSeconds = await timed(stores.slice(0, 1), 'bench-solo', soloTrials);
    const parallelSeconds = await timed(stores, 'bench-parallel', trials);
    process.stdout.write(
      `${JSON.stringify(
        {
          machine: `${hostname()} (${cpus().length} cores), PostgreSQL on loopback, fsync off`,
          storageOverheadMsPerTrial: Number(((1000 * soloSeconds) / soloTrials).toFixed(2)),
          soloTrials,
          workers,
          trials,
          trialsPerSecond: Number((trials / parallelSeconds).toFixed(1)),
          parallelSeconds: Number(parallelSeconds.toFixed(2)),
        },
        null,
        2,
      )}\n`,
    );
  } finally {
    await Promise.all(stores.map((store) => store.close()));
    await server.destroy();
  }
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
