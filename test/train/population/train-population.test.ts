/**
 * Population training (lib/train/population) against `train` of each member alone: K = 4 members
 * with different seeds (initial weights, shuffle orders), penalty coefficients, decay rates,
 * learning rates and early stopping must give the same per-epoch records and final weights.
 *
 * Tolerance: 1e-4 relative (+1e-6 absolute) on every recorded number and weight after 8-12 epochs.
 * Per member the population runs the same float32 formulas in the same order as the single-model
 * lean pass; what differs is rounding only: batched vs 2-D matmul kernels (identical on the pure-JS
 * backend, where 2-D matMul is the batched kernel with batch 1; oneDNN may block a batched product
 * differently), Σw²·l2 vs the native L2Loss·2l2, the fused ResourceApplyAdam vs the eager Adam
 * formula on the native backend (a few float32 ulps per step, lib/optimizers/native-adam.ts). Such
 * differences start at ~1e-7 relative and grow through training; 1e-4 leaves room for that growth
 * while a wrong formula (a missing penalty, another shuffle, another learning rate, a member's
 * weights mixed with another's) moves the numbers by 1e-2 or more within an epoch.
 */
import * as tf from '@tensorflow/tfjs';
import { buildModel } from '../../../lib/builders/build';
import { applyPolicy, perLayer, uniform } from '../../../lib/policy';
import { train, trainPopulation, planPopulation } from '../../../lib/train';
import type { EpochRecord, TrainOptions, TrainResult } from '../../../lib/train';
import { l1, l1l2, l2 } from '../../../lib/regularizers';
import type { ModelSpec } from '../../../lib/builders/spec';

const RELATIVE = 1e-4;
const ABSOLUTE = 1e-6;

function close(actual: number, expected: number, where: string): void {
  if (Number.isNaN(expected)) {
    expect(Number.isNaN(actual)).toBe(true);
    return;
  }
  const tolerance = RELATIVE * Math.abs(expected) + ABSOLUTE;
  if (!(Math.abs(actual - expected) <= tolerance)) throw new Error(`${where}: population ${actual} vs alone ${expected} (tolerance ${tolerance})`);
}

function compareRecords(population: EpochRecord[], alone: EpochRecord[], member: number): void {
  expect(population.map((record) => record.epoch)).toEqual(alone.map((record) => record.epoch));
  alone.forEach((expected, index) => {
    const actual = population[index];
    const where = `member ${member} epoch ${expected.epoch}`;
    for (const split of ['train', 'validation', 'test'] as const) {
      expect(actual[split] === undefined).toBe(expected[split] === undefined);
      if (expected[split] === undefined) continue;
      close(actual[split]!.loss, expected[split]!.loss, `${where} ${split}.loss`);
      if (expected[split]!.accuracy !== undefined) close(actual[split]!.accuracy!, expected[split]!.accuracy!, `${where} ${split}.accuracy`);
    }
    close(actual.trainObjective!, expected.trainObjective!, `${where} trainObjective`);
    close(actual.penalty, expected.penalty, `${where} penalty`);
    expect(Object.keys(actual.penaltyPerLayer).sort()).toEqual(Object.keys(expected.penaltyPerLayer).sort());
    for (const key of Object.keys(expected.penaltyPerLayer)) close(actual.penaltyPerLayer[key], expected.penaltyPerLayer[key], `${where} penalty ${key}`);
    expect(Object.keys(actual.weightNorms).sort()).toEqual(Object.keys(expected.weightNorms).sort());
    for (const key of Object.keys(expected.weightNorms)) close(actual.weightNorms[key], expected.weightNorms[key], `${where} norm ${key}`);
  });
}

/** Weights: each element within RELATIVE of the largest magnitude of its tensor (+ ABSOLUTE): rounding differences are relative to the scale of the sums that formed them, not to an element that happens to be near 0. */
function compareWeights(population: tf.LayersModel, alone: tf.LayersModel, member: number): void {
  const expected = alone.getWeights();
  const actual = population.getWeights();
  expect(actual.length).toBe(expected.length);
  expected.forEach((tensor, index) => {
    const a = actual[index].dataSync();
    const e = tensor.dataSync();
    const scale = Array.from(e as Float32Array).reduce((largest, value) => Math.max(largest, Math.abs(value)), 0);
    for (let element = 0; element < e.length; element++) {
      const tolerance = RELATIVE * scale + ABSOLUTE;
      if (!(Math.abs(a[element] - e[element]) <= tolerance)) throw new Error(`member ${member} weight ${index}[${element}]: population ${a[element]} vs alone ${e[element]} (tolerance ${tolerance})`);
    }
  });
}

