/**
 * Issue 15 items 7 and 8, issue 12 "Typos are errors": `train()` rejects what cannot be right
 * before any step, with messages that name the field and what is allowed. Runs on the default
 * backend (native when installed) and, through `npm run test:cpu`, on the cpu backend.
 */
import * as tf from '@tensorflow/tfjs';
import { train } from '../../lib/train';
import { LayerwiseConfigError } from '../../lib/errors/config-error';
import { closestKey } from '../../lib/train/option-keys';

function twoInputModel(outputs = 3): tf.Sequential {
  const model = tf.sequential();
  model.add(tf.layers.dense({ inputShape: [2], units: 4, activation: 'relu', kernelInitializer: 'glorotUniform' }));
  model.add(tf.layers.dense({ units: outputs, activation: 'softmax' }));
  model.compile({ loss: 'categoricalCrossentropy', optimizer: 'sgd' });
  return model;
}

const owned: tf.Tensor[] = [];
function tensor(values: number[][]): tf.Tensor2D {
  const result = tf.tensor2d(values);
  owned.push(result);
  return result;
}
afterAll(() => tf.dispose(owned));

const x2 = (): tf.Tensor2D => tensor([[0, 1], [1, 0], [1, 1], [0, 0]]);
const y3 = (): tf.Tensor2D => tensor([[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 0, 0]]);

describe('item 7: shapes checked before training, on every backend', () => {
  test('a model taking 2 features given 3: both shapes in the message, not "Invalid TF_Status: 3"', async () => {
    const model = twoInputModel();
    const x = tensor([[0, 1, 2], [1, 0, 2], [1, 1, 2], [0, 0, 2]]);
    const failure = train(model, { train: { x, y: y3() } }, { epochs: 1 });
    await expect(failure).rejects.toThrow(LayerwiseConfigError);
    await expect(failure).rejects.toThrow("train.data.train.x: shape [4, 3] does not fit the model's input shape [batch, 2] (3 features given, the model takes 2)");
    model.dispose();
  });

  test('the validation split is checked too, and targets against the output shape', async () => {
    const model = twoInputModel();
    await expect(train(model, { train: { x: x2(), y: y3() }, validation: { x: tensor([[1, 2, 3]]), y: tensor([[1, 0, 0]]) } })).rejects.toThrow(/train\.data\.validation\.x: shape \[1, 3\]/);
    await expect(train(model, { train: { x: x2(), y: tensor([[1, 0], [0, 1], [1, 0], [0, 1]]) } })).rejects.toThrow(
      "train.data.train.y: shape [4, 2] does not fit the model's output shape [batch, 3]",
    );
    model.dispose();
  });

  test('sparse labels ([n] or [n, 1]) and matching one-hot targets train', async () => {
    const model = twoInputModel();
    const sparse = tf.tensor1d([0, 1, 2, 0]);
    owned.push(sparse);
    model.compile({ loss: 'sparseCategoricalCrossentropy', optimizer: 'sgd' });
    await expect(train(model, { train: { x: x2(), y: sparse } }, { epochs: 1 })).resolves.toMatchObject({ status: 'complete' });
    model.compile({ loss: 'categoricalCrossentropy', optimizer: 'sgd' });
    await expect(train(model, { train: { x: x2(), y: y3() } }, { epochs: 1 })).resolves.toMatchObject({ status: 'complete' });
    model.dispose();
  });
});

describe('item 8: seeds are integers', () => {
  test.each([1.5, -1, 2 ** 32, NaN, '1'])('seed %p is rejected', async (seed) => {
    const model = twoInputModel();
    await expect(train(model, { train: { x: x2(), y: y3() } }, { seed: seed as number })).rejects.toThrow(/train\.options\.seed = .*: expected an integer in \[0, 4294967295\]/);
    model.dispose();
  });
});

