/**
 * Benchmark (not a test) behind issue 13's choice of ONE state machine for the PostgreSQL store:
 * the trial table as the queue (`PostgresTrialStore`, lib/sweep/postgres/store.ts) against the
 * pg-boss design it replaced (trial rows + pg-boss jobs kept in step).
 *
 *   npx ts-node --transpile-only bench/sweep/postgres-queue-designs.ts [--trials 2000] [--workers 1,4,8,16] [--repeats 1]
 *
 * Since the choice, only the trial table is here (pg-boss is no longer a dependency). The side-by-side
 * run in docs/distributed.md is reproducible on commit 5a830d4, which still has the pg-boss design
 * (`PgBossTrialStore`, lib/sweep/postgres/pgboss-store.ts) and its `node_modules`:
 *
 *   git checkout 5a830d4 && npm install pg-boss@10.4.2 --no-save   # only if it was uninstalled
 *   npx ts-node --transpile-only bench/sweep/postgres-queue-designs.ts --trials 2000 --workers 1,4,8,16 --repeats 2
 *
 * There, for each worker count, both designs ran back to back (pg-boss, then the trial table;
 * alternating reduces the effect of a load change on a shared machine).
 *
 * One throwaway PostgreSQL server on 127.0.0.1 (test/sweep-postgres/postgres-server.ts: fsync off,
 * synchronous commit on). Each run has its own fresh database: one sweep of `--trials` trials (two arms, interleaved by index) enqueued, then
 * N worker processes (forked once, kept for every run, each with its own connection pool as
 * separate machines would have) do what `layerwise worker` does around a trial with a 2-epoch
 * objective and no training: claim (stale check included) → 2 × recordOwnedEpoch → finishTrial,
 * until nothing is waiting. The point is the store.
 *
 * Figures per run:
 *  - claims/s: trials / (last finished_at − first started_at), by the database clock;
 *  - bytes per trial: pg_total_relation_size (heap, indexes, TOAST) of every table of the store's
 *    schema and of pg-boss's `<schema>_queue` schema (on 5a830d4), / trials; once after enqueueing, once at the end;
 *  - connections: the most rows of pg_stat_activity for that database, sampled every 100 ms.
 * Prints one JSON object and a Markdown table.
 */
import { ChildProcess, fork } from 'child_process';
import * as os from 'os';
import { Client } from 'pg';
import { PostgresServer, startPostgresServer } from '../../test/sweep-postgres/postgres-server';
import type { TrialSpec } from '../../lib/sweep/storage/storage';
import type { EpochRecord } from '../../lib/train/record';

type Design = 'trial-table';

function option(name: string, fallback: string): string {
  const position = process.argv.indexOf(`--${name}`);
  return position >= 0 ? process.argv[position + 1] : fallback;
}

const SWEEP = 'designs';

/** The definition the bench sweeps are opened with: retries only matter for stale trials (none here). */
function openArgs(): { definition: any; fingerprint: string } {
  return {
    definition: {
      name: SWEEP,
      objective: 'bench.quadratic',
      model: {},
      data: { dataset: 'none' },
      training: { epochs: 2 },
      arms: [
        { name: 'uniform', kind: 'uniform', penalties: { l2: { type: 'logUniform', low: 1e-6, high: 1e-1 } } },
        { name: 'per-layer', kind: 'per-layer', layers: ['dense_1', 'dense_2'], penalties: { l2: { type: 'logUniform', low: 1e-6, high: 1e-1 } } },
      ],
      budget: 1,
      seeds: [0],
      sampler: { type: 'random', seed: 0 },
      execution: { retries: 2 },
    },
    fingerprint: 'designs-bench',
  };
}

/** `count` trials over two arms, index i of each arm next to the other's (as the runner enqueues them). */
function trialsOf(count: number): TrialSpec[] {
  return Array.from({ length: count }, (_, position) => {
    const arm = position % 2 === 0 ? 'uniform' : 'per-layer';
    const index = Math.floor(position / 2);
    const l2 = 10 ** (-6 + (5 * ((position * 7919) % 1000)) / 1000);
    const params: TrialSpec['params'] = arm === 'uniform' ? { l2 } : { l2_dense_1: l2, l2_dense_2: l2 / 2 };
    return {
      trialId: `${arm}-${String(index).padStart(6, '0')}`,
      configId: `${arm}-c${index}`,
      sweepName: SWEEP,
      arm,
      index,
      params,
      seed: index,
    };
  });
}

