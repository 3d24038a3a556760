import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../lib/backend';
import { train, EpochRecord, TrainResult } from '../../lib/train';
import { classificationData, linearModel, smallClassifier, weightValues } from './models';

beforeAll(async () => {
  // The project's backend choice: native when installed, LAYERWISE_BACKEND=cpu forces the pure-JS one.
  await initBackend({ log: false });
});

/** A record without its wall-clock time, for exact comparisons between runs. */
function timeless(result: TrainResult): unknown {
  const strip = (record: EpochRecord): unknown => ({ ...record, seconds: 0 });
  return { ...result, epochs: result.epochs.map(strip), final: strip(result.final) };
}

describe('one SGD step with an L2 kernel regularizer (hand computed)', () => {
  test('weights, data loss, penalty, objective and norms match the Keras formulas', async () => {
    // y = w·x + b, w0 = 2, b0 = 0.5, x = [1, 2], y = [0, 0], MSE, L2(0.1) on the kernel, SGD lr 0.01, full batch.
    // predictions [2.5, 4.5]; dMSE/dw = mean(2·(p − y)·x) = (5 + 18)/2 = 11.5; d(0.1·w²)/dw = 0.4
    // w1 = 2 − 0.01·11.9 = 1.881; dMSE/db = mean(2·(p − y)) = 7; b1 = 0.5 − 0.07 = 0.43 (bias not regularized)
    const model = linearModel({ kernel: [[2]], bias: [0.5], kernelRegularizer: tf.regularizers.l2({ l2: 0.1 }), name: 'fc' });
    const x = tf.tensor2d([[1], [2]]);
    const y = tf.tensor2d([[0], [0]]);
    const result = await train(model, { train: { x, y } }, { epochs: 1, loss: 'meanSquaredError', optimizer: { name: 'sgd', learningRate: 0.01 } });
    const [kernel, bias] = weightValues(model);
    // Tolerance 1e-6: float32.
    expect(kernel[0]).toBeCloseTo(1.881, 6);
    expect(bias[0]).toBeCloseTo(0.43, 6);
    const record = result.epochs[0];
    // Data loss in inference mode with the NEW weights, penalty excluded: mean((1.881·1 + 0.43)², (1.881·2 + 0.43)²).
    expect(record.train.loss).toBeCloseTo((2.311 ** 2 + 4.192 ** 2) / 2, 5);
    expect(record.train.accuracy).toBeUndefined(); // regression
    expect(record.penalty).toBeCloseTo(0.1 * 1.881 ** 2, 6);
    expect(record.penaltyPerLayer).toEqual({ 'fc.kernel': expect.closeTo(0.1 * 1.881 ** 2, 6) });
    // What fit would log as loss: the objective at the OLD weights, (2.5² + 4.5²)/2 + 0.1·2² = 13.65.
    expect(record.trainObjective).toBeCloseTo(13.65, 5);
    expect(record.weightNorms).toEqual({ 'fc/kernel': expect.closeTo(1.881, 6), 'fc/bias': expect.closeTo(0.43, 6) });
    expect(result).toMatchObject({ status: 'complete', stopReason: 'epochs', bestEpoch: 1, backend: tf.getBackend(), seed: 0 });
    expect(result.final).toBe(record);
    tf.dispose([x, y]);
    model.dispose();
  });
});

describe('trainObjective with a partial last batch', () => {
  test('is the batch-size-weighted mean of the batch objectives (Keras fit\'s logged loss), not the plain mean', async () => {
    // y = 1·x, x = [1, 2, 3], y = [0, 0, 0], MSE, lr 0 (weights never change), batch 2, no shuffle:
    // batches [1, 2] -> (1 + 4)/2 = 2.5 and [3] -> 9. Weighted (2·2.5 + 1·9)/3 = 14/3; the plain mean would be 5.75.
    const model = linearModel({ kernel: [[1]] });
    const x = tf.tensor2d([[1], [2], [3]]);
    const y = tf.tensor2d([[0], [0], [0]]);
    const result = await train(model, { train: { x, y } }, { epochs: 2, batchSize: 2, shuffle: false, loss: 'meanSquaredError', optimizer: { name: 'sgd', learningRate: 0 } });
    // Tolerance 1e-6: float32 sums of small integers.
    for (const record of result.epochs) expect(record.trainObjective).toBeCloseTo(14 / 3, 6);
    tf.dispose([x, y]);
    model.dispose();
  });
});

