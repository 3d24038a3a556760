/**
 * PostgreSQL chaos benchmark (not a test): many `layerwise worker` processes on one sweep in a
 * loopback PostgreSQL server, workers killed with SIGKILL at random and the server crash-restarted
 * once, then a check that every trial finished exactly once with the metrics a single worker gets.
 *
 *   npm run build   # the workers run dist/cli/main.js, as a user's would
 *   npx ts-node --transpile-only bench/sweep/postgres-chaos.ts [--trials 2000] [--workers 16] [--kills 24]
 *       [--scaling 1,4,8,16] [--scaling-trials 2000] [--max-seconds 1500]
 *
 * Phases, each in its own database of one throwaway server (test/sweep-postgres/postgres-server.ts,
 * 127.0.0.1 only, removed at the end):
 *  1. scaling: for each worker count, the same sweep run to the end by that many workers, no faults.
 *     Claims per second = trials / (last finish − first claim), from the database's own timestamps
 *     (process start-up not counted); storage per trial = size of the store's tables and indexes
 *     (pg_total_relation_size of every table, index and TOAST table in schema layerwise; `layerwise_queue`
 *     too, where a pg-boss-era build left one) / trials; connections = the most rows
 *     of pg_stat_activity for that database seen while it ran (sampled every 200 ms).
 *     The 1-worker run is the reference for phase 2.
 *  2. chaos: `--workers` workers; every time another 1/(kills+2) of the trials has finished, one
 *     live worker (chosen by a seeded stream) is SIGKILLed and a replacement started; at 40 % the
 *     server is stopped in 'immediate' mode (a crash: no checkpoint) and started again. A worker
 *     that exits by itself while trials remain is a defect (counted, then replaced so the run ends).
 *     Checked at the end: every trial 'complete', exactly one 'complete' attempt per trial, no trial
 *     missing or extra, final metrics identical to the reference run's.
 * Prints a JSON object and a Markdown table; exits 1 when a check fails.
 */
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Client } from 'pg';
import seedrandom from 'seedrandom';
import { fromConfig } from '../../lib/sweep/definition-config';
import type { SweepDefinition } from '../../lib/sweep/definition';
import { openPostgresStore } from '../../lib/sweep/postgres/open';
import { runSweep } from '../../lib/sweep/runner';
import { PostgresServer, startPostgresServer } from '../../test/sweep-postgres/postgres-server';
import './register-quadratic';

const ROOT = path.resolve(__dirname, '..', '..');
const CLI = path.join(ROOT, 'dist', 'cli', 'main.js');
const SWEEP = 'chaos';

function option(name: string, fallback: string): string {
  const position = process.argv.indexOf(`--${name}`);
  return position >= 0 ? process.argv[position + 1] : fallback;
}

const TRIALS = Number(option('trials', '2000'));
const WORKERS = Number(option('workers', '16'));
const KILLS = Number(option('kills', '24'));
const SCALING = option('scaling', '1,4,8,16').split(',').map(Number);
const SCALING_TRIALS = Number(option('scaling-trials', String(TRIALS)));
const MAX_SECONDS = Number(option('max-seconds', '1500'));
/** Heartbeat grace of the sweep: a killed worker's trial is retried after this many seconds. */
const GRACE_SECONDS = 3;
const deadline = Date.now() + MAX_SECONDS * 1000;

/** Two arms of random l2 coefficients, two short epochs each: the point is the store, not the work. */
function definitionOf(trials: number): SweepDefinition {
  return fromConfig({
    name: SWEEP,
    objective: 'bench.quadratic',
    model: {},
    data: { dataset: 'none' },
    training: { epochs: 2 },
    arms: [
      { name: 'uniform', kind: 'uniform', penalties: { l2: { type: 'logUniform', low: 1e-6, high: 1e-1 } } },
      { name: 'per-layer', kind: 'per-layer', layers: ['dense_1', 'dense_2'], penalties: { l2: { type: 'logUniform', low: 1e-6, high: 1e-1 } } },
    ],
    budget: Math.ceil(trials / 2),
    seeds: [0],
    sampler: { type: 'random', seed: 0 },
    // More attempts than kills can ever hit one trial: a killed attempt is not the trial's fault.
    execution: { retries: 50 },
  });
}