/** Two-class data with a nonlinear boundary: rows of `features`, labels by a fixed rule (deterministic). */
function dataset(rows: number, features: number, classes: number): { x: tf.Tensor2D; y: tf.Tensor2D } {
  const x: number[][] = [];
  const labels: number[] = [];
  for (let row = 0; row < rows; row++) {
    const values = Array.from({ length: features }, (_, column) => Math.sin(row * 1.7 + column * 2.3) * 1.5);
    x.push(values);
    labels.push(Math.abs(Math.floor((values[0] * values[1] + values[features - 1]) * 2)) % classes);
  }
  const y = classes === 1 ? labels.map((label) => [label % 2]) : labels.map((label) => Array.from({ length: classes }, (_, column) => (column === label ? 1 : 0)));
  return { x: tf.tensor2d(x), y: tf.tensor2d(y) };
}

interface MemberSetup {
  seed: number;
  /** This member's model spec, when it differs from the shared one (another dropout rate). */
  spec?: ModelSpec;
  regularizer?: ReturnType<typeof l2> | ReturnType<typeof l1l2>;
  /** This member's policy, instead of a uniform `regularizer` (activity penalties per layer). */
  policy?: Parameters<typeof applyPolicy>[1];
  options: TrainOptions;
}

async function compare(spec: ModelSpec, loss: string, data: { train: { x: tf.Tensor; y: tf.Tensor }; validation: { x: tf.Tensor; y: tf.Tensor }; test?: { x: tf.Tensor; y: tf.Tensor } }, members: MemberSetup[]): Promise<TrainResult[]> {
  const build = (member: MemberSetup) => applyPolicy(member.spec ?? spec, member.policy ?? uniform({ regularizer: member.regularizer }), { seed: member.seed });
  const aloneResults: TrainResult[] = [];
  const aloneModels: tf.LayersModel[] = [];
  for (const member of members) {
    const model = build(member);
    aloneResults.push(await train(model, data, { ...member.options, loss, seed: member.seed }));
    aloneModels.push(model);
  }
  const populationModels = members.map(build);
  const finishedOrder: number[] = [];
  const before = tf.memory().numTensors;
  const results = await trainPopulation({
    members: members.map((member, index) => ({ model: populationModels[index], options: { ...member.options, loss, seed: member.seed } })),
    data,
    onMemberFinished: (member) => {
      finishedOrder.push(member);
    },
  });
  // Every tensor the population made is disposed (the models' variables were only assigned).
  expect(tf.memory().numTensors).toBe(before);
  expect([...finishedOrder].sort()).toEqual(members.map((_, index) => index));
  results.forEach((result, member) => {
    const alone = aloneResults[member];
    expect(result.trainingPath).toBe('population');
    expect(result.status).toBe(alone.status);
    expect(result.stopReason).toBe(alone.stopReason);
    expect(result.bestEpoch).toBe(alone.bestEpoch);
    expect(result.weightDecay).toEqual(alone.weightDecay);
    compareRecords(result.epochs, alone.epochs, member);
    compareWeights(populationModels[member], aloneModels[member], member);
  });
  [...aloneModels, ...populationModels].forEach((model) => model.dispose());
  return results;
}