describe('measurements', () => {
  test('train loss is the inference-mode data loss of the final weights (dropout off), not the running objective', async () => {
    const { x, y } = classificationData(40);
    const model = smallClassifier({ dropout: 0.5, l2: 0.01 });
    const result = await train(model, { train: { x, y }, test: { x, y } }, { epochs: 3, batchSize: 8, loss: 'categoricalCrossentropy', seed: 2 });
    const [expectedLoss, expectedAccuracy] = tf.tidy(() => {
      const prediction = model.apply(x, { training: false }) as tf.Tensor;
      const loss = tf.mean(tf.metrics.categoricalCrossentropy(y, prediction)).dataSync()[0];
      const accuracy = tf.mean(tf.cast(tf.equal(tf.argMax(prediction, 1), tf.argMax(y, 1)), 'float32')).dataSync()[0];
      return [loss, accuracy];
    });
    // Tolerance 1e-6: same formula, different batching (one batch of 40 here and there).
    expect(Math.abs(result.final.train.loss - expectedLoss)).toBeLessThan(1e-6);
    expect(result.final.train.accuracy).toBeCloseTo(expectedAccuracy, 6);
    expect(result.final.trainObjective).not.toBeCloseTo(result.final.train.loss, 3);
    expect(result.final.lossGap).toBe(0); // test = train here
    expect(result.final.accuracyGap).toBe(0);
    expect(Object.keys(result.final.penaltyPerLayer)).toEqual(['hidden.kernel']);
    expect(Object.keys(result.final.weightNorms)).toEqual(['hidden/kernel', 'hidden/bias', 'out/kernel', 'out/bias']);
    tf.dispose([x, y]);
    model.dispose();
  });

  test('evaluation batch size does not change the measured losses (tolerance 1e-6)', async () => {
    const { x, y } = classificationData(30);
    const a = smallClassifier({ seed: 4 });
    const b = smallClassifier({ seed: 4 });
    const options = { epochs: 1, batchSize: 10, loss: 'categoricalCrossentropy', seed: 1 } as const;
    const whole = await train(a, { train: { x, y } }, options);
    const batched = await train(b, { train: { x, y } }, { ...options, evaluationBatchSize: 7 });
    expect(Math.abs(whole.final.train.loss - batched.final.train.loss)).toBeLessThan(1e-6);
    expect(batched.final.train.accuracy).toBe(whole.final.train.accuracy);
    tf.dispose([x, y]);
    a.dispose();
    b.dispose();
  });

  test('accuracy: binary (threshold 0.5), sparse labels equal one-hot labels', async () => {
    const binary = classificationData(24, 1);
    const binaryModel = smallClassifier({ classes: 1, seed: 8 });
    const binaryResult = await train(binaryModel, { train: { x: binary.x, y: binary.y } }, { epochs: 1, loss: 'binaryCrossentropy' });
    const expectedBinary = tf.tidy(() => {
      const predicted = tf.greater(binaryModel.predict(binary.x) as tf.Tensor, 0.5);
      return tf.mean(tf.cast(tf.equal(predicted, tf.greater(binary.y, 0.5)), 'float32')).dataSync()[0];
    });
    expect(binaryResult.final.train.accuracy).toBeCloseTo(expectedBinary, 6);

    const multi = classificationData(24, 3);
    const oneHotModel = smallClassifier({ seed: 9 });
    const sparseModel = smallClassifier({ seed: 9 });
    const oneHot = await train(oneHotModel, { train: { x: multi.x, y: multi.y } }, { epochs: 1, loss: 'categoricalCrossentropy' });
    const sparse = await train(sparseModel, { train: { x: multi.x, y: multi.labels } }, { epochs: 1, loss: 'sparseCategoricalCrossentropy' });
    expect(sparse.final.train.accuracy).toBe(oneHot.final.train.accuracy);
    expect(Math.abs(sparse.final.train.loss - oneHot.final.train.loss)).toBeLessThan(1e-6);
    tf.dispose([binary.x, binary.y, binary.labels, multi.x, multi.y, multi.labels]);
    [binaryModel, oneHotModel, sparseModel].forEach((model) => model.dispose());
  });

  test('the loss defaults to the compiled one; without it an error says what to pass', async () => {
    const { x, y } = classificationData(8);
    const model = smallClassifier();
    await expect(train(model, { train: { x, y } })).rejects.toThrow(/train.options.loss is missing and the model is not compiled/);
    model.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
    const result = await train(model, { train: { x, y } });
    expect(result.final.train.accuracy).toBeDefined();
    tf.dispose([x, y]);
    model.dispose();
  });
});