/** An epoch record of the shape the quadratic objective reports. */
function epochOf(trial: TrialSpec, epoch: number): EpochRecord {
  const loss = Object.values(trial.params).reduce((sum: number, value) => sum + (Math.log10(Number(value)) + 3) ** 2, 0) + 1 / epoch;
  return {
    epoch,
    train: { loss, accuracy: 1 / (1 + loss) },
    validation: { loss, accuracy: 1 / (1 + loss) },
    penalty: 0,
    penaltyPerLayer: {},
    weightNorms: {},
    seconds: 0,
  };
}

/** Opens the store of `design` (only the trial table since the choice; the label stays in the output). */
async function openStore(_design: Design, url: string): Promise<any> {
  const retry = { deadlineMs: 60000, onRetry: () => undefined };
  const { PostgresTrialStore } = await import('../../lib/sweep/postgres/store');
  return PostgresTrialStore.open({ url, retry });
}

// ------------------------------------------------------------------------------------ worker side

type ToWorker = { type: 'open'; design: Design; url: string; workerId: string } | { type: 'go' } | { type: 'exit' };
type FromWorker = { type: 'ready' } | { type: 'done'; finished: number } | { type: 'error'; message: string };

async function workerMain(): Promise<void> {
  let store: any;
  let workerId = '';
  const send = (message: FromWorker): void => void process.send!(message);
  process.on('message', async (message: ToWorker) => {
    try {
      if (message.type === 'open') {
        store = await openStore(message.design, message.url);
        workerId = message.workerId;
        await store.findSweep(SWEEP);
        send({ type: 'ready' });
      } else if (message.type === 'go') {
        let finished = 0;
        for (;;) {
          const trial = await store.claimTrial(SWEEP, { workerId });
          if (!trial) break;
          const epochs = [epochOf(trial, 1), epochOf(trial, 2)];
          for (const epoch of epochs) await store.recordOwnedEpoch(SWEEP, trial.trialId, trial.attempts, epoch);
          await store.finishTrial(SWEEP, trial.trialId, trial.attempts, { state: 'complete', epochs, final: epochs[1], runStatus: 'complete', backend: 'none', seconds: 0 });
          finished++;
        }
        await store.close();
        store = undefined;
        send({ type: 'done', finished });
      } else process.exit(0);
    } catch (error) {
      send({ type: 'error', message: error instanceof Error ? error.stack ?? error.message : String(error) });
    }
  });
}

// ------------------------------------------------------------------------------------ parent side

async function query<T = Record<string, unknown>>(url: string, text: string, values: unknown[] = []): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text, values)).rows as T[];
  } finally {
    await client.end();
  }
}

function databaseUrl(server: PostgresServer, database: string): string {
  return server.url.replace(/\/[^/]*$/, `/${database}`);
}

async function storageBytes(url: string): Promise<number> {
  const rows = await query<{ bytes: string }>(
    url,
    `SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0)::bigint AS bytes FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname IN ('layerwise', 'layerwise_queue') AND c.relkind IN ('r', 'p', 'm')`,
  );
  return Number(rows[0].bytes);
}

class WorkerProcess {
  private waiting: ((message: FromWorker) => void) | undefined;
  constructor(readonly child: ChildProcess) {
    child.on('message', (message: FromWorker) => {
      const resolve = this.waiting;
      this.waiting = undefined;
      resolve?.(message);
    });
  }
  ask(message: ToWorker): Promise<FromWorker> {
    return new Promise((resolve, reject) => {
      this.waiting = (answer) => (answer.type === 'error' ? reject(new Error(`worker: ${answer.message}`)) : resolve(answer));
      this.child.send(message);
    });
  }
}

interface Row {
  design: Design;
  workers: number;
  trials: number;
  claimsPerSecond: number;
  bytesPerTrialEnqueued: number;
  bytesPerTrialFinished: number;
  maxConnections: number;
  wallSeconds: number;
}