describe('trainPopulation matches train of each member alone', () => {
  test('2-16-16-1 sigmoid + binary cross-entropy, Adam, K = 4: seeds, L2 coefficients (one member without), learning rates, early stopping with restored weights', async () => {
    const spec = { type: 'mlp', inputSize: 2, hidden: [16, 16], outputSize: 1, activation: 'relu', task: 'binary' } as unknown as ModelSpec;
    const train = dataset(120, 2, 1);
    const validation = dataset(40, 2, 1);
    const test = dataset(30, 2, 1);
    const data = { train, validation, test };
    const members: MemberSetup[] = [
      { seed: 1, regularizer: l2({ l2: 1e-3 }), options: { epochs: 10, batchSize: 32, optimizer: { name: 'adam', learningRate: 0.01 } } },
      { seed: 2, regularizer: l2({ l2: 3e-2 }), options: { epochs: 10, batchSize: 32, optimizer: { name: 'adam', learningRate: 0.02 } } },
      { seed: 3, options: { epochs: 8, batchSize: 32, optimizer: { name: 'adam', learningRate: 0.01 } } },
      { seed: 4, regularizer: l2({ l2: 1e-4 }), options: { epochs: 12, batchSize: 32, optimizer: { name: 'adam', learningRate: 0.05 }, earlyStopping: { patience: 1, restoreBestWeights: true } } },
    ];
    const results = await compare(spec, 'binaryCrossentropy', data, members);
    // The members stop at their own epochs: 10, 10, 8, and wherever early stopping ended the fourth.
    expect(results.map((result) => result.epochs.length).slice(0, 3)).toEqual([10, 10, 8]);
    expect(results[3].stopReason).toBe('early_stopping');
    expect(results[3].bestEpoch).toBeLessThan(results[3].epochs.length);
    tf.dispose([train.x, train.y, validation.x, validation.y, test.x, test.y]);
  });

  test('6-12-8-3 softmax + categorical cross-entropy with L1L2 penalties and decoupled weight decay, K = 4', async () => {
    const spec = { type: 'mlp', inputSize: 6, hidden: [12, 8], outputSize: 3, activation: 'relu', task: 'multiclass' } as unknown as ModelSpec;
    const train = dataset(90, 6, 3);
    const validation = dataset(30, 6, 3);
    const data = { train, validation };
    const members: MemberSetup[] = [
      { seed: 11, regularizer: l1l2({ l1: 1e-3, l2: 1e-3 }), options: { epochs: 6, batchSize: 16, optimizer: { name: 'adam', learningRate: 0.01 }, weightDecay: 1e-2 } },
      { seed: 12, regularizer: l2({ l2: 1e-2 }), options: { epochs: 6, batchSize: 16, optimizer: { name: 'adam', learningRate: 0.003 } } },
      { seed: 13, regularizer: l1l2({ l1: 1e-2, l2: 0 }), options: { epochs: 6, batchSize: 16, optimizer: { name: 'adam', learningRate: 0.01 }, weightDecay: 5e-2 } },
      { seed: 14, options: { epochs: 6, batchSize: 16, optimizer: { name: 'adam', learningRate: 0.02 } } },
    ];
    await compare(spec, 'categoricalCrossentropy', data, members);
    tf.dispose([train.x, train.y, validation.x, validation.y]);
  });

  test('SGD with Nesterov momentum and mean squared error, measured in inference batches of 7, K = 3', async () => {
    const spec = { type: 'mlp', inputSize: 4, hidden: [8], outputSize: 2, activation: 'relu', task: 'regression' } as unknown as ModelSpec;
    const rows = (count: number, offset: number) => {
      const x = tf.tensor2d(Array.from({ length: count }, (_, row) => Array.from({ length: 4 }, (_, column) => Math.cos((row + offset) * 0.9 + column))));
      const y = tf.tidy(() => tf.concat([tf.sum(x, 1, true), tf.sub(tf.slice(x, [0, 0], [-1, 1]), tf.slice(x, [0, 3], [-1, 1]))], 1)) as tf.Tensor2D;
      return { x, y };
    };
    const train = rows(64, 0);
    const validation = rows(20, 100);
    const members: MemberSetup[] = [1, 2, 3].map((seed) => ({
      seed,
      regularizer: l2({ l2: 1e-3 * seed }),
      // evaluationBatchSize 7: every split is measured in several inference batches (the last partial).
      options: { epochs: 5, batchSize: 16, evaluationBatchSize: 7, optimizer: { name: 'momentum', learningRate: 0.01 * seed, momentum: 0.9, nesterov: true } },
    }));
    await compare(spec, 'meanSquaredError', { train, validation }, members);
    tf.dispose([train.x, train.y, validation.x, validation.y]);
  });
});

