/**
 * The loop's stop reaches every running attempt and population job without piling listeners on
 * one AbortSignal. Each attempt used to add its own 'abort' listener to the loop's stop signal,
 * and a population job handed that same signal to the executor, so a population of 16 members
 * put 17 listeners on it (past Node's MaxListeners limit of 10: "Possible EventTarget memory
 * leak detected. 11 abort listeners added to [AbortSignal]"). Now the loop keeps one listener
 * and a registry of what to stop; every signal an executor sees is the job's or attempt's own.
 *
 * Measured with `events.getEventListeners(signal, 'abort')` on the signals the executor is given,
 * at the start of each job and at every epoch, and on the caller's signal.
 */
import { getEventListeners } from 'events';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { ExecutionHooks, ExecutionResult, PopulationExecutionResult, PopulationHooks, PopulationJob, TrialExecutor, TrialJob } from '../../../lib/sweep/executors/executor';
import { InProcessExecutor } from '../../../lib/sweep/executors/in-process';
import { runSweep } from '../../../lib/sweep/runner';
import { FIXTURE_OBJECTIVES, sweepDefinition } from '../fixtures/definitions';
import '../fixtures/objectives';

jest.setTimeout(120_000);

const directories: string[] = [];
function folder(): string {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'layerwise-abort-listeners-'));
  directories.push(directory);
  return directory;
}
afterAll(() => {
  for (const directory of directories) fs.rmSync(directory, { recursive: true, force: true });
});

const count = (signal: AbortSignal | undefined): number => (signal === undefined ? 0 : getEventListeners(signal, 'abort').length);

/** The in-process executor with `slots` slots, a short pause before each job (so every slot fills) and the listener counts it saw. */
class CountingExecutor implements TrialExecutor {
  readonly inner: InProcessExecutor;
  /** Listeners on the signal a job was given, at its start and at each of its epochs. */
  readonly jobCounts: number[] = [];
  /** Listeners on the caller's signal, at each job's start and epoch. */
  readonly callerCounts: number[] = [];
  /** Jobs running at once, at most. */
  peakJobs = 0;
  private runningJobs = 0;

  constructor(
    readonly slots: number,
    private readonly caller: AbortSignal,
  ) {
    this.inner = new InProcessExecutor({ concurrency: slots });
  }

  private see(signal: AbortSignal | undefined): void {
    this.jobCounts.push(count(signal));
    this.callerCounts.push(count(this.caller));
  }

  private async around<T>(signal: AbortSignal | undefined, run: () => Promise<T>): Promise<T> {
    this.runningJobs++;
    this.peakJobs = Math.max(this.peakJobs, this.runningJobs);
    this.see(signal);
    try {
      await new Promise((resolve) => setTimeout(resolve, 30));
      return await run();
    } finally {
      this.runningJobs--;
    }
  }

  execute(job: TrialJob, hooks: ExecutionHooks): Promise<ExecutionResult> {
    return this.around(hooks.signal, () =>
      this.inner.execute(job, {
        ...hooks,
        onEpoch: (epoch) => {
          this.see(hooks.signal);
          return hooks.onEpoch(epoch);
        },
      }),
    );
  }

  executePopulation(job: PopulationJob, hooks: PopulationHooks): Promise<PopulationExecutionResult> {
    return this.around(hooks.signal, () =>
      this.inner.executePopulation(job, {
        ...hooks,
        onEpoch: (member, epoch) => {
          this.see(hooks.signal);
          return hooks.onEpoch(member, epoch);
        },
      }),
    );
  }

  cancelAll(): void {
    this.inner.cancelAll();
  }

  async close(): Promise<void> {
    await this.inner.close();
  }
}

const warnings: Error[] = [];
const onWarning = (warning: Error): void => {
  warnings.push(warning);
};
beforeAll(() => process.on('warning', onWarning));
afterAll(() => process.off('warning', onWarning));

test('a population of 16 members: the signal its job gets carries at most the executor’s own listener', async () => {
  const caller = new AbortController();
  const executor = new CountingExecutor(1, caller.signal);
  const result = await runSweep({
    definition: sweepDefinition({ objective: 'test.population', training: { epochs: 3 }, execution: { population: 16 } }),
    directory: folder(),
    executor,
    objectiveModules: [FIXTURE_OBJECTIVES],
    signal: caller.signal,
  });
  expect(result.records).toHaveLength(16);
  // Packing happened: one job of all 16 members (else this test would not exercise the case).
  expect(result.records.every((record) => record.backend === 'population of 16')).toBe(true);
  expect(executor.jobCounts.length).toBeGreaterThan(16);
  // At the job's start nothing listens yet; during epochs only the in-process executor's cancel.
  expect(executor.jobCounts[0]).toBe(0);
  expect(Math.max(...executor.jobCounts)).toBeLessThanOrEqual(1);
  // The caller's signal: the loop's one listener (plus, at most, a pause's while it waits).
  expect(Math.max(...executor.callerCounts)).toBeLessThanOrEqual(2);
  expect(count(caller.signal)).toBe(0);
  await new Promise((resolve) => setImmediate(resolve)); // Warnings are emitted on the next tick.
  expect(warnings.filter((warning) => warning.name === 'MaxListenersExceededWarning')).toEqual([]);
});

test('16 trials running at once, alone: each attempt’s signal and the caller’s stay bounded', async () => {
  const caller = new AbortController();
  const executor = new CountingExecutor(16, caller.signal);
  const result = await runSweep({
    definition: sweepDefinition({ objective: 'test.population', training: { epochs: 3 }, budget: 16, execution: { population: 1 } }),
    directory: folder(),
    executor,
    objectiveModules: [FIXTURE_OBJECTIVES],
    signal: caller.signal,
  });
  expect(result.records).toHaveLength(64);
  expect(executor.peakJobs).toBeGreaterThan(10);
  // The lease signal: the executor's cancel and, while the pruning gate waits, one wait.
  expect(Math.max(...executor.jobCounts)).toBeLessThanOrEqual(2);
  expect(Math.max(...executor.callerCounts)).toBeLessThanOrEqual(2);
  expect(count(caller.signal)).toBe(0);
  await new Promise((resolve) => setImmediate(resolve)); // Warnings are emitted on the next tick.
  expect(warnings.filter((warning) => warning.name === 'MaxListenersExceededWarning')).toEqual([]);
});

test('stopping mid-population still stops every member (the registry replaces the listeners)', async () => {
  const caller = new AbortController();
  const executor = new CountingExecutor(1, caller.signal);
  let epochs = 0;
  const result = await runSweep({
    definition: sweepDefinition({ objective: 'test.population', training: { epochs: 20, epochMilliseconds: 5 }, execution: { population: 16 } }),
    directory: folder(),
    executor,
    objectiveModules: [FIXTURE_OBJECTIVES],
    signal: caller.signal,
    onEvent: (event) => {
      if (event.type === 'trial-epoch' && ++epochs === 5) caller.abort();
    },
  });
  expect(result.interrupted).toBe(true);
  // Nothing finished: the stop reached the population before any member completed its 20 epochs.
  expect(result.records.filter((record) => record.state === 'complete')).toEqual([]);
  await new Promise((resolve) => setImmediate(resolve));
  expect(warnings.filter((warning) => warning.name === 'MaxListenersExceededWarning')).toEqual([]);
});