async function measure(server: PostgresServer, pool: WorkerProcess[], design: Design, workers: number, trials: number, label: string): Promise<Row> {
  const database = `${design.replace('-', '_')}_w${workers}_${label}`;
  await query(server.url, `CREATE DATABASE ${database}`);
  const url = databaseUrl(server, database);
  const setup = await openStore(design, url);
  try {
    await setup.openSweep(openArgs());
    await setup.enqueueTrials(SWEEP, trialsOf(trials));
  } finally {
    await setup.close();
  }
  await query(url, 'VACUUM ANALYZE');
  const enqueued = await storageBytes(url);
  const used = pool.slice(0, workers);
  await Promise.all(used.map((worker, i) => worker.ask({ type: 'open', design, url, workerId: `w${i}` })));
  let maxConnections = 0;
  let running = true;
  const started = Date.now();
  const finishedAll = Promise.all(used.map((worker) => worker.ask({ type: 'go' }))).finally(() => {
    running = false;
  });
  while (running) {
    const [row] = await query<{ n: number }>(server.url, `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1`, [database]);
    maxConnections = Math.max(maxConnections, row.n);
    await Promise.race([new Promise((resolve) => setTimeout(resolve, 100)), finishedAll]);
  }
  const answers = await finishedAll;
  const wallSeconds = (Date.now() - started) / 1000;
  const finished = answers.reduce((sum, answer) => sum + (answer.type === 'done' ? answer.finished : 0), 0);
  const [check] = await query<{ complete: number; attempts: number }>(
    url,
    `SELECT count(*) FILTER (WHERE state = 'complete')::int AS complete, coalesce(max(attempt), 0)::int AS attempts FROM layerwise.trials`,
  );
  if (finished !== trials || check.complete !== trials || check.attempts !== 1) {
    throw new Error(`${design}, ${workers} workers: ${finished} finished by workers, ${check.complete} complete, max attempt ${check.attempts}; expected ${trials}, ${trials}, 1`);
  }
  const [span] = await query<{ seconds: number }>(url, `SELECT extract(epoch FROM max(finished_at) - min(started_at))::float AS seconds FROM layerwise.trials`);
  return {
    design,
    workers,
    trials,
    claimsPerSecond: Number((trials / span.seconds).toFixed(1)),
    bytesPerTrialEnqueued: Math.round(enqueued / trials),
    bytesPerTrialFinished: Math.round((await storageBytes(url)) / trials),
    maxConnections,
    wallSeconds: Number(wallSeconds.toFixed(1)),
  };
}

async function main(): Promise<void> {
  const trials = Number(option('trials', '2000'));
  const counts = option('workers', '1,4,8,16').split(',').map(Number);
  const repeats = Number(option('repeats', '1'));
  const server = await startPostgresServer();
  const children = Array.from({ length: Math.max(...counts) }, () => new WorkerProcess(fork(__filename, ['--worker'], { execArgv: ['-r', 'ts-node/register/transpile-only'] })));
  const rows: Row[] = [];
  try {
    for (let repeat = 0; repeat < repeats; repeat++) {
      for (const workers of counts) {
        for (const design of ['trial-table'] as Design[]) {
          const row = await measure(server, children, design, workers, trials, `r${repeat}`);
          rows.push(row);
          process.stderr.write(`${JSON.stringify(row)}\n`);
        }
      }
    }
    const version = (await query<{ server_version: string }>(server.url, 'SHOW server_version'))[0].server_version;
    const machine = `${os.hostname()} (${os.cpus().length} cores, load average ${os.loadavg().map((load) => load.toFixed(1)).join(' ')} at the end), PostgreSQL ${version} on loopback, fsync off`;
    process.stdout.write(`${JSON.stringify({ machine, rows }, null, 2)}\n\n`);
    process.stdout.write('| design | workers | trials | claims/s | bytes per trial (enqueued) | bytes per trial (finished) | connections (max seen) |\n');
    process.stdout.write('| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n');
    for (const row of rows) {
      process.stdout.write(
        `| ${row.design} | ${row.workers} | ${row.trials} | ${row.claimsPerSecond} | ${row.bytesPerTrialEnqueued} | ${row.bytesPerTrialFinished} | ${row.maxConnections} |\n`,
      );
    }
  } finally {
    for (const child of children) child.child.kill();
    await server.destroy();
  }
}

if (process.argv.includes('--worker')) void workerMain();
else
  main().catch((error) => {
    process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  });
