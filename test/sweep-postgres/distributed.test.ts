/**
 * Three worker processes on one sweep in a real PostgreSQL server; one is killed with SIGKILL in the
 * middle of a trial and the server is stopped (immediate, i.e. crash) and restarted while the others
 * work. Afterwards every trial is complete exactly once, with the values the objective computes, and
 * nothing is lost or duplicated.
 */
import { ChildProcess, spawn } from 'child_process';
import * as path from 'path';
import { Client } from 'pg';
import { openPostgresStore, PostgresTrialStore } from '../../lib/sweep/postgres';
import { expectedLoss, openArgs, trialsOf } from './fixtures';
import { PostgresServer, startPostgresServer } from './postgres-server';
import { describeWhenAvailable } from '../support/requirements';

describeWhenAvailable(['postgresql'], 'workers on PostgreSQL under crashes', () => {
  interface Worker {
    name: string;
    process: ChildProcess;
    events: Record<string, unknown>[];
    exit: Promise<number | null>;
    stderr: string[];
  }

  const TRIALS = 18;
  const EPOCHS = 3;

  let server: PostgresServer;
  let store: PostgresTrialStore;
  const workers: Worker[] = [];

  function startWorker(name: string): Worker {
    const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', path.join(__dirname, 'worker-child.ts')], {
      cwd: path.join(__dirname, '..', '..'),
      env: { ...process.env, LW_URL: server.url, LW_SWEEP: 'distributed', LW_WORKER: name, LW_EPOCHS: String(EPOCHS), LW_EPOCH_MS: '120', LW_HEARTBEAT_SECONDS: '0.25' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const worker: Worker = { name, process: child, events: [], stderr: [], exit: new Promise((resolve) => child.on('exit', (code) => resolve(code))) };
    let buffer = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      for (const line of lines) if (line.trim()) worker.events.push(JSON.parse(line));
    });
    child.stderr!.on('data', (chunk: Buffer) => worker.stderr.push(chunk.toString()));
    workers.push(worker);
    return worker;
  }

  async function until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; events: ${JSON.stringify(workers.map((w) => [w.name, w.events.slice(-3), w.stderr.join('')]))}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  const countOf = (type: string) => workers.reduce((sum, worker) => sum + worker.events.filter((event) => event.type === type).length, 0);

  beforeAll(async () => {
    server = await startPostgresServer();
    // Grace 3 s: longer than the server restart below, so most leases survive it (those that don't are retried).
    store = await openPostgresStore(server.url, { graceSeconds: 3 });
    await store.openSweep(openArgs('distributed', 3));
    await store.enqueueTrials('distributed', trialsOf('distributed', TRIALS));
  }, 60000);

  afterAll(async () => {
    for (const worker of workers) if (worker.process.exitCode === null) worker.process.kill('SIGKILL');
    await store?.close();
    await server?.destroy();
  });

  test('SIGKILL of a worker mid-trial and a server crash-restart lose and duplicate nothing', async () => {
    const victim = startWorker('victim');
    startWorker('steady-1');
    startWorker('steady-2');

    // Kill the victim in the middle of its second trial (claimed, first epoch not finished: 120 ms per epoch).
    await until(() => victim.events.filter((event) => event.type === 'claimed').length >= 2, 40000, 'the victim to claim twice');
    const killedTrial = victim.events.filter((event) => event.type === 'claimed')[1].trialId as string;
    victim.process.kill('SIGKILL');
    expect(await victim.exit).toBeNull();

    // Crash-stop the server while the others work, then bring it back.
    await until(() => countOf('finished') >= 6, 40000, '6 finished trials');
    await server.stop('immediate');
    await new Promise((resolve) => setTimeout(resolve, 700));
    await server.start();

    const codes = await Promise.all(workers.slice(1).map((worker) => worker.exit));
    expect(codes).toEqual([0, 0]);
    // The only thing workers print is the retry line for each reconnection attempt while the server
    // was down (issue 15 item 4: they retry with backoff and say so); nothing else, no trace.
    const printed = workers.flatMap((worker) => worker.stderr.join('').split('\n').filter((line) => line.trim() !== ''));
    for (const line of printed) expect(line).toMatch(/^layerwise: PostgreSQL at postgres:\/\/layerwise:\*\*\*@127\.0\.0\.1:\d+\/layerwise not reachable \([^)]+\); attempt \d+ failed, retrying in [\d.]+ s/);

    const trials = await store.listTrials('distributed');
    expect(trials).toHaveLength(TRIALS);
    expect(new Set(trials.map((trial) => trial.trialId)).size).toBe(TRIALS);
    for (const trial of trials) {
      const l2 = Number(trial.params.l2);
      expect(trial.state).toBe('complete');
      // Every epoch exactly once, with the objective's values (from the attempt that completed).
      expect(trial.epochs.map((epoch) => epoch.epoch)).toEqual([1, 2, 3]);
      for (const epoch of trial.epochs) expect(epoch.validation!.loss).toBeCloseTo(expectedLoss(l2, epoch.epoch), 12);
      expect(trial.final!.validation!.loss).toBeCloseTo(expectedLoss(l2, EPOCHS), 12);
    }
    // The killed trial was failed as stale and retried by another worker.
    const killed = trials.find((trial) => trial.trialId === killedTrial)!;
    expect(killed.attempts).toBeGreaterThanOrEqual(2);
    const history = await store.attemptsOf('distributed', killedTrial);
    expect(history[0]).toMatchObject({ worker: 'victim', outcome: 'stale' });

    // Exactly one completed attempt per trial, in the history and in the workers' own reports.
    const client = new Client({ connectionString: server.url });
    await client.connect();
    try {
      const completions = await client.query(
        `SELECT t.trial_key, count(*) FILTER (WHERE a.outcome = 'complete')::int AS completes
       FROM layerwise.trials t JOIN layerwise.trial_attempts a ON a.trial_id = t.id GROUP BY t.trial_key`,
      );
      expect(completions.rows).toHaveLength(TRIALS);
      for (const row of completions.rows) expect(row.completes).toBe(1);
    } finally {
      await client.end();
    }
    const finished = workers.flatMap((worker) => worker.events.filter((event) => event.type === 'finished').map((event) => event.trialId as string));
    expect(finished.sort()).toEqual(trials.map((trial) => trial.trialId).sort());
    expect(await store.claimTrial('distributed')).toBeUndefined();
  }, 80000);
});
