/**
 * `execution.trialTimeoutSeconds` counts a trial's own running time: the time it waits for the
 * loop's answer to an epoch (the epoch recorded, then the pruning gate, which may wait for earlier
 * trials of the plan) is not counted. A population job keeps its limit on the whole job.
 *
 * In-process executor under jest's fake clock (timers, Date and performance.now advance together
 * and only when the test says), so the figures below are exact: `test.run-wait-run` runs
 * `params.before` ms, reports an epoch whose answer takes 5000 ms, then runs `params.after` ms.
 */
import { InProcessExecutor } from '../../lib/sweep/executors/in-process';
import { registerObjective } from '../../lib/sweep/objective';
import type { TrialContext, TrialInput, TrialOutcome } from '../../lib/sweep/objective';
import type { EpochRecord } from '../../lib/train/record';
import { sweepDefinition } from './fixtures/definitions';

const ANSWER_MILLISECONDS = 5000;
const sleep = (milliseconds: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, milliseconds));
const epochRecord: EpochRecord = { epoch: 1, train: { loss: 1 }, validation: { loss: 1 }, penalty: 0, penaltyPerLayer: {}, weightNorms: {}, seconds: 0 };

registerObjective('test.run-wait-run', {
  async run(input: TrialInput, context: TrialContext): Promise<TrialOutcome> {
    await sleep(Number(input.params.before));
    await context.onEpoch(epochRecord);
    await sleep(Number(input.params.after));
    return { status: 'complete', epochs: [epochRecord], final: epochRecord };
  },
  async runPopulation(inputs, context) {
    await sleep(Number(inputs[0].params.before));
    await context.onEpoch(0, epochRecord);
    await sleep(Number(inputs[0].params.after));
    await context.onMemberFinished(0, { status: 'complete', epochs: [epochRecord], final: epochRecord });
  },
});

const definition = sweepDefinition({ objective: 'test.run-wait-run' });
const input = (before: number, after: number) => ({ definition, arm: definition.arms[0], params: { before, after }, seed: 1, trialId: 't', configId: 'c', index: 0, attempt: 1 });
const slowAnswer = (): Promise<boolean> => sleep(ANSWER_MILLISECONDS).then(() => false);

describe('a trial time limit counts running time, not waits for epochs’ answers', () => {
  beforeEach(() => jest.useFakeTimers({ doNotFake: ['nextTick', 'queueMicrotask'] }));
  afterEach(() => jest.useRealTimers());

  test('a trial that runs 0.3 s, waits 5 s for its epoch’s answer, then runs 0.3 s completes under a 1 s limit', async () => {
    const execution = new InProcessExecutor().execute({ objective: 'test.run-wait-run', timeoutSeconds: 1, input: input(300, 300) }, { onEpoch: slowAnswer });
    await jest.advanceTimersByTimeAsync(10000);
    const result = await execution;
    expect(result).toMatchObject({ kind: 'outcome', outcome: { status: 'complete' } });
    // Wall time, answer included: 0.3 + 5 + 0.3 s (fake clock: exact but for float rounding, 1e-9).
    expect(result.seconds).toBeCloseTo(5.6, 9);
  });

  test('running time before and after the wait adds up: 0.6 s, then the limit ends the trial 0.4 s into its second stretch', async () => {
    const execution = new InProcessExecutor().execute({ objective: 'test.run-wait-run', timeoutSeconds: 1, input: input(600, 600) }, { onEpoch: slowAnswer });
    await jest.advanceTimersByTimeAsync(10000);
    const result = await execution;
    expect(result.kind === 'error' && result.message).toMatch(/^timed out after 1 s of running \(waits for epochs' answers not counted\)$/);
    // Timed out at 0.6 + 5 + 0.4 = 6 s of wall time (exact on the fake clock but for float rounding, 1e-9).
    expect(result.seconds).toBeCloseTo(6, 9);
  });

  test('a population job keeps its limit on the whole job: its members’ waits count', async () => {
    const execution = new InProcessExecutor().executePopulation(
      { objective: 'test.run-wait-run', timeoutSeconds: 1, inputs: [input(300, 300)] },
      { onEpoch: slowAnswer, onMemberFinished: async () => undefined },
    );
    await jest.advanceTimersByTimeAsync(10000);
    const result = await execution;
    expect(result.kind === 'error' && result.message).toBe('timed out after 1 s');
    // 1 s into the job, during the member's wait (fake clock, 1e-9).
    expect(result.seconds).toBeCloseTo(1, 9);
  });
});