describe('reproducibility', () => {
  const run = async (seed: number): Promise<{ result: TrainResult; weights: Float32Array[] }> => {
    const { x, y } = classificationData(32);
    const model = smallClassifier({ dropout: 0.5, seed: 13 });
    const result = await train(model, { train: { x, y }, validation: { x, y } }, { epochs: 3, batchSize: 8, loss: 'categoricalCrossentropy', seed, optimizer: { name: 'adam', learningRate: 0.05 } });
    const weights = weightValues(model).map((values) => Float32Array.from(values));
    tf.dispose([x, y]);
    model.dispose();
    return { result, weights };
  };

  test('same seed twice: bit-identical weights and metrics (dropout in the model); different seeds differ; Math.random restored', async () => {
    const original = Math.random;
    const first = await run(7);
    const second = await run(7);
    const other = await run(8);
    expect(Math.random).toBe(original);
    expect(second.weights).toEqual(first.weights);
    expect(timeless(second.result)).toEqual(timeless(first.result));
    expect(other.weights).not.toEqual(first.weights);
  });

  test('two runs interleaved in one process give the same results as run alone', async () => {
    const alone = await run(7);
    const [a, b] = await Promise.all([run(7), run(7)]);
    expect(a.weights).toEqual(alone.weights);
    expect(b.weights).toEqual(alone.weights);
  });
});

describe('early stopping', () => {
  // Train targets y = x, validation targets y = −x: learning the train split makes validation worse
  // every epoch, so epoch 1 is the best validation epoch.
  const data = () => {
    const x = tf.tensor2d([[1], [-1], [2], [0.5]]);
    return { train: { x, y: x.clone() }, validation: { x, y: tf.neg(x) } };
  };

  test('stops after `patience` epochs without improvement and restores the best weights', async () => {
    const splits = data();
    const model = linearModel({ kernel: [[0]], name: 'es' });
    const result = await train(model, splits, {
      epochs: 20,
      loss: 'meanSquaredError',
      optimizer: { name: 'sgd', learningRate: 0.1 },
      earlyStopping: { patience: 2, restoreBestWeights: true },
    });
    expect(result.status).toBe('stopped_early');
    expect(result.stopReason).toBe('early_stopping');
    expect(result.epochs.map((record) => record.epoch)).toEqual([1, 2, 3]);
    expect(result.bestEpoch).toBe(1);
    expect(result.final).toBe(result.epochs[0]);
    // The kept kernel is the one measured at epoch 1, not the one after epoch 3.
    const kernel = weightValues(model)[0][0];
    expect(Math.abs(kernel)).toBe(result.epochs[0].weightNorms['es/kernel']);
    expect(Math.abs(kernel)).not.toBe(result.epochs[2].weightNorms['es/kernel']);
    tf.dispose([splits.train.x, splits.train.y, splits.validation.y]);
    model.dispose();
  });

  test('without restoreBestWeights the last weights are kept', async () => {
    const splits = data();
    const model = linearModel({ kernel: [[0]], name: 'es_keep' });
    const result = await train(model, splits, { epochs: 20, loss: 'mse', optimizer: { name: 'sgd', learningRate: 0.1 }, earlyStopping: { patience: 1 } });
    expect(result.epochs.length).toBe(2);
    expect(result.bestEpoch).toBe(2);
    expect(Math.abs(weightValues(model)[0][0])).toBe(result.final.weightNorms['es_keep/kernel']);
    tf.dispose([splits.train.x, splits.train.y, splits.validation.y]);
    model.dispose();
  });

  test('needs validation data', async () => {
    const { x, y } = classificationData(8);
    const model = smallClassifier();
    await expect(train(model, { train: { x, y } }, { loss: 'categoricalCrossentropy', earlyStopping: {} })).rejects.toThrow(/earlyStopping needs data.validation/);
    tf.dispose([x, y]);
    model.dispose();
  });
});