/** A CommonJS module the workers load with --objective-module: registers the same objective from dist. */
function writeObjectiveModule(directory: string): string {
  const file = path.join(directory, 'register-quadratic.js');
  fs.writeFileSync(
    file,
    `const { registerObjective } = require(${JSON.stringify(path.join(ROOT, 'dist', 'sweep', 'objective.js'))});\n` +
      `const { quadraticObjective } = require(${JSON.stringify(path.join(ROOT, 'dist', 'sweep', 'objectives', 'quadratic.js'))});\n` +
      `registerObjective('bench.quadratic', quadraticObjective);\n`,
  );
  return file;
}

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

/** Creates database `name`, the sweep in it (heartbeat grace GRACE_SECONDS) and enqueues every trial. */
async function prepare(server: PostgresServer, name: string, trials: number): Promise<string> {
  await query(server.url, `CREATE DATABASE ${name}`);
  const url = databaseUrl(server, name);
  const store = await openPostgresStore(url, { graceSeconds: GRACE_SECONDS });
  try {
    await runSweep({ definition: definitionOf(trials), storage: store, enqueueOnly: true });
  } finally {
    await store.close();
  }
  return url;
}

interface Worker {
  id: number;
  process: ChildProcess;
  killed: boolean;
  exit: Promise<number | null>;
  stderr: string[];
}

