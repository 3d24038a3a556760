/**
 * The `train` objective's population side (populationKey, runPopulation): trials of both arms of a
 * uniform-vs-per-layer sweep share one key and train as one population; each member's outcome
 * matches `run` of the same trial within 1e-4 relative (+1e-6) per recorded number (see
 * test/train/population/train-population.test.ts for why that tolerance); a member pruned through the
 * context leaves without stopping the others; what the population path does not cover has no key
 * and says why.
 */
import * as tf from '@tensorflow/tfjs';
import { fromConfig } from '../../../lib/sweep/definition-config';
import { populationTimingSize, trainModelObjective } from '../../../lib/sweep/objectives/train-model';
import { maxPopulationMembers, populationSupport } from '../../../lib/sweep/objectives/population-key';
import type { SweepDefinition } from '../../../lib/sweep/definition';
import type { TrialInput, TrialOutcome } from '../../../lib/sweep/objective';
import type { EpochRecord } from '../../../lib/train';

function definition(overrides: Record<string, unknown> = {}): SweepDefinition {
  return fromConfig({
    name: 'population-test',
    objective: 'train',
    model: { type: 'mlp', inputSize: 2, hidden: [8, 8], outputSize: 1, task: 'binary' },
    data: { dataset: 'moons:samples=120,noise=0.3,seed=7', split: { validation: 0.3, test: 0.3, seed: 0 } },
    training: { epochs: 4, batchSize: 16, optimizer: { name: 'adam', learningRate: 0.01 } },
    arms: [
      { name: 'uniform', kind: 'uniform', penalties: { l2: { type: 'logUniform', low: 1e-5, high: 1e-1 } } },
      { name: 'per-layer', kind: 'per-layer', layers: ['dense_1', 'dense_2', 'output'], penalties: { l2: { type: 'logUniform', low: 1e-5, high: 1e-1 } } },
    ],
    budget: 1,
    seeds: [1],
    ...overrides,
  });
}

function close(actual: number | undefined, expected: number | undefined, where: string): void {
  if (expected === undefined) {
    expect(actual).toBeUndefined();
    return;
  }
  const tolerance = 1e-4 * Math.abs(expected) + 1e-6;
  if (!(Math.abs((actual as number) - expected) <= tolerance)) throw new Error(`${where}: population ${actual} vs run ${expected}`);
}

function inputsOf(sweep: SweepDefinition): TrialInput[] {
  const base = { definition: sweep, configId: 'c', index: 0, attempt: 1 };
  return [
    { ...base, arm: sweep.arms[0], params: { l2: 1e-3 }, seed: 1, trialId: 'a' },
    { ...base, arm: sweep.arms[1], params: { 'l2.dense_1': 1e-2, 'l2.dense_2': 1e-4, 'l2.output': 3e-3 }, seed: 2, trialId: 'b' },
    { ...base, arm: sweep.arms[0], params: { l2: 5e-2 }, seed: 3, trialId: 'c' },
    { ...base, arm: sweep.arms[1], params: { 'l2.dense_1': 1e-5, 'l2.dense_2': 2e-2, 'l2.output': 1e-3 }, seed: 4, trialId: 'd' },
  ];
}

async function runPopulation(inputs: TrialInput[], prune?: (member: number, epoch: EpochRecord) => boolean) {
  const reported: Array<[number, number]> = [];
  const finished = new Map<number, TrialOutcome | Error>();
  await trainModelObjective.runPopulation!(inputs, {
    signal: new AbortController().signal,
    onEpoch: async (member, epoch) => {
      reported.push([member, epoch.epoch]);
      return prune?.(member, epoch) ?? false;
    },
    onMemberFinished: async (member, outcome) => {
      expect(finished.has(member)).toBe(false);
      finished.set(member, outcome);
    },
  });
  return { reported, finished };
}

