/** measureBackends with a stand-in step timer: the pick, the rounds, unavailable backends and errors. */
import * as tf from '@tensorflow/tfjs';
import { activeBackend, initBackend, measureBackends, describeBackendChoice } from '../../lib/backend';

const original = activeBackend()?.name;
afterAll(async () => {
  if (original !== undefined) await initBackend({ backend: original, log: false, reselect: true });
});

test('keeps each backend\'s fastest round, picks the fastest backend, and stops once a clear loser after the first round leaves one backend', async () => {
  // Per-backend sequences of seconds per step, one per call; cpu's second round is a load burst.
  const sequences: Record<string, number[]> = { tensorflow: [0.004, 0.003, 0.005], cpu: [0.002, 0.009, 0.0025] };
  const calls: string[] = [];
  const result = await measureBackends({
    candidates: ['tensorflow', 'cpu'],
    timeSteps: async () => {
      const backend = tf.getBackend();
      calls.push(backend);
      return { secondsPerStep: sequences[backend].shift()!, steps: 24 };
    },
  });
  expect(calls).toEqual(['tensorflow', 'cpu', 'tensorflow', 'cpu', 'tensorflow', 'cpu']);
  expect(result).toEqual({ chosen: 'cpu', selection: 'measured', steps: 24, timings: [{ backend: 'tensorflow', secondsPerStep: 0.003 }, { backend: 'cpu', secondsPerStep: 0.002 }] });
  const slow: string[] = [];
  await measureBackends({
    candidates: ['tensorflow', 'cpu'],
    timeSteps: async () => {
      slow.push(tf.getBackend());
      return { secondsPerStep: tf.getBackend() === 'cpu' ? 0.05 : 0.01, steps: 8 };
    },
  });
  // cpu is over 3x slower after the first round: tensorflow is the only one left, so it is the pick without more rounds.
  expect(slow).toEqual(['tensorflow', 'cpu']);
});

test('after two rounds a backend over 1.5x faster than every other is the pick; a closer race runs the third round', async () => {
  const run = async (sequences: Record<string, number[]>): Promise<{ calls: string[]; chosen: string }> => {
    const calls: string[] = [];
    const result = await measureBackends({
      candidates: ['tensorflow', 'cpu'],
      timeSteps: async () => {
        const backend = tf.getBackend();
        calls.push(backend);
        return { secondsPerStep: sequences[backend].shift()!, steps: 24 };
      },
    });
    return { calls, chosen: result.chosen };
  };
  // Round 1: tensorflow's one-time costs make it look slower; round 2 shows it 2x faster (best 0.001 vs 0.002): decided.
  expect(await run({ tensorflow: [0.0025, 0.001, 0.001], cpu: [0.002, 0.0021, 0.002] })).toEqual({ calls: ['tensorflow', 'cpu', 'tensorflow', 'cpu'], chosen: 'tensorflow' });
  // 1.25x apart after two rounds: the third round runs, and it changes the pick.
  expect(await run({ tensorflow: [0.0025, 0.0015, 0.0015], cpu: [0.002, 0.0019, 0.0012] })).toEqual({ calls: ['tensorflow', 'cpu', 'tensorflow', 'cpu', 'tensorflow', 'cpu'], chosen: 'cpu' });
});

test('a backend that fails is recorded with its error and not chosen; none usable is an error naming each', async () => {
  const result = await measureBackends({
    candidates: ['tensorflow', 'cpu'],
    timeSteps: async () => {
      if (tf.getBackend() === 'tensorflow') throw new Error('kernel Foo not registered\nmore lines');
      return { secondsPerStep: 0.01, steps: 8 };
    },
  });
  expect(result.chosen).toBe('cpu');
  expect(result.selection).toBe('only-available');
  expect(result.timings[0]).toEqual({ backend: 'tensorflow', error: 'kernel Foo not registered' });
  const line = describeBackendChoice({ backend: 'cpu', selection: 'only-available', timings: result.timings, steps: 8, at: '' });
  expect(line).toBe('backend cpu: the only backend that could train this sweep\'s model (tensorflow unavailable (kernel Foo not registered), cpu 10.00 ms/step)');
  await expect(measureBackends({ candidates: ['cpu'], timeSteps: async () => Promise.reject(new Error('no')) })).rejects.toThrow(/no backend could train the model \(cpu: no\)/);
});

test('a backend measured after another stops once it has spent 3x that backend\'s whole measurement (x2 for its warm-up), and says so', async () => {
  // tensorflow: 24 steps of 0.1 s = 2.4 s measured; cpu may spend at most 3 · 2.4 · 2 = 14.4 s before it is cut.
  const limits: Array<{ backend: string; maxSeconds?: number }> = [];
  const result = await measureBackends({
    candidates: ['tensorflow', 'cpu'],
    timeSteps: async (limit) => {
      const backend = tf.getBackend();
      limits.push({ backend, maxSeconds: limit.maxSeconds });
      return backend === 'cpu' ? { secondsPerStep: 9, steps: 2, cutShort: true } : { secondsPerStep: 0.1, steps: 24 };
    },
  });
  expect(limits[0]).toEqual({ backend: 'tensorflow', maxSeconds: undefined });
  expect(limits[1].backend).toBe('cpu');
  expect(limits[1].maxSeconds).toBeCloseTo(14.4, 9);
  expect(result.chosen).toBe('tensorflow');
  expect(result.timings.find((timing) => timing.backend === 'cpu')).toEqual({ backend: 'cpu', secondsPerStep: 9, cutShort: true });
  expect(describeBackendChoice({ backend: 'tensorflow', selection: 'measured', timings: result.timings, steps: result.steps, at: '' } as never)).toContain('cpu 9000.00 ms/step (stopped early: a clear loser)');
});