describe('divergence guard', () => {
  test('a huge learning rate ends the run as diverged, with the epoch', async () => {
    const x = tf.tensor2d([[1], [2], [3], [4]]);
    const y = tf.tensor2d([[1], [2], [3], [4]]);
    const model = linearModel({ kernel: [[0.5]], bias: [0], name: 'boom' });
    const result = await train(model, { train: { x, y } }, { epochs: 100, batchSize: 1, loss: 'mse', optimizer: { name: 'sgd', learningRate: 1e4 } });
    expect(result.status).toBe('diverged');
    expect(result.stopReason).toBe('diverged');
    expect(result.divergedAtEpoch).toBeGreaterThanOrEqual(1);
    expect(result.divergedAtEpoch).toBeLessThan(100);
    expect(result.epochs[result.epochs.length - 1].epoch).toBe(result.divergedAtEpoch);
    const finalRecord = result.final;
    expect(Number.isFinite(finalRecord.train.loss) && Number.isFinite(finalRecord.trainObjective as number)).toBe(false);
    tf.dispose([x, y]);
    model.dispose();
  });
});

describe('events, pruning, abort and budgets', () => {
  const setup = () => {
    const { x, y } = classificationData(20);
    return { x, y, model: smallClassifier({ seed: 3 }) };
  };
  const cleanup = ({ x, y, model }: ReturnType<typeof setup>): void => {
    tf.dispose([x, y]);
    model.dispose();
  };

  test('onEpochEnd per measured epoch, onBatchEnd per step, evaluateEvery measures every k-th and the last epoch', async () => {
    const state = setup();
    const epochs: number[] = [];
    const batches: string[] = [];
    const trained: number[] = [];
    const result = await train(state.model, { train: { x: state.x, y: state.y } }, {
      onEpochTrained: (info) => trained.push(info.epoch),
      epochs: 5,
      batchSize: 8,
      evaluateEvery: 2,
      loss: 'categoricalCrossentropy',
      onEpochEnd: (record) => {
        epochs.push(record.epoch);
      },
      onBatchEnd: (info) => batches.push(`${info.epoch}.${info.batch}/${info.batches}:${info.size}`),
    });
    expect(epochs).toEqual([2, 4, 5]);
    expect(trained).toEqual([1, 2, 3, 4, 5]);
    expect(result.epochs.map((record) => record.epoch)).toEqual([2, 4, 5]);
    expect(batches.length).toBe(15);
    expect(batches.slice(0, 3)).toEqual(['1.0/3:8', '1.1/3:8', '1.2/3:4']);
    expect(result.status).toBe('complete');
    cleanup(state);
  });

  test("onEpochEnd answering 'stop' or shouldStop returning true prunes the run", async () => {
    const state = setup();
    const options = { epochs: 10, batchSize: 10, loss: 'categoricalCrossentropy' } as const;
    const byAnswer = await train(state.model, { train: { x: state.x, y: state.y } }, { ...options, onEpochEnd: (record) => (record.epoch === 2 ? 'stop' : undefined) });
    expect(byAnswer).toMatchObject({ status: 'pruned', stopReason: 'pruned', bestEpoch: 2 });
    expect(byAnswer.epochs.length).toBe(2);
    const byHook = await train(state.model, { train: { x: state.x, y: state.y } }, { ...options, shouldStop: (record) => record.epoch >= 3 });
    expect(byHook.status).toBe('pruned');
    expect(byHook.epochs.length).toBe(3);
    cleanup(state);
  });

  test('an AbortSignal stops between batches (status pruned, reason aborted) and the partial epoch is measured', async () => {
    const state = setup();
    const controller = new AbortController();
    let steps = 0;
    const result = await train(state.model, { train: { x: state.x, y: state.y } }, {
      epochs: 10,
      batchSize: 4,
      loss: 'categoricalCrossentropy',
      signal: controller.signal,
      onBatchEnd: (info) => {
        steps++;
        if (info.epoch === 2 && info.batch === 1) controller.abort();
      },
    });
    expect(result).toMatchObject({ status: 'pruned', stopReason: 'aborted' });
    expect(steps).toBe(7); // 5 batches in epoch 1, 2 in epoch 2
    expect(result.epochs.map((record) => record.epoch)).toEqual([1, 2]);
    const already = new AbortController();
    already.abort();
    const none = await train(state.model, { train: { x: state.x, y: state.y } }, { epochs: 3, loss: 'categoricalCrossentropy', signal: already.signal });
    expect(none.status).toBe('pruned');
    expect(none.epochs.length).toBe(1); // the untouched weights, measured so that `final` exists
    expect(none.epochs[0].trainObjective).toBeUndefined();
    cleanup(state);
  });

  test('an abort from a timer fires during an epoch: the loop yields to the event loop', async () => {
    const { x, y } = classificationData(400);
    const model = smallClassifier({ seed: 3 });
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), 30);
    const result = await train(model, { train: { x, y } }, { epochs: 1000, batchSize: 1, loss: 'categoricalCrossentropy', signal: controller.signal, yieldEveryMs: 5 });
    clearTimeout(timer);
    expect(result.stopReason).toBe('aborted');
    expect(result.epochs[result.epochs.length - 1].epoch).toBeLessThan(1000);
    tf.dispose([x, y]);
    model.dispose();
  });

  test('a time budget ends the run with status stopped_early', async () => {
    const state = setup();
    const result = await train(state.model, { train: { x: state.x, y: state.y } }, { epochs: 50, loss: 'categoricalCrossentropy', timeBudgetSeconds: 1e-9 });
    expect(result).toMatchObject({ status: 'stopped_early', stopReason: 'time_budget' });
    expect(result.epochs.length).toBe(1);
    cleanup(state);
  });
});