describe('train objective: populations', () => {
  it('both arms share one population key; a different batch size or model does not', () => {
    const sweep = definition();
    const keys = inputsOf(sweep).map((input) => trainModelObjective.populationKey!(input));
    expect(keys[0]).toBeDefined();
    expect(new Set(keys).size).toBe(1);
    const other = definition({ training: { epochs: 4, batchSize: 32, optimizer: { name: 'adam', learningRate: 0.01 } } });
    expect(trainModelObjective.populationKey!(inputsOf(other)[0])).not.toBe(keys[0]);
    // Every optimizer train runs has a population path (AMSGrad, AdamW, RMSprop, Adagrad too); another optimizer is another key.
    for (const optimizer of ['rmsprop', 'adagrad', 'adamw', { name: 'adam', amsgrad: true }]) {
      const sweep = definition({ training: { epochs: 4, batchSize: 16, optimizer } });
      const key = trainModelObjective.populationKey!(inputsOf(sweep)[0]);
      expect(key).toBeDefined();
      expect(key).not.toBe(keys[0]);
    }
  });

  it.each([
    [{ model: { type: 'mlp', inputSize: 2, hidden: [8], outputSize: 1, task: 'binary', activationLayers: true } }, /separate activation layers/],
    [{ arms: [{ name: 'orthogonal', kind: 'uniform', penalties: { orthogonal: 1e-3 } }] }, /orthogonal/],
    [{ model: { type: 'mlp', inputSize: 2, hidden: [8], outputSize: 1, task: 'binary', dropout: 0.2 }, arms: [{ name: 'activity', kind: 'per-layer', layers: ['dropout_1', 'output'], penalties: { activityL2: 1e-3 } }] }, /activity penalties on layers "dropout_1"/],
    // A uniform activity arm reaches every layer, the BatchNormalization layers' outputs too.
    [{ model: { type: 'mlp', inputSize: 2, hidden: [8], outputSize: 1, task: 'binary', batchNormalization: true }, arms: [{ name: 'activity', kind: 'uniform', penalties: { activityL1: 1e-3 } }] }, /activity penalties on layers "\*"/],
    [{ model: { keras: 'model.keras' } }, /not a builder MLP/],
  ])('no key for %j, with the reason', (overrides, reason) => {
    const sweep = definition(overrides as Record<string, unknown>);
    const arm = sweep.arms[0];
    const params: Record<string, number> = arm.penalties?.orthogonal !== undefined || arm.penalties?.activityL1 !== undefined ? {} : { l2: 1e-3 };
    const support = populationSupport(sweep, arm, params);
    expect(support.key).toBeUndefined();
    expect(support.reason).toMatch(reason);
    expect(trainModelObjective.populationKey!({ definition: sweep, arm, params, seed: 1, trialId: 't', configId: 'c', index: 0, attempt: 1 })).toBeUndefined();
  });

  it('runPopulation: every member reports each epoch, finishes once, records trainingPath "population", and matches run', async () => {
    const sweep = definition();
    const inputs = inputsOf(sweep);
    const before = tf.memory().numTensors;
    const { reported, finished } = await runPopulation(inputs);
    expect(tf.memory().numTensors).toBe(before);
    expect(reported.filter(([member]) => member === 2).map(([, epoch]) => epoch)).toEqual([1, 2, 3, 4]);
    for (const [member, input] of inputs.entries()) {
      const outcome = finished.get(member) as TrialOutcome;
      expect(outcome).not.toBeInstanceOf(Error);
      expect(outcome.trainingPath).toBe('population');
      expect(outcome.backend).toBe(tf.getBackend());
      const alone = await trainModelObjective.run(input, { signal: new AbortController().signal, onEpoch: async () => false });
      expect(outcome.status).toBe(alone.status);
      expect(outcome.epochs.map((epoch) => epoch.epoch)).toEqual(alone.epochs.map((epoch) => epoch.epoch));
      outcome.epochs.forEach((epoch, index) => {
        const expected = alone.epochs[index];
        for (const split of ['train', 'validation', 'test'] as const) {
          close(epoch[split]?.loss, expected[split]?.loss, `member ${member} epoch ${epoch.epoch} ${split}.loss`);
          close(epoch[split]?.accuracy, expected[split]?.accuracy, `member ${member} epoch ${epoch.epoch} ${split}.accuracy`);
        }
        close(epoch.penalty, expected.penalty, `member ${member} penalty`);
        expect(Object.keys(epoch.penaltyPerLayer).sort()).toEqual(Object.keys(expected.penaltyPerLayer).sort());
      });
    }
  });

  it('members with their own searched dropout rates share a key and match run', async () => {
    const sweep = definition({
      arms: [
        { name: 'uniform', kind: 'uniform', dropout: { type: 'uniform', low: 0.1, high: 0.5 }, penalties: { l2: { type: 'logUniform', low: 1e-5, high: 1e-1 } } },
        { name: 'plain', kind: 'uniform', penalties: { l2: { type: 'logUniform', low: 1e-5, high: 1e-1 } } },
      ],
    });
    const base = { definition: sweep, configId: 'c', index: 0, attempt: 1 };
    const inputs: TrialInput[] = [
      { ...base, arm: sweep.arms[0], params: { l2: 1e-3, dropout: 0.2 }, seed: 1, trialId: 'a' },
      { ...base, arm: sweep.arms[0], params: { l2: 1e-2, dropout: 0.45 }, seed: 2, trialId: 'b' },
      { ...base, arm: sweep.arms[1], params: { l2: 1e-4 }, seed: 3, trialId: 'c' },
    ];
    expect(new Set(inputs.map((input) => trainModelObjective.populationKey!(input))).size).toBe(1);
    const { finished } = await runPopulation(inputs);
    for (const [member, input] of inputs.entries()) {
      const outcome = finished.get(member) as TrialOutcome;
      expect(outcome.trainingPath).toBe('population');
      const alone = await trainModelObjective.run(input, { signal: new AbortController().signal, onEpoch: async () => false });
      outcome.epochs.forEach((epoch, index) => close(epoch.train.loss, alone.epochs[index].train.loss, `member ${member} epoch ${epoch.epoch} train.loss`));
      close(outcome.final!.validation!.loss, alone.final!.validation!.loss, `member ${member} final validation.loss`);
    }
  });

  it('batch normalization with uniform and per-layer activity penalties: one key, one population, each member matching run', async () => {
    const sweep = definition({
      model: { type: 'mlp', inputSize: 2, hidden: [8, 6], outputSize: 1, task: 'binary', batchNormalization: true, dropout: 0.2 },
      arms: [
        { name: 'uniform', kind: 'uniform', layers: ['Dense'], penalties: { l2: { type: 'logUniform', low: 1e-5, high: 1e-1 }, activityL1: { type: 'logUniform', low: 1e-5, high: 1e-1 } } },
        { name: 'per-layer', kind: 'per-layer', layers: ['dense_1', 'dense_2', 'output'], penalties: { activityL2: { type: 'logUniform', low: 1e-5, high: 1e-1 } } },
      ],
    });
    const base = { definition: sweep, configId: 'c', index: 0, attempt: 1 };
    const inputs: TrialInput[] = [
      { ...base, arm: sweep.arms[0], params: { l2: 1e-3, activityL1: 1e-2 }, seed: 1, trialId: 'a' },
      { ...base, arm: sweep.arms[1], params: { 'activityL2.dense_1': 1e-2, 'activityL2.dense_2': 1e-4, 'activityL2.output': 3e-2 }, seed: 2, trialId: 'b' },
      { ...base, arm: sweep.arms[0], params: { l2: 1e-4, activityL1: 1e-3 }, seed: 3, trialId: 'c' },
    ];
    expect(new Set(inputs.map((input) => trainModelObjective.populationKey!(input))).size).toBe(1);
    expect(trainModelObjective.populationKey!(inputs[0])).toBeDefined();
    // Without BatchNormalization or Dropout layers a uniform activity arm (every layer) reaches Dense layers only: it has a key.
    expect(populationSupport(definition(), { name: 'activity', kind: 'uniform', penalties: { activityL2: 1e-3 } }, {}).key).toBeDefined();
    const { finished } = await runPopulation(inputs);
    for (const [member, input] of inputs.entries()) {
      const outcome = finished.get(member) as TrialOutcome;
      expect(outcome).not.toBeInstanceOf(Error);
      expect(outcome.trainingPath).toBe('population');
      const alone = await trainModelObjective.run(input, { signal: new AbortController().signal, onEpoch: async () => false });
      outcome.epochs.forEach((epoch, index) => {
        const expected = alone.epochs[index];
        for (const split of ['train', 'validation', 'test'] as const) close(epoch[split]?.loss, expected[split]?.loss, `member ${member} epoch ${epoch.epoch} ${split}.loss`);
        close(epoch.penalty, expected.penalty, `member ${member} epoch ${epoch.epoch} penalty`);
        expect(Object.keys(epoch.penaltyPerLayer).sort()).toEqual(Object.keys(expected.penaltyPerLayer).sort());
      });
      expect(Object.keys(outcome.final!.penaltyPerLayer).some((key) => key.endsWith('.activity'))).toBe(true);
    }
  });

  it('a population of one is the trial alone: the same records as run, bit for bit', async () => {
    const sweep = definition();
    const [input] = inputsOf(sweep);
    const { reported, finished } = await runPopulation([input]);
    const outcome = finished.get(0) as TrialOutcome;
    const alone = await trainModelObjective.run(input, { signal: new AbortController().signal, onEpoch: async () => false });
    expect(reported.map(([member, epoch]) => `${member}:${epoch}`)).toEqual(['0:1', '0:2', '0:3', '0:4']);
    expect(outcome.trainingPath).toBe(alone.trainingPath);
    expect(outcome.epochs.map((epoch) => epoch.validation!.loss)).toEqual(alone.epochs.map((epoch) => epoch.validation!.loss));
  });

  it('a member pruned through the context leaves; the others train to the end', async () => {
    const sweep = definition();
    const { finished } = await runPopulation(inputsOf(sweep), (member, epoch) => member === 1 && epoch.epoch === 2);
    expect((finished.get(1) as TrialOutcome).status).toBe('pruned');
    expect((finished.get(1) as TrialOutcome).epochs).toHaveLength(2);
    for (const member of [0, 2, 3]) {
      expect((finished.get(member) as TrialOutcome).status).toBe('complete');
      expect((finished.get(member) as TrialOutcome).epochs).toHaveLength(4);
    }
  });
});