function startWorker(url: string, id: number, objectiveModule: string): Worker {
  const child = spawn(process.execPath, [CLI, 'worker', '--storage', url, '--sweep', SWEEP, '--objective-module', objectiveModule, '--worker-id', `w${id}`, '--quiet'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const worker: Worker = { id, process: child, killed: false, exit: Promise.resolve(null), stderr: [] };
  child.stderr!.on('data', (chunk: Buffer) => {
    worker.stderr.push(chunk.toString());
    if (worker.stderr.length > 50) worker.stderr.shift();
  });
  worker.exit = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  return worker;
}

async function counts(url: string): Promise<Record<string, number>> {
  const rows = await query<{ state: string; n: number }>(url, `SELECT state, count(*)::int AS n FROM layerwise.trials GROUP BY state`);
  return Object.fromEntries(rows.map((row) => [row.state, row.n]));
}

async function connectionCount(server: PostgresServer, database: string): Promise<number> {
  const rows = await query<{ n: number }>(server.url, `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1`, [database]);
  // Our own monitoring connection is to another database: not counted.
  return rows[0].n;
}

async function storageBytes(url: string): Promise<number> {
  const rows = await query<{ bytes: string }>(
    url,
    `SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0)::bigint AS bytes FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname IN ('layerwise', 'layerwise_queue') AND c.relkind IN ('r', 'p', 'm')`,
  );
  return Number(rows[0].bytes);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function checkTime(what: string): void {
  if (Date.now() > deadline) throw new Error(`${what}: over --max-seconds ${MAX_SECONDS}`);
}

interface ScalingRow {
  workers: number;
  trials: number;
  claimsPerSecond: number;
  storageBytesPerTrial: number;
  maxConnections: number;
  wallSeconds: number;
}

async function scalingRun(server: PostgresServer, workers: number, trials: number, objectiveModule: string): Promise<ScalingRow> {
  const database = `scale_w${workers}`;
  const url = await prepare(server, database, trials);
  const started = Date.now();
  const pool = Array.from({ length: workers }, (_, id) => startWorker(url, id, objectiveModule));
  let maxConnections = 0;
  let done = false;
  const exits = Promise.all(pool.map((worker) => worker.exit)).then((codes) => {
    done = true;
    return codes;
  });
  while (!done) {
    checkTime(`scaling run with ${workers} workers`);
    maxConnections = Math.max(maxConnections, await connectionCount(server, database));
    await Promise.race([sleep(200), exits]);
  }
  const codes = await exits;
  const bad = pool.filter((_, position) => codes[position] !== 0);
  if (bad.length > 0) throw new Error(`scaling run (${workers} workers): ${bad.length} worker(s) failed: ${bad[0].stderr.join('').slice(-2000)}`);
  const state = await counts(url);
  if (state.complete !== trials) throw new Error(`scaling run (${workers} workers): ${JSON.stringify(state)} instead of ${trials} complete`);
  const [span] = await query<{ seconds: number }>(url, `SELECT extract(epoch FROM max(finished_at) - min(started_at))::float AS seconds FROM layerwise.trials`);
  return {
    workers,
    trials,
    claimsPerSecond: Number((trials / span.seconds).toFixed(1)),
    storageBytesPerTrial: Math.round((await storageBytes(url)) / trials),
    maxConnections,
    wallSeconds: Number(((Date.now() - started) / 1000).toFixed(1)),
  };
}

async function finals(url: string): Promise<Map<string, string>> {
  // An epoch's wall-clock `seconds` differs from run to run; every metric is compared.
  const rows = await query<{ trial_key: string; final: unknown; state: string }>(url, `SELECT trial_key, final::jsonb - 'seconds' AS final, state FROM layerwise.trials`);
  return new Map(rows.map((row) => [row.trial_key, `${row.state} ${JSON.stringify(row.final)}`]));
}

interface ChaosReport {
  trials: number;
  workers: number;
  kills: number;
  workersStarted: number;
  prematureExits: Array<{ worker: number; code: number | null; remaining: Record<string, number>; stderr: string }>;
  serverRestartAtFinished: number;
  maxConnections: number;
  wallSeconds: number;
  complete: number;
  completeAttemptsPerTrial: { min: number; max: number };
  retriedTrials: number;
  staleAttempts: number;
  missing: number;
  extra: number;
  metricMismatches: number;
  passed: boolean;
}

async function chaosRun(server: PostgresServer, objectiveModule: string, reference: Map<string, string>): Promise<ChaosReport> {
  const database = 'chaos';
  const url = await prepare(server, database, TRIALS);
  const random = seedrandom('postgres-chaos');
  const started = Date.now();
  let nextId = 0;
  const live = new Set<Worker>();
  const prematureExits: ChaosReport['prematureExits'] = [];
  let finishedAll = false;
  const launch = (): void => {
    const worker = startWorker(url, nextId++, objectiveModule);
    live.add(worker);
    void worker.exit.then(async (code) => {
      live.delete(worker);
      if (worker.killed || finishedAll) return;
      let remaining: Record<string, number> = {};
      try {
        remaining = await counts(url);
      } catch {
        remaining = { unknown: -1 };
      }
      const left = (remaining.waiting ?? 0) + (remaining.running ?? 0) + (remaining.unknown ?? 0);
      if (code !== 0 || left > 0) {
        prematureExits.push({ worker: worker.id, code, remaining, stderr: worker.stderr.join('').slice(-1500) });
        // Replace it so the run still ends; the report counts it as a defect.
        if (!finishedAll) launch();
      }
    });
  };
  for (let i = 0; i < WORKERS; i++) launch();

  let kills = 0;
  let restarted = false;
  let restartAt = -1;
  let maxConnections = 0;
  const step = TRIALS / (KILLS + 2);
  for (;;) {
    checkTime('chaos run');
    let state: Record<string, number>;
    try {
      state = await counts(url);
      maxConnections = Math.max(maxConnections, await connectionCount(server, database));
    } catch {
      await sleep(200);
      continue;
    }
    const finished = state.complete ?? 0;
    if (finished + (state.failed ?? 0) >= TRIALS) break;
    if (!restarted && finished >= 0.4 * TRIALS) {
      restarted = true;
      restartAt = finished;
      await server.restart('immediate');
    }
    if (kills < KILLS && finished >= (kills + 1) * step && live.size > 0) {
      const candidates = [...live];
      const victim = candidates[Math.floor(random() * candidates.length)];
      victim.killed = true;
      victim.process.kill('SIGKILL');
      kills++;
      // The replacement joins a little later, as a restarted machine would.
      setTimeout(launch, 200 + Math.floor(random() * 800));
    }
    await sleep(100);
  }
  finishedAll = true;
  // Workers leave by themselves once nothing is left; give them the grace period, then stop them.
  const exitDeadline = Date.now() + 30000;
  while (live.size > 0 && Date.now() < exitDeadline) await sleep(200);
  for (const worker of live) {
    worker.killed = true;
    worker.process.kill('SIGKILL');
  }
  const wallSeconds = Number(((Date.now() - started) / 1000).toFixed(1));

  const got = await finals(url);
  const [attempts] = await query<{ min: number; max: number }>(
    url,
    `SELECT min(n)::int AS min, max(n)::int AS max FROM (SELECT t.id, count(a.*) FILTER (WHERE a.outcome = 'complete') AS n FROM layerwise.trials t LEFT JOIN layerwise.trial_attempts a ON a.trial_id = t.id GROUP BY t.id) per_trial`,
  );
  const [retried] = await query<{ n: number }>(url, `SELECT count(*)::int AS n FROM layerwise.trials WHERE attempt > 1`);
  const [stale] = await query<{ n: number }>(url, `SELECT count(*)::int AS n FROM layerwise.trial_attempts WHERE outcome = 'stale'`);
  let missing = 0;
  let mismatches = 0;
  for (const [trialId, value] of reference) {
    const mine = got.get(trialId);
    if (mine === undefined) missing++;
    else if (mine !== value) {
      mismatches++;
      if (mismatches <= 3) process.stderr.write(`metrics differ for ${trialId}: chaos ${mine} reference ${value}\n`);
    }
  }
  const extra = [...got.keys()].filter((trialId) => !reference.has(trialId)).length;
  const complete = [...got.values()].filter((value) => value.startsWith('complete ')).length;
  const passed =
    complete === TRIALS && missing === 0 && extra === 0 && mismatches === 0 && attempts.min === 1 && attempts.max === 1 && prematureExits.length === 0 && kills >= Math.min(KILLS, 20) && restarted;
  return {
    trials: TRIALS,
    workers: WORKERS,
    kills,
    workersStarted: nextId,
    prematureExits,
    serverRestartAtFinished: restartAt,
    maxConnections,
    wallSeconds,
    complete,
    completeAttemptsPerTrial: attempts,
    retriedTrials: retried.n,
    staleAttempts: stale.n,
    missing,
    extra,
    metricMismatches: mismatches,
    passed,
  };
}

async function main(): Promise<void> {
  if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first (the workers run the built CLI)`);
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'layerwise-chaos-'));
  const objectiveModule = writeObjectiveModule(scratch);
  const server = await startPostgresServer();
  try {
    const scaling: ScalingRow[] = [];
    for (const workers of SCALING) {
      scaling.push(await scalingRun(server, workers, workers === 1 ? TRIALS : SCALING_TRIALS, objectiveModule));
      process.stderr.write(`scaling: ${JSON.stringify(scaling[scaling.length - 1])}\n`);
    }
    if (!SCALING.includes(1)) throw new Error('--scaling must include 1: the 1-worker run is the reference');
    const reference = await finals(databaseUrl(server, 'scale_w1'));
    const chaos = await chaosRun(server, objectiveModule, reference);
    const machine = `${os.hostname()} (${os.cpus().length} cores, shared), PostgreSQL ${(await query<{ server_version: string }>(server.url, 'SHOW server_version'))[0].server_version} on loopback, fsync off`;
    process.stdout.write(`${JSON.stringify({ machine, graceSeconds: GRACE_SECONDS, scaling, chaos }, null, 2)}\n\n`);
    process.stdout.write('| workers | trials | claims/s | storage per trial | connections (max seen) |\n| ---: | ---: | ---: | ---: | ---: |\n');
    for (const row of scaling) {
      process.stdout.write(`| ${row.workers} | ${row.trials} | ${row.claimsPerSecond} | ${(row.storageBytesPerTrial / 1024).toFixed(1)} KiB | ${row.maxConnections} |\n`);
    }
    if (!chaos.passed) process.exitCode = 1;
  } finally {
    await server.destroy();
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