describe('trainPopulation: schedules, sparse measurement, own epoch budgets', () => {
  test('a learning-rate schedule, decoupled weight decay on biases too, evaluateEvery 2 and members of 3, 4 and 5 epochs, K = 3', async () => {
    const spec = { type: 'mlp', inputSize: 3, hidden: [6], outputSize: 1, activation: 'relu', task: 'binary' } as unknown as ModelSpec;
    const trainSplit = dataset(48, 3, 1);
    const validation = dataset(16, 3, 1);
    const members: MemberSetup[] = [
      { seed: 21, regularizer: l2({ l2: 1e-3 }), options: { epochs: 3, batchSize: 16, evaluateEvery: 2, optimizer: { name: 'adam', learningRate: { kind: 'exponentialDecay', initialLearningRate: 0.05, decaySteps: 3, decayRate: 0.5 } } } },
      { seed: 22, options: { epochs: 4, batchSize: 16, evaluateEvery: 2, optimizer: { name: 'adam', learningRate: 0.02 }, weightDecay: { 'dense_1/kernel': 0.1, 'dense_1/bias': 0.2 } } },
      { seed: 23, regularizer: l1l2({ l1: 1e-3, l2: 1e-3 }), options: { epochs: 5, batchSize: 16, evaluateEvery: 2, optimizer: { name: 'adam', learningRate: { kind: 'piecewiseConstant', boundaries: [4, 8], values: [0.05, 0.02, 0.01] } } } },
    ];
    const results = await compare(spec, 'binaryCrossentropy', { train: trainSplit, validation }, members);
    // Measured at every 2nd epoch and at each member's last: 3 -> [2, 3], 4 -> [2, 4], 5 -> [2, 4, 5].
    expect(results.map((result) => result.epochs.map((record) => record.epoch))).toEqual([[2, 3], [2, 4], [2, 4, 5]]);
    expect(results[1].weightDecay).toEqual({ 'dense_1/kernel': 0.1, 'dense_1/bias': 0.2 });
    tf.dispose([trainSplit.x, trainSplit.y, validation.x, validation.y]);
  });
});

describe('trainPopulation: one learning rate for all (the fused native Adam kernel)', () => {
  test('members sharing the learning-rate spec, one leaving after 3 epochs (the kernel keeps the others\' moments), K = 3', async () => {
    const spec = { type: 'mlp', inputSize: 3, hidden: [7, 5], outputSize: 1, activation: 'relu', task: 'binary' } as unknown as ModelSpec;
    const trainSplit = dataset(48, 3, 1);
    const validation = dataset(16, 3, 1);
    const members: MemberSetup[] = [5, 3, 5].map((epochs, index) => ({
      seed: 41 + index,
      regularizer: l2({ l2: 10 ** -(index + 2) }),
      options: { epochs, batchSize: 16, optimizer: { name: 'adam', learningRate: 0.02 }, weightDecay: index === 2 ? 0.05 : undefined },
    }));
    const results = await compare(spec, 'binaryCrossentropy', { train: trainSplit, validation }, members);
    expect(results.map((result) => result.epochs.length)).toEqual([5, 3, 5]);
    tf.dispose([trainSplit.x, trainSplit.y, validation.x, validation.y]);
  });
});

describe('trainPopulation: Dropout', () => {
  test('each member draws its own masks from its own seed, as train does; rates differ per member, one member has none, K = 3', async () => {
    const spec = { type: 'mlp', inputSize: 4, hidden: [10, 6], outputSize: 3, activation: 'relu', task: 'multiclass', dropout: 0.3 } as unknown as ModelSpec;
    const trainSplit = dataset(60, 4, 3);
    const validation = dataset(20, 4, 3);
    const members: MemberSetup[] = [
      { seed: 31, regularizer: l2({ l2: 1e-3 }), options: { epochs: 4, batchSize: 16, optimizer: { name: 'adam', learningRate: 0.01 } } },
      { seed: 32, spec: { ...spec, dropout: 0.5 } as unknown as ModelSpec, options: { epochs: 4, batchSize: 16, optimizer: { name: 'adam', learningRate: 0.02 } } },
      { seed: 33, spec: { ...spec, dropout: 0 } as unknown as ModelSpec, regularizer: l2({ l2: 1e-2 }), options: { epochs: 4, batchSize: 16, optimizer: { name: 'adam', learningRate: 0.01 } } },
    ];
    await compare(spec, 'categoricalCrossentropy', { train: trainSplit, validation }, members);
    tf.dispose([trainSplit.x, trainSplit.y, validation.x, validation.y]);
  });
});

