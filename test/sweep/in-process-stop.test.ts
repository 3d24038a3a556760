/**
 * Stopping the in-process executor (a sweep's Ctrl-C with `--workers 0`, a `layerwise worker`'s
 * SIGTERM, a lost lease): the objective's signal aborts and the attempt resolves as cancelled only
 * once the objective has ended, so nothing of the trial still runs, or reports epochs, after its
 * caller released it. Objective: `test.lingering` (fixtures/lingering-objective.ts), which goes on
 * for a while after its abort, as training finishing a batch does.
 */
import type { EpochRecord } from '../../lib/train/record';
import { InProcessExecutor } from '../../lib/sweep/executors/in-process';
import { lingeringProbe, resetLingeringProbe } from './fixtures/lingering-objective';
import { sweepDefinition } from './fixtures/definitions';

const definition = sweepDefinition({ objective: 'test.lingering' });
const input = (seed: number) => ({ definition, arm: definition.arms[0], params: { l2: 1e-3 }, seed, trialId: `t${seed}`, configId: 'c', index: 0, attempt: 1 });

describe('stopping the in-process executor waits for the objective to end', () => {
  beforeEach(() => resetLingeringProbe());

  test("the caller's signal (a worker stopping, a lost lease): cancelled once the objective has ended, its late epoch handed over before that", async () => {
    const executor = new InProcessExecutor();
    const stop = new AbortController();
    const epochs: number[] = [];
    const execution = executor.execute(
      { objective: 'test.lingering', input: input(1) },
      {
        signal: stop.signal,
        onEpoch: async (epoch: EpochRecord) => {
          epochs.push(epoch.epoch);
          return stop.signal.aborted;
        },
      },
    );
    await lingeringProbe.started;
    stop.abort();
    const result = await execution;
    lingeringProbe.events.push('execute resolved');
    expect(result.kind).toBe('cancelled');
    expect(lingeringProbe.events).toEqual(['started', 'aborted', 'ended', 'execute resolved']);
    expect(epochs).toEqual([1, 2]);
  });

  test('cancelAll (a sweep interrupted): the same for a single trial and for a population job', async () => {
    const executor = new InProcessExecutor({ concurrency: 2 });
    const single = executor.execute({ objective: 'test.lingering', input: input(1) }, { onEpoch: async () => false });
    await lingeringProbe.started;
    executor.cancelAll();
    expect((await single).kind).toBe('cancelled');
    lingeringProbe.events.push('execute resolved');
    expect(lingeringProbe.events).toEqual(['started', 'aborted', 'ended', 'execute resolved']);

    resetLingeringProbe();
    const finished: number[] = [];
    const population = executor.executePopulation(
      { objective: 'test.lingering', inputs: [input(1), input(2)] },
      { onEpoch: async () => false, onMemberFinished: async (member) => void finished.push(member) },
    );
    await lingeringProbe.started;
    executor.cancelAll();
    expect((await population).kind).toBe('cancelled');
    lingeringProbe.events.push('executePopulation resolved');
    expect(lingeringProbe.events).toEqual(['started', 'aborted', 'ended', 'executePopulation resolved']);
    // The members the objective reported while it was being stopped reached the hooks before the job ended (the loop then requeues or drops them).
    expect(finished).toEqual([0, 1]);
  });
});