describe('issue 12: typos are errors', () => {
  test("train(model, data, {epoch: 7, batch_size: 8}) names each unknown key and the closest valid one", async () => {
    const model = twoInputModel();
    await expect(train(model, { train: { x: x2(), y: y3() } }, { epoch: 7, batch_size: 8 } as never)).rejects.toThrow(
      "train.options: unknown option 'epoch'; did you mean 'epochs'?; unknown option 'batch_size'; did you mean 'batchSize'?",
    );
    await expect(train(model, { train: { x: x2(), y: y3() } }, { learningrate: 0.1 } as never)).rejects.toThrow(/unknown option 'learningrate' \(allowed: seed, epochs/);
    await expect(train(model, { train: { x: x2(), y: y3() }, val: { x: x2(), y: y3() } } as never)).rejects.toThrow("train.data: unknown split 'val'; did you mean 'validation'?");
    model.dispose();
  });

  test('earlyStopping is checked the same way: unknown keys, monitor, value types', async () => {
    const model = twoInputModel();
    const data = { train: { x: x2(), y: y3() }, validation: { x: x2(), y: y3() } };
    await expect(train(model, data, { earlyStopping: { patiense: 2 } as never })).rejects.toThrow("train.options.earlyStopping: unknown option 'patiense'; did you mean 'patience'?");
    await expect(train(model, data, { earlyStopping: { monitor: 'val_accuracy' } as never })).rejects.toThrow(/earlyStopping\.monitor = "val_accuracy": only 'val_loss'/);
    await expect(train(model, data, { earlyStopping: { restoreBestWeights: 'yes' } as never })).rejects.toThrow(/restoreBestWeights = "yes": expected true or false/);
    await expect(train(model, data, { earlyStopping: { minDelta: 'small' } as never })).rejects.toThrow(/minDelta = "small": expected a finite number/);
    await expect(train(model, data, { earlyStopping: true as never })).rejects.toThrow(/earlyStopping = true: expected \{patience\?/);
    await expect(train(model, data, { epochs: 1, earlyStopping: { monitor: 'val_loss', patience: 1 } })).resolves.toMatchObject({ status: 'complete' });
    model.dispose();
  });

  test('every documented value type: accepted or rejected saying what is allowed', async () => {
    const model = twoInputModel();
    const data = { train: { x: x2(), y: y3() } };
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ shuffle: 'no' }, /shuffle = "no": expected true or false/],
      [{ applyConstraints: 1 }, /applyConstraints = 1: expected true or false/],
      [{ leanObjective: null }, /leanObjective = null: expected true or false/],
      [{ onEpochEnd: 'stop' }, /onEpochEnd = "stop": expected a function/],
      [{ onBatchEnd: {} }, /onBatchEnd = \{\}: expected a function/],
      [{ loss: 3 }, /loss = 3: expected a loss name or a function/],
      [{ signal: {} }, /signal = \{\}: expected an AbortSignal/],
      [{ weightDecay: -1 }, /weightDecay = -1: expected a number >= 0, or \{weightName: rate\}/],
      [{ weightDecay: 'l2' }, /weightDecay = "l2": expected a number >= 0/],
      [{ epochs: 1.5 }, /epochs = 1.5: expected an integer >= 1/],
    ];
    for (const [options, message] of cases) await expect(train(model, data, options as never)).rejects.toThrow(message);
    await expect(train(model, data, [] as never)).rejects.toThrow(/train\.options = \[\]: expected an object of options/);
    const accepted = await train(model, data, {
      epochs: 1,
      shuffle: false,
      applyConstraints: true,
      leanObjective: false,
      loss: 'categoricalCrossentropy',
      signal: new AbortController().signal,
      onEpochEnd: () => undefined,
      onBatchEnd: () => undefined,
      onEpochTrained: () => undefined,
      shouldStop: () => false,
      weightDecay: 0,
      seed: 4294967295,
    });
    expect(accepted.status).toBe('complete');
    model.dispose();
  });

  test('closestKey: Keras spellings and near misses, nothing for unrelated words', () => {
    const keys = ['epochs', 'batchSize', 'earlyStopping', 'evaluateEvery'];
    expect(closestKey('batch_size', keys)).toBe('batchSize');
    expect(closestKey('early_stopping', keys)).toBe('earlyStopping');
    expect(closestKey('epoch', keys)).toBe('epochs');
    expect(closestKey('zzzzzz', keys)).toBeUndefined();
  });
});