describe('trainPopulation: members leave without stopping the others', () => {
  test('a pruned member and a diverged member drop out; the rest still match train alone and nothing leaks', async () => {
    const spec = { type: 'mlp', inputSize: 2, hidden: [8], outputSize: 1, activation: 'relu', task: 'binary' } as unknown as ModelSpec;
    const trainSplit = dataset(64, 2, 1);
    const validation = dataset(20, 2, 1);
    const data = { train: trainSplit, validation };
    const options = (learningRate: number): TrainOptions => ({ epochs: 6, batchSize: 16, optimizer: { name: 'sgd', learningRate }, loss: 'binaryCrossentropy' });
    const seeds = [5, 6, 7];
    const rates = [0.05, 0.1, 0.1];
    // Member 1's L2 step multiplies its kernels by 1 − 0.1·2·1e4 = −1999 per step: they overflow to Infinity within a few epochs.
    const penalties = [1e-3, 1e4, 1e-3];
    const models = seeds.map((seed, index) => applyPolicy(spec, uniform({ regularizer: l2({ l2: penalties[index] }) }), { seed }));
    const reference = applyPolicy(spec, uniform({ regularizer: l2({ l2: 1e-3 }) }), { seed: 7 });
    const alone = await train(reference, data, { ...options(0.1), seed: 7 });
    const before = tf.memory().numTensors;
    const finished: Array<[number, string, number]> = [];
    const results = await trainPopulation({
      members: models.map((model, index) => ({ model, options: { ...options(rates[index]), seed: seeds[index] } })),
      data,
      // Member 0 is pruned after its 2nd epoch.
      onEpochEnd: (member, record) => (member === 0 && record.epoch === 2 ? 'stop' : undefined),
      onMemberFinished: (member, result) => {
        finished.push([member, result.status, result.epochs.length]);
      },
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(results[0].status).toBe('pruned');
    expect(results[0].epochs).toHaveLength(2);
    expect(results[1].status).toBe('diverged');
    expect(results[1].divergenceReason).toMatch(/NaN|Infinity/);
    expect(results[2].status).toBe('complete');
    // Finished in the order they stopped, the survivor last.
    expect(finished[finished.length - 1]).toEqual([2, 'complete', 6]);
    compareRecords(results[2].epochs, alone.epochs, 2);
    compareWeights(models[2], reference, 2);
    [...models, reference].forEach((model) => model.dispose());
    tf.dispose([trainSplit.x, trainSplit.y, validation.x, validation.y]);
  });

  test('an aborted signal stops every member as train stops (status pruned, stop reason aborted), nothing leaks', async () => {
    const spec = { type: 'mlp', inputSize: 2, hidden: [8], outputSize: 1, activation: 'relu', task: 'binary' } as unknown as ModelSpec;
    const trainSplit = dataset(64, 2, 1);
    const models = [1, 2, 3].map((seed) => buildModel(spec, { seed }));
    const controller = new AbortController();
    const before = tf.memory().numTensors;
    const results = await trainPopulation({
      members: models.map((model, index) => ({ model, options: { seed: index + 1, epochs: 6, batchSize: 16, loss: 'binaryCrossentropy' } })),
      data: { train: trainSplit },
      signal: controller.signal,
      onEpochEnd: (member, record) => {
        if (member === 0 && record.epoch === 2) controller.abort();
      },
    });
    expect(tf.memory().numTensors).toBe(before);
    for (const result of results) {
      expect(result.status).toBe('pruned');
      expect(result.stopReason).toBe('aborted');
      expect(result.epochs.map((record) => record.epoch)).toEqual([1, 2]);
    }
    models.forEach((model) => model.dispose());
    tf.dispose([trainSplit.x, trainSplit.y]);
  });

  test('planPopulation says why members cannot be one population', () => {
    const binary = { type: 'mlp', inputSize: 2, hidden: [8], outputSize: 1, activation: 'relu', task: 'binary' } as unknown as ModelSpec;
    const wider = { ...binary, hidden: [9] } as unknown as ModelSpec;
    const x = tf.zeros([8, 2]);
    const y = tf.zeros([8, 1]);
    const a = buildModel(binary, { seed: 1 });
    const b = buildModel(wider, { seed: 2 });
    const shapes = planPopulation([{ model: a, options: { loss: 'binaryCrossentropy' } }, { model: b, options: { loss: 'binaryCrossentropy' } }], { train: { x, y } });
    expect(shapes.plan).toBeNull();
    expect(shapes.reason).toMatch(/layer 0 differs/);
    const batch = planPopulation([{ model: a, options: { loss: 'binaryCrossentropy', batchSize: 4 } }, { model: a, options: { loss: 'binaryCrossentropy', batchSize: 2 } }], { train: { x, y } });
    expect(batch.reason).toMatch(/batch size/);
    const optimizer = planPopulation([{ model: a, options: { loss: 'binaryCrossentropy', optimizer: 'adam' } }, { model: a, options: { loss: 'binaryCrossentropy', optimizer: 'rmsprop' } }], { train: { x, y } });
    expect(optimizer.reason).toMatch(/optimizer differs from member 0's in more than the learning rate/);
    a.dispose();
    b.dispose();
    tf.dispose([x, y]);
  });
});

describe('trainPopulation: activity penalties', () => {
  test('L1, L2 and L1L2 activity penalties on hidden and softmax output layers, each member its own coefficients, partial last batch, K = 4', async () => {
    const spec = { type: 'mlp', inputSize: 5, hidden: [12, 8], outputSize: 3, activation: 'relu', task: 'multiclass' } as unknown as ModelSpec;
    // 70 rows in batches of 16: the last batch has 6 rows (the penalty is divided by each batch's own size).
    const trainSplit = dataset(70, 5, 3);
    const validation = dataset(25, 5, 3);
    const options = (learningRate: number): TrainOptions => ({ epochs: 5, batchSize: 16, evaluationBatchSize: 32, optimizer: { name: 'adam', learningRate } });
    const members: MemberSetup[] = [
      { seed: 51, policy: perLayer({ layers: { Dense: { regularizer: l2({ l2: 1e-3 }) }, dense_1: { regularizer: l2({ l2: 1e-3 }), activity: l1({ l1: 1e-2 }) } } }), options: options(0.01) },
      { seed: 52, policy: perLayer({ layers: { dense_2: { activity: l2({ l2: 5e-2 }) }, output: { activity: l2({ l2: 0.3 }) } } }), options: options(0.02) },
      { seed: 53, policy: perLayer({ layers: { Dense: { activity: l1l2({ l1: 1e-2, l2: 1e-2 }) } } }), options: { ...options(0.01), weightDecay: 1e-2 } },
      { seed: 54, options: options(0.01) },
    ];
    const results = await compare(spec, 'categoricalCrossentropy', { train: trainSplit, validation }, members);
    // The activity penalties are recorded per layer, as train records them.
    expect(Object.keys(results[1].epochs[0].penaltyPerLayer).sort()).toEqual(['dense_2.activity', 'output.activity']);
    expect(results[1].epochs[0].penaltyPerLayer['output.activity']).toBeGreaterThan(0);
    tf.dispose([trainSplit.x, trainSplit.y, validation.x, validation.y]);
  });

  test('activity penalties on a sigmoid output and on a linear (mean squared error) output, K = 2 each', async () => {
    const binary = { type: 'mlp', inputSize: 3, hidden: [7], outputSize: 1, activation: 'relu', task: 'binary' } as unknown as ModelSpec;
    const trainSplit = dataset(40, 3, 1);
    const validation = dataset(12, 3, 1);
    await compare(binary, 'binaryCrossentropy', { train: trainSplit, validation }, [
      { seed: 61, policy: perLayer({ layers: { output: { activity: l1l2({ l1: 0.05, l2: 0.1 }) } } }), options: { epochs: 4, batchSize: 16, optimizer: { name: 'adam', learningRate: 0.02 } } },
      { seed: 62, policy: perLayer({ layers: { dense_1: { activity: l2({ l2: 0.01 }) } } }), options: { epochs: 4, batchSize: 16, optimizer: { name: 'adam', learningRate: 0.02 } } },
    ]);
    const regression = { type: 'mlp', inputSize: 3, hidden: [6], outputSize: 2, activation: 'relu', task: 'regression' } as unknown as ModelSpec;
    const y = tf.tidy(() => tf.concat([tf.sum(trainSplit.x, 1, true), tf.max(trainSplit.x, 1, true)], 1));
    const yValidation = tf.tidy(() => tf.concat([tf.sum(validation.x, 1, true), tf.max(validation.x, 1, true)], 1));
    await compare(regression, 'meanSquaredError', { train: { x: trainSplit.x, y }, validation: { x: validation.x, y: yValidation } }, [
      { seed: 63, policy: perLayer({ layers: { output: { activity: l2({ l2: 0.05 }) }, dense_1: { activity: l1({ l1: 0.01 }) } } }), options: { epochs: 4, batchSize: 16, optimizer: { name: 'sgd', learningRate: 0.01 } } },
      { seed: 64, policy: perLayer({ layers: { output: { activity: l1({ l1: 0.02 }) } } }), options: { epochs: 4, batchSize: 16, optimizer: { name: 'sgd', learningRate: 0.02 } } },
    ]);
    tf.dispose([trainSplit.x, trainSplit.y, validation.x, validation.y, y, yValidation]);
  });
});

describe('trainPopulation: BatchNormalization', () => {
  test('Dense → BatchNormalization → Dropout MLP with activity penalties: own batch statistics, moving statistics, dropout masks, early stopping with restored weights, members leaving, K = 4', async () => {
    const spec = { type: 'mlp', inputSize: 4, hidden: [10, 6], outputSize: 3, activation: 'relu', task: 'multiclass', batchNormalization: true, dropout: 0.2 } as unknown as ModelSpec;
    const trainSplit = dataset(60, 4, 3);
    const validation = dataset(20, 4, 3);
    const test = dataset(15, 4, 3);
    const members: MemberSetup[] = [
      { seed: 71, regularizer: l2({ l2: 1e-3 }), options: { epochs: 6, batchSize: 16, optimizer: { name: 'adam', learningRate: 0.01 } } },
      { seed: 72, policy: perLayer({ layers: { Dense: { regularizer: l1l2({ l1: 1e-3, l2: 1e-3 }) }, dense_1: { activity: l2({ l2: 1e-2 }) } } }), options: { epochs: 4, batchSize: 16, optimizer: { name: 'adam', learningRate: 0.02 }, weightDecay: 1e-2 } },
      { seed: 73, spec: { ...spec, dropout: 0 } as unknown as ModelSpec, options: { epochs: 8, batchSize: 16, optimizer: { name: 'adam', learningRate: 0.05 }, earlyStopping: { patience: 1, restoreBestWeights: true } } },
      { seed: 74, policy: perLayer({ layers: { output: { activity: l1({ l1: 1e-2 }) } } }), options: { epochs: 6, batchSize: 16, optimizer: { name: 'adam', learningRate: 0.01 } } },
    ];
    const results = await compare(spec, 'categoricalCrossentropy', { train: trainSplit, validation, test }, members);
    expect(results[1].epochs).toHaveLength(4);
    // gamma and beta norms are recorded per BatchNormalization layer, as train records them.
    expect(Object.keys(results[0].epochs[0].weightNorms)).toEqual(expect.arrayContaining(['batch_norm_1/gamma', 'batch_norm_2/beta']));
    tf.dispose([trainSplit.x, trainSplit.y, validation.x, validation.y, test.x, test.y]);
  });

  test('BatchNormalization with SGD momentum and a sigmoid output, measured in inference batches of 9, K = 3', async () => {
    const spec = { type: 'mlp', inputSize: 3, hidden: [8], outputSize: 1, activation: 'relu', task: 'binary', batchNormalization: true } as unknown as ModelSpec;
    const trainSplit = dataset(48, 3, 1);
    const validation = dataset(16, 3, 1);
    const members: MemberSetup[] = [81, 82, 83].map((seed, index) => ({
      seed,
      policy: perLayer({ layers: { dense_1: { regularizer: l2({ l2: 1e-3 * (index + 1) }), activity: l1({ l1: 1e-3 * index }) } } }),
      options: { epochs: 5, batchSize: 16, evaluationBatchSize: 9, optimizer: { name: 'momentum', learningRate: 0.02 * (index + 1), momentum: 0.9 } },
    }));
    await compare(spec, 'binaryCrossentropy', { train: trainSplit, validation }, members);
    tf.dispose([trainSplit.x, trainSplit.y, validation.x, validation.y]);
  });

  test('planPopulation refuses BatchNormalization in different places or with different momentum', () => {
    const plain = { type: 'mlp', inputSize: 2, hidden: [4], outputSize: 1, activation: 'relu', task: 'binary' } as unknown as ModelSpec;
    const normalized = { ...plain, batchNormalization: true } as unknown as ModelSpec;
    const x = tf.zeros([8, 2]);
    const y = tf.zeros([8, 1]);
    const a = buildModel(normalized, { seed: 1 });
    const b = buildModel(plain, { seed: 2 });
    const c = buildModel(normalized, { seed: 3 });
    (c.getLayer('batch_norm_1') as unknown as { momentum: number }).momentum = 0.9;
    const options = { loss: 'binaryCrossentropy' } as const;
    expect(planPopulation([{ model: a, options }, { model: b, options }], { train: { x, y } }).reason).toMatch(/BatchNormalization after other Dense layers/);
    expect(planPopulation([{ model: a, options }, { model: c, options }], { train: { x, y } }).reason).toMatch(/momentum or epsilon/);
    expect(planPopulation([{ model: a, options }, { model: a, options }], { train: { x, y } }).plan).not.toBeNull();
    [a, b, c].forEach((model) => model.dispose());
    tf.dispose([x, y]);
  });
});

describe('trainPopulation: RMSprop, Adagrad, AdamW and AMSGrad', () => {
  const spec = { type: 'mlp', inputSize: 3, hidden: [7, 5], outputSize: 1, activation: 'relu', task: 'binary', batchNormalization: true } as unknown as ModelSpec;
  const members = (optimizer: (index: number) => TrainOptions['optimizer']): MemberSetup[] =>
    [0, 1, 2].map((index) => ({
      seed: 91 + index,
      regularizer: l2({ l2: 10 ** -(index + 2) }),
      options: { epochs: 4, batchSize: 16, optimizer: optimizer(index), weightDecay: index === 1 ? 1e-2 : undefined },
    }));

  test.each([
    ['centered RMSprop with momentum, own learning rates', (index: number) => ({ name: 'rmsprop', learningRate: 0.002 * (index + 1), rho: 0.8, momentum: 0.5, centered: true })],
    ['plain RMSprop, one shared learning rate', () => ({ name: 'rmsprop', learningRate: 0.005 })],
    ['Adagrad, own learning rates', (index: number) => ({ name: 'adagrad', learningRate: 0.05 * (index + 1), initialAccumulatorValue: 0.2 })],
    ['AdamW, own learning rates', (index: number) => ({ name: 'adamw', learningRate: 0.01 * (index + 1), weightDecay: 0.05 })],
    ['AdamW, one shared learning rate (the fused native kernel after the decay)', () => ({ name: 'adamw', learningRate: 0.02, weightDecay: 0.05 })],
    ['AMSGrad, own learning rates', (index: number) => ({ name: 'adam', learningRate: 0.01 * (index + 1), amsgrad: true })],
  ])('%s, K = 3, each member matches train alone', async (_name, optimizer) => {
    const trainSplit = dataset(48, 3, 1);
    const validation = dataset(16, 3, 1);
    await compare(spec, 'binaryCrossentropy', { train: trainSplit, validation }, members(optimizer as (index: number) => TrainOptions['optimizer']));
    tf.dispose([trainSplit.x, trainSplit.y, validation.x, validation.y]);
  });
});