describe('train objective: backend timing of populations', () => {
  it('times the trials as a population of up to 16 where they have a key, alone where they have none', () => {
    const sweep = definition({ budget: 6, seeds: [1, 2, 3] });
    expect(populationTimingSize(sweep, sweep.arms[0], { l2: 1e-3 })).toBe(16);
    const small = definition({ budget: 1, seeds: [1] });
    expect(populationTimingSize(small, small.arms[0], { l2: 1e-3 })).toBe(2);
    const separate = definition({ model: { type: 'mlp', inputSize: 2, hidden: [8], outputSize: 1, task: 'binary', activationLayers: true } });
    expect(populationTimingSize(separate, separate.arms[0], { l2: 1e-3 })).toBe(1);
  });

  it('maxPopulationMembers bounds a population by memory', () => {
    const sweep = definition();
    expect(maxPopulationMembers(sweep, 120)).toBeGreaterThan(1000);
    const wide = definition({ model: { type: 'mlp', inputSize: 784, hidden: [512, 512], outputSize: 10, task: 'multiclass' } });
    // 60,000 rows of 784 features: ~190 MB of batches per member, so one member per population.
    expect(maxPopulationMembers(wide, 60000)).toBe(1);
    expect(maxPopulationMembers(wide, 1000)).toBeGreaterThan(1);
  });
});