describe('constraints', () => {
  test('layer constraints are applied after every update (tfjs fit never applies them)', async () => {
    const build = (name: string): tf.Sequential => {
      const model = tf.sequential();
      model.add(tf.layers.dense({ units: 1, inputShape: [1], useBias: false, kernelConstraint: tf.constraints.nonNeg(), name }));
      model.setWeights([tf.tensor2d([[1]])]);
      return model;
    };
    // Targets y = −x pull the kernel negative.
    const x = tf.tensor2d([[1], [2]]);
    const y = tf.neg(x);
    const constrained = build('nonneg_on');
    const unconstrained = build('nonneg_off');
    const options = { epochs: 3, loss: 'mse', optimizer: { name: 'sgd', learningRate: 0.5 } } as const;
    await train(constrained, { train: { x, y } }, options);
    await train(unconstrained, { train: { x, y } }, { ...options, applyConstraints: false });
    expect(weightValues(constrained)[0][0]).toBe(0);
    expect(weightValues(unconstrained)[0][0]).toBeLessThan(0);
    tf.dispose([x, y]);
    constrained.dispose();
    unconstrained.dispose();
  });
});

describe('memory', () => {
  test('training and disposing several models returns numTensors to where it started', async () => {
    const { x, y } = classificationData(24);
    const before = tf.memory().numTensors;
    for (const optimizer of ['adam', 'momentum', 'rmsprop'] as const) {
      const model = smallClassifier({ dropout: 0.25, l2: 0.01 });
      await train(model, { train: { x, y }, validation: { x, y }, test: { x, y } }, {
        epochs: 3,
        batchSize: 8,
        loss: 'categoricalCrossentropy',
        optimizer: { name: optimizer },
        weightDecay: 1e-3,
        earlyStopping: { patience: 5, restoreBestWeights: true },
      });
      model.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, y]);
  });
});

describe('option validation', () => {
  test('bad values are errors naming the field', async () => {
    const { x, y } = classificationData(8);
    const model = smallClassifier();
    const data = { train: { x, y } };
    await expect(train(model, data, { loss: 'mse', epochs: 0 })).rejects.toThrow('train.options.epochs = 0: expected an integer >= 1');
    await expect(train(model, data, { loss: 'mse', batchSize: 2.5 })).rejects.toThrow('train.options.batchSize = 2.5: expected an integer >= 1');
    await expect(train(model, data, { loss: 'hinge' })).rejects.toThrow(/train.options.loss = "hinge": unknown loss/);
    await expect(train(model, data, { loss: 'mse', optimizer: { name: 'nadam' } as never })).rejects.toThrow(/train.options.optimizer.name = "nadam"/);
    await expect(train(model, { train: { x, y: tf.slice(y, 0, 4) } }, { loss: 'mse' })).rejects.toThrow('train.data.train x has 8 samples but y has 4');
    tf.dispose([x, y]);
    model.dispose();
  });
});
