/**
 * The `train` objective: bad definitions fail before any trial with the field named, and a trial
 * trains the arm's policy reproducibly from its seed.
 */
import * as tf from '@tensorflow/tfjs';
import { fromConfig } from '../../../lib/sweep/definition-config';
import { policyForCoefficients, trainModelObjective } from '../../../lib/sweep/objectives/train-model';
import type { SweepDefinition } from '../../../lib/sweep/definition';

function definition(overrides: Record<string, unknown> = {}): SweepDefinition {
  return fromConfig({
    name: 'objective-test',
    objective: 'train',
    model: { type: 'mlp', inputSize: 2, hidden: [4], outputSize: 1, task: 'binary' },
    data: { dataset: 'moons', split: { validation: 0.2, test: 0.2, seed: 0 } },
    training: { epochs: 2, batchSize: 16, optimizer: { name: 'adam', learningRate: 0.01 } },
    arms: [
      { name: 'uniform', kind: 'uniform', penalties: { l2: { type: 'logUniform', low: 1e-5, high: 1e-1 } } },
      { name: 'per-layer', kind: 'per-layer', layers: ['dense_1', 'output'], penalties: { l2: { type: 'logUniform', low: 1e-5, high: 1e-1 } } },
    ],
    budget: 1,
    seeds: [1],
    ...overrides,
  });
}

describe('train objective validation', () => {
  it.each([
    [{ training: { optimizer: { name: 'adamx' } } }, /training\.optimizer/],
    [{ training: { batchSize: 'big' } }, /training\.batchSize = "big": expected an integer >= 1/],
    [{ training: { epochs: 2, shuffle: true } }, /training\.shuffle: unknown field; allowed: epochs, batchSize/],
    [{ data: { dataset: 'moonz' } }, /data\.dataset: loadDataset: unknown dataset "moonz"; known datasets are .*moons/],
    [{ data: { dataset: 'moons', split: { validation: 0.7, test: 0.7 } } }, /data\.split: /],
    [{ arms: [{ name: 'per-layer', kind: 'per-layer', layers: ['dense_9'], penalties: { l2: { type: 'choice', values: [0.1] } } }] }, /arms\[0\]\.layers\[0\] = "dense_9": matches no layer of the model .*; layers are dense_1 \(Dense\), output \(Dense\)/],
  ])('rejects %j', (overrides, message) => {
    expect(() => trainModelObjective.validate!(definition(overrides as Record<string, unknown>))).toThrow(message);
  });

  it('accepts the example definition', () => {
    expect(() => trainModelObjective.validate!(definition())).not.toThrow();
  });
});

describe('policyForCoefficients', () => {
  it('a uniform coefficient over every layer is a uniform policy; per-layer values are per-layer entries', () => {
    expect(policyForCoefficients({ l2: { kind: 'uniform', value: 0.01 } })).toMatchObject({ kind: 'uniform', regularizer: { kind: 'l2', l2: 0.01 } });
    const perLayer = policyForCoefficients({ l2: { kind: 'per-layer', values: { dense_1: 0.1, output: 0.2 } }, weightDecay: { kind: 'per-layer', values: { dense_1: 0.3 } } });
    expect(JSON.stringify(perLayer)).toContain('"dense_1"');
    expect(JSON.stringify(perLayer)).toContain('0.3');
  });
});

describe('a train trial', () => {
  it('trains the per-layer arm, reports every epoch and repeats bit for bit with the same seed', async () => {
    const sweep = definition();
    const arm = sweep.arms[1];
    const run = async () => {
      const reported: number[] = [];
      const outcome = await trainModelObjective.run(
        { definition: sweep, arm, params: { 'l2.dense_1': 0.01, 'l2.output': 0.001 }, seed: 5, trialId: 't', configId: 'c', index: 0, attempt: 1 },
        { signal: new AbortController().signal, onEpoch: async (epoch) => (reported.push(epoch.epoch), false) },
      );
      return { outcome, reported };
    };
    const before = tf.memory().numTensors;
    const first = await run();
    const second = await run();
    expect(tf.memory().numTensors).toBe(before);
    expect(first.reported).toEqual([1, 2]);
    expect(first.outcome.status).toBe('complete');
    expect(Object.keys(first.outcome.final!.penaltyPerLayer).sort()).toEqual(['dense_1.kernel', 'output.kernel']);
    expect(first.outcome.final!.validation!.loss).toBe(second.outcome.final!.validation!.loss);
    expect(first.outcome.final!.test!.accuracy).toBe(second.outcome.final!.test!.accuracy);
  });
});

describe('timeSteps', () => {
  // A single trial's model (population 1), so the limit applies to `train`'s batches.
  const single = () => definition({ execution: { population: 1 } });

  test('without a limit: the whole measurement, never cut short', async () => {
    const timed = await trainModelObjective.timeSteps!(single());
    expect(timed.cutShort).toBeUndefined();
    expect(timed.steps).toBeGreaterThanOrEqual(8);
    expect(timed.secondsPerStep).toBeGreaterThan(0);
  });

  test('a spent limit stops it after the first batch, reports the steps done and says it was cut short; nothing leaks', async () => {
    const before = tf.memory().numTensors;
    const timed = await trainModelObjective.timeSteps!(single(), { maxSeconds: 1e-9 });
    expect(timed).toMatchObject({ cutShort: true, steps: 1 });
    expect(timed.secondsPerStep).toBeGreaterThan(0);
    expect(tf.memory().numTensors).toBe(before);
  });
});
