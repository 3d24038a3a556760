import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { MemberResult } from '../../lib/sweep/executors/executor';
import { ProcessPoolExecutor } from '../../lib/sweep/executors/process-pool';
import { runSweep } from '../../lib/sweep/runner';
import { FIXTURE_OBJECTIVES, sweepDefinition } from './fixtures/definitions';

let directory: string;
beforeEach(() => {
  directory = fs.mkdtempSync(path.join(os.tmpdir(), 'layerwise-pool-'));
});
afterEach(() => fs.rmSync(directory, { recursive: true, force: true }));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('process pool', () => {
  test('trials run in worker processes with one math thread each; a crashing worker fails its trial after retries', async () => {
    const summary = await runSweep({
      definition: sweepDefinition({ budget: 3, seeds: [1], training: { epochs: 2, epochMilliseconds: 20, crash: 'always', crashIndex: 1, crashArm: 'per-layer', reportEnvironment: true }, execution: { retries: 1 } }),
      directory,
      workers: 2,
      objectiveModules: [FIXTURE_OBJECTIVES],
    });
    const complete = summary.records.filter((record) => record.state === 'complete');
    const failed = summary.records.filter((record) => record.state === 'failed');
    expect(complete).toHaveLength(5);
    expect(failed).toHaveLength(1);
    for (const record of failed) {
      expect([record.arm, record.index]).toEqual(['per-layer', 1]);
      expect(record.attempts).toBe(2);
      expect(record.error).toMatch(/worker process crashed \(exit code 3\)/);
    }
    const environments = complete.map((record) => record.backend!.split(','));
    expect(environments.every(([intraOp, omp, pid]) => intraOp === '1' && omp === '1' && Number(pid) !== process.pid)).toBe(true);
    // Only the parent writes the journal: one finish line per trial.
    const finishes = fs.readFileSync(path.join(directory, 'journal.jsonl'), 'utf8').split('\n').filter((line) => line.includes('"op":"finish"'));
    expect(finishes).toHaveLength(6);
  });

  test('a worker crashing on the first attempt is replaced and the retry completes', async () => {
    const summary = await runSweep({
      definition: sweepDefinition({ budget: 1, seeds: [1], training: { epochs: 1, crash: 'first-attempt' } }),
      directory,
      workers: 1,
      objectiveModules: [FIXTURE_OBJECTIVES],
    });
    expect(summary.records.map((record) => [record.state, record.attempts])).toEqual([
      ['complete', 2],
      ['complete', 2],
    ]);
  });

  test('a timed-out attempt has its worker killed', async () => {
    const pool = new ProcessPoolExecutor({ workers: 1, objectiveModules: [FIXTURE_OBJECTIVES] });
    const definition = sweepDefinition({ budget: 1, seeds: [1], training: { hangIndex: 0 } });
    const started = pool.execute(
      { objective: 'test.synthetic', timeoutSeconds: 1.5, input: { definition, arm: definition.arms[0], params: { l2: 1e-3 }, seed: 1, trialId: 't', configId: 'c', index: 0, attempt: 1 } },
      { onEpoch: async () => false },
    );
    const pids = pool.workerPids;
    expect(pids).toHaveLength(1);
    const result = await started;
    expect(result).toMatchObject({ kind: 'error' });
    expect(result.kind === 'error' && result.message).toMatch(/timed out after 1.5 s of running \(waits for epochs. answers not counted\) \(worker pid \d+ killed\)/);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(alive(pids[0])).toBe(false);
    expect(pool.workerCount).toBe(0);
    await pool.close();
  });

  test("a single trial's time limit does not count its waits for epochs' answers; a population job's counts the whole job", async () => {
    const pool = new ProcessPoolExecutor({ workers: 1, objectiveModules: [FIXTURE_OBJECTIVES] });
    const definition = sweepDefinition({ budget: 1, seeds: [1], training: { epochs: 2 } });
    const input = (seed: number) => ({ definition, arm: definition.arms[0], params: { l2: 1e-3 }, seed, trialId: `t${seed}`, configId: 'c', index: 0, attempt: 1 });
    // A first job without a limit, so the worker's start-up is over before the limited job starts.
    expect((await pool.execute({ objective: 'test.synthetic', input: input(1) }, { onEpoch: async () => false })).kind).toBe('outcome');
    // Each epoch's answer takes 1.5 s (the pruning gate waiting for earlier trials): 3 s of waits,
    // a few milliseconds of running in the worker, against a 1 s limit.
    const slowAnswer = (): Promise<boolean> => new Promise((resolve) => setTimeout(() => resolve(false), 1500));
    const single = await pool.execute({ objective: 'test.synthetic', timeoutSeconds: 1, input: input(2) }, { onEpoch: slowAnswer });
    expect(single).toMatchObject({ kind: 'outcome', outcome: { status: 'complete' } });
    expect(single.kind === 'outcome' && single.outcome.epochs.map((epoch) => epoch.epoch)).toEqual([1, 2]);
    const population = await pool.executePopulation(
      { objective: 'test.population', timeoutSeconds: 1, inputs: [input(3)] },
      { onEpoch: async () => slowAnswer(), onMemberFinished: async () => undefined },
    );
    expect(population.kind === 'error' && population.message).toMatch(/^timed out after 1 s \(worker pid \d+ killed\)$/);
    await pool.close();
  });

  test('workers started before the backend is chosen (backendPending) run no trial until setBackend, then train on that backend', async () => {
    // preloadNative loads tfjs-node in the waiting workers: the native backend is registered (and tfjs
    // would pick it by priority), yet the backend given by setBackend, pure JS here, is the one set up.
    const pool = new ProcessPoolExecutor({ workers: 2, objectiveModules: [FIXTURE_OBJECTIVES], backendPending: true, preloadNative: true });
    pool.prestart();
    // Both workers start at once (their start-up overlaps the caller's backend measurement).
    expect(pool.workerCount).toBe(2);
    const definition = sweepDefinition({ budget: 1, seeds: [1], training: { epochs: 1, reportTfBackend: true } });
    const input = { definition, arm: definition.arms[0], params: { l2: 1e-3 }, seed: 1, trialId: 't', configId: 'c', index: 0, attempt: 1 };
    let settled = false;
    const started = pool.execute({ objective: 'test.synthetic', input }, { onEpoch: async () => false }).then((result) => {
      settled = true;
      return result;
    });
    // The worker is up (modules loaded) but waits for the backend: the trial has not run.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(settled).toBe(false);
    expect(pool.workerCount).toBe(2);
    pool.setBackend('cpu');
    const result = await started;
    expect(result).toMatchObject({ kind: 'outcome', outcome: { status: 'complete', backend: 'cpu' } });
    // A worker spawned after the choice gets it in its 'init'.
    const second = await Promise.all([0, 1, 2].map(() => pool.execute({ objective: 'test.synthetic', input }, { onEpoch: async () => false })));
    expect(second.map((entry) => entry.kind === 'outcome' && entry.outcome.backend)).toEqual(['cpu', 'cpu', 'cpu']);
    expect(pool.workerCount).toBe(3);
    await pool.close();
  });

  test("epochAnswers 'none': the worker trains on without waiting for each epoch's answer, yet the hooks get every epoch in order and before the job's end", async () => {
    // Each epoch's hook takes 150 ms (a slow store). Waiting for the answers, 6 epochs take >= 0.9 s in
    // the worker; without waiting, the worker's own run ends at once and only the parent's hook chain is slow.
    const pool = new ProcessPoolExecutor({ workers: 1, objectiveModules: [FIXTURE_OBJECTIVES] });
    const definition = sweepDefinition({ budget: 1, seeds: [1], training: { epochs: 6 } });
    const inputs = [0, 1].map((seed) => ({ definition, arm: definition.arms[0], params: { l2: 1e-3 }, seed, trialId: `t${seed}`, configId: 'c', index: 0, attempt: 1 }));
    const seen: string[] = [];
    const hooks = {
      onEpoch: async (member: number, epoch: { epoch: number }) => {
        await new Promise((resolve) => setTimeout(resolve, 150));
        seen.push(`${member}:${epoch.epoch}`);
        return true; // Would prune at once if the worker waited for it.
      },
      onMemberFinished: async (member: number, result: MemberResult) => {
        seen.push(`${member}:finished:${result.kind === 'outcome' ? result.outcome.status : result.kind}`);
      },
    };
    const result = await pool.executePopulation({ objective: 'test.population', inputs, epochAnswers: 'none' }, hooks);
    expect(result.kind).toBe('done');
    const epochs = (member: number) => [1, 2, 3, 4, 5, 6].map((epoch) => `${member}:${epoch}`);
    // Nothing was pruned (the answers were not waited for), every epoch reached the hooks in order, each member's end after its epochs.
    expect(seen).toEqual([...epochs(0), '0:finished:complete', ...epochs(1), '1:finished:complete']);

    // The default ('wait'): the same answer prunes each member at its first epoch.
    const waited: string[] = [];
    const pruning = await pool.executePopulation(
      { objective: 'test.population', inputs },
      { onEpoch: async (member, epoch) => (waited.push(`${member}:${epoch.epoch}`), true), onMemberFinished: async (member, outcome) => void waited.push(`${member}:${outcome.kind === 'outcome' ? outcome.outcome.status : outcome.kind}`) },
    );
    expect(pruning.kind).toBe('done');
    expect(waited).toEqual(['0:1', '0:pruned', '1:1', '1:pruned']);
    await pool.close();
  });

  test("a single trial with epochAnswers 'none' reports every epoch before its outcome", async () => {
    const pool = new ProcessPoolExecutor({ workers: 1, objectiveModules: [FIXTURE_OBJECTIVES] });
    const definition = sweepDefinition({ budget: 1, seeds: [1], training: { epochs: 4 } });
    const input = { definition, arm: definition.arms[0], params: { l2: 1e-3 }, seed: 1, trialId: 't', configId: 'c', index: 0, attempt: 1 };
    const seen: number[] = [];
    const result = await pool.execute(
      { objective: 'test.synthetic', input, epochAnswers: 'none' },
      { onEpoch: async (epoch) => (await new Promise((resolve) => setTimeout(resolve, 100)), seen.push(epoch.epoch), true) },
    );
    expect(result).toMatchObject({ kind: 'outcome', outcome: { status: 'complete' } });
    expect(seen).toEqual([1, 2, 3, 4]);
    await pool.close();
  });

  test('pruning decisions reach the worker over IPC', async () => {
    const summary = await runSweep({
      definition: sweepDefinition({ budget: 4, seeds: [1], training: { epochs: 9 }, pruning: { type: 'asha', minEpochs: 1, reductionFactor: 2 } }),
      directory,
      workers: 1,
      objectiveModules: [FIXTURE_OBJECTIVES],
    });
    const pruned = summary.records.filter((record) => record.state === 'pruned');
    expect(pruned.length).toBeGreaterThan(0);
    expect(pruned.every((record) => record.epochs.length < 9 && record.runStatus === 'pruned')).toBe(true);
  });
});
