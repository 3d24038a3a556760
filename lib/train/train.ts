/**
 * `train(model, data, options)`: the seeded training loop.
 *
 * Per batch it does exactly one optimizer step inside one `tf.tidy`, with no read-back to JS:
 * slice the (per-epoch, on-device shuffled) batch, `model.apply(x, {training: true})`, mean data
 * loss + regularization penalty (lib/loss, Keras 3 semantics), gradients, decoupled weight decay
 * (if any, Keras 3 order: after the gradients, before the update), the optimizer update, layer
 * constraints. The running objective is summed on the device and read once per epoch, which is
 * also when divergence (NaN/Inf) is checked. Measurements (lib/train/epoch-metrics) take one more
 * read per measured epoch.
 *
 * Randomness: one seed drives the shuffling (own stream) and every `Math.random` draw made while
 * the loop runs (dropout masks, fresh at every step; noise layers). `Math.random` is swapped in
 * only while the loop runs synchronously and restored before every await and at the end.
 *
 * Ownership: the loop creates and disposes the optimizer, the shuffled copies, the weight
 * snapshots of early stopping. The caller owns the model and the data tensors.
 */
import * as tf from '@tensorflow/tfjs';
import { applyConstraints } from '../layers/constraints';
import { checkRegularizerRanks } from '../layers/rank-check';
import { EarlyStopping } from './early-stopping';
import { EpochMeasurements, SplitData, measureEpoch, normWeights } from './epoch-metrics';
import { AccuracyKind, detectAccuracyKind, resolveLoss } from './loss-function';
import { createOptimizer, currentLearningRate, disposeOptimizer, resolveOptimizerSpec } from './optimizer-spec';
import { TrainData, TrainOptions, resolveTrainOptions } from './options';
import { checkDataShapes } from './shape-check';
import { atClipCeiling, divergenceReason } from './divergence';
import { preparePenalties, trainingPenalty } from './penalty';
import type { EpochRecord, RunStatus, SplitName, TrainResult } from './record';
import { RUN_STATUS_OF_STOP_REASON, StopReason } from './record';
import { LeanPlan, planLeanObjective } from './fast-objective';
import { ScalarCache } from './scalar-cache';
import { SeededMathRandom, SeededShuffler } from './seeded-random';
import { createLeanOptimizer, LeanOptimizer } from '../optimizers';
import { WeightDecayApplier, decoupledStep, resolveWeightDecay } from './weight-decay';


function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function outputShape(model: tf.LayersModel): readonly (number | null)[] {
  const shape = model.outputs[0].shape;
  return shape;
}

/** Whether every label row is one-hot (values 0 or 1, exactly one 1): one read, before training. */
function isOneHot(y: tf.Tensor): boolean {
  // Integer labels take the general cross-entropy formula (which casts them); the fused kernel wants float32.
  if (y.rank !== 2 || y.shape[1] === 1 || y.dtype !== 'float32') return false;
  const check = tf.tidy(() => {
    const values = tf.cast(y, 'float32');
    const binary = tf.all(tf.logicalOr(tf.equal(values, 0), tf.equal(values, 1)));
    const single = tf.all(tf.equal(tf.sum(values, -1), 1));
    return tf.logicalAnd(binary, single);
  });
  const answer = check.dataSync()[0] === 1;
  check.dispose();
  return answer;
}

/** Builds a Sequential that has no input shape yet by running one sample through it. */
function ensureBuilt(model: tf.LayersModel, x: tf.Tensor): void {
  if (model.built && model.trainableWeights.length > 0) return;
  tf.tidy(() => {
    model.apply(tf.slice(x, 0, 1), { training: false });
  });
}

/**
 * Trains `model` on `data.train` and measures every split each measured epoch.
 * Resolves to plain numbers (`TrainResult`); see `TrainOptions` for every option and its default.
 */
export async function train(model: tf.LayersModel, data: TrainData, options: TrainOptions = {}): Promise<TrainResult> {
  const settings = resolveTrainOptions(data, options);
  checkDataShapes(model, data);
  const loss = resolveLoss(model, options.loss);
  preparePenalties(model);
  ensureBuilt(model, data.train.x);
  // Layers from layerwise's factories check this when built; a model built with tf.layers or loaded is checked here.
  checkRegularizerRanks(model);
  const accuracy: AccuracyKind =
    options.accuracy == null || options.accuracy === 'auto' ? detectAccuracyKind(loss, data.train.y.shape, outputShape(model)) : options.accuracy;
  const optimizerConfig = resolveOptimizerSpec(settings.optimizer, 'train.options.optimizer');
  const decayed = resolveWeightDecay(model, options.weightDecay, 'train.options.weightDecay');
  const hasConstraints = settings.applyConstraints && model.weights.some((weight) => weight.constraint != null);
  // Fixed once: tfjs optimizers key their state by the position of each variable in this list.
  const variables = model.trainableWeights.map((weight) => weight.read() as tf.Variable);
  const weightsForNorms = normWeights(model);
  const splits: Partial<Record<SplitName, SplitData>> = { train: data.train };
  if (data.validation) splits.validation = data.validation;
  if (data.test) splits.test = data.test;

  const random = new SeededMathRandom(settings.seed);
  const shuffler = new SeededShuffler(settings.seed);
  // Every spec name has a lean optimizer (Keras 3 formulas, few kernels per step); the tfjs path is for a name without one.
  const lean: LeanOptimizer | null = createLeanOptimizer(optimizerConfig as unknown as Parameters<typeof createLeanOptimizer>[0]);
  const optimizer = lean == null ? createOptimizer(optimizerConfig, 'train.options.optimizer') : null;
  const decay = new WeightDecayApplier(decayed);
  const batchWeights = new ScalarCache();
  const stopping = options.earlyStopping ? new EarlyStopping(options.earlyStopping, model.weights) : null;
  const started = performance.now();
  const samples = data.train.x.shape[0];
  const batchSize = settings.batchSize;
  const batches = Math.ceil(samples / batchSize);
  const batchSizes = Array.from({ length: batches }, (_, batch) => Math.min(batchSize, samples - batch * batchSize));
  const records: EpochRecord[] = [];
  const lossFunction = loss.fn;

  // Common Sequential stacks get the lean objective (same function, far fewer kernel calls); others use model.apply.
  const plan: LeanPlan =
    options.leanObjective === false
      ? { objective: null, reason: 'options.leanObjective is false' }
      : planLeanObjective(model, loss.name, lossFunction, { oneHotLabels: loss.name === 'categoricalCrossentropy' && isOneHot(data.train.y) });
  const fast = plan.objective;
  const objective = (x: tf.Tensor, y: tf.Tensor) => (): tf.Scalar => {
    if (fast != null) return fast.objective(x, y);
    const prediction = model.apply(x, { training: true }) as tf.Tensor;
    const dataLoss = tf.mean(lossFunction(y, prediction));
    return tf.add(dataLoss, trainingPenalty(model)) as tf.Scalar;
  };

  const measure = async (epoch: number, epochStart: number, trainObjective: number | undefined): Promise<EpochRecord> => {
    random.install();
    let measured: Promise<EpochMeasurements>;
    try {
      measured = measureEpoch({ model, splits, loss: lossFunction, accuracy, meanAbsoluteError: loss.classification === false, batchSize: settings.evaluationBatchSize, normWeights: weightsForNorms });
    } finally {
      random.release();
    }
    const measurements = await measured;
    const record: EpochRecord = { epoch, ...measurements, seconds: (performance.now() - epochStart) / 1000 };
    if (trainObjective !== undefined) record.trainObjective = trainObjective;
    return record;
  };

  let stopReason: StopReason = 'epochs';
  let divergedAtEpoch: number | undefined;
  let lastEpoch = 0;
  try {
    for (let epoch = 1; epoch <= settings.epochs; epoch++) {
      const epochStart = performance.now();
      lastEpoch = epoch;
      // Σ n_b·objective_b over the epoch's batches, on the device (Keras's fit logs Σ n_b·loss_b / Σ n_b).
      let objectiveSum: tf.Scalar | null = null;
      let completedBatches = 0;
      let completedSamples = 0;
      let aborted = false;
      // The epoch's batches, cut with one split per tensor (not two slices per step).
      let split: { x: tf.Tensor[]; y: tf.Tensor[] } | null = null;
      random.install();
      try {
        if (batches > 1) {
          const order = settings.shuffle ? shuffler.permutation(samples) : null;
          split = tf.tidy(() => {
            const indices = order != null ? tf.tensor1d(order, 'int32') : null;
            const xs = indices != null ? tf.gather(data.train.x, indices) : data.train.x;
            const ys = indices != null ? tf.gather(data.train.y, indices) : data.train.y;
            return { x: tf.split(xs, batchSizes), y: tf.split(ys, batchSizes) };
          });
        }
        let lastYield = performance.now();
        for (let batch = 0; batch < batches; batch++) {
          if (options.signal?.aborted) {
            aborted = true;
            break;
          }
          const size = batchSizes[batch];
          const previousSum: tf.Scalar | null = objectiveSum;
          objectiveSum = tf.tidy(() => {
            const x = split == null ? data.train.x : split.x[batch];
            const y = split == null ? data.train.y : split.y[batch];
            let value: tf.Scalar;
            if (lean != null) {
              // Keras 3 order: gradients at the current weights, then the decoupled decay, then the update.
              // Dense stacks: the hand-written backward pass (no tape); others: tfjs's autodiff.
              const { value: objectiveValue, grads } = fast?.valueAndGradients != null ? fast.valueAndGradients(x, y) : tf.variableGrads(objective(x, y), variables);
              if (decay.active) decay.apply(lean.learningRate);
              lean.applyGradients(variables, variables.map((variable) => grads[variable.name]));
              value = objectiveValue;
            } else if (decay.active) {
              const tfjsOptimizer = optimizer as tf.Optimizer;
              value = decoupledStep(tfjsOptimizer, variables, objective(x, y), (rate) => decay.apply(rate), currentLearningRate(tfjsOptimizer));
            } else {
              value = (optimizer as tf.Optimizer).minimize(objective(x, y), true, variables) as tf.Scalar;
            }
            if (hasConstraints) applyConstraints(model);
            const weighted = tf.mul(value, batchWeights.of(size)) as tf.Scalar;
            return previousSum == null ? weighted : (tf.add(previousSum, weighted) as tf.Scalar);
          });
          if (previousSum != null) previousSum.dispose();
          completedBatches++;
          completedSamples += size;
          options.onBatchEnd?.({ epoch, batch, batches, size });
          if (settings.yieldEveryMs > 0 && performance.now() - lastYield >= settings.yieldEveryMs && batch < batches - 1) {
            random.release();
            await yieldToEventLoop();
            random.install();
            lastYield = performance.now();
          }
        }
      } finally {
        random.release();
        if (split) tf.dispose([...split.x, ...split.y]);
      }

      let trainObjective: number | undefined;
      if (objectiveSum != null) {
        const summed = objectiveSum as tf.Scalar;
        trainObjective = (await summed.data())[0] / completedSamples;
        summed.dispose();
      }
      options.onEpochTrained?.({ epoch, batches: completedBatches, seconds: (performance.now() - epochStart) / 1000, trainObjective });
      const diverged = trainObjective !== undefined && !Number.isFinite(trainObjective);
      const outOfTime = (performance.now() - started) / 1000 > settings.timeBudgetSeconds;
      if (aborted) {
        // Stopped mid-epoch: measure the weights as they are (a partial epoch), unless nothing changed since the last record.
        stopReason = 'aborted';
        const last = records[records.length - 1];
        if (!(completedBatches === 0 && last != null && last.epoch === epoch - 1)) records.push(await measure(epoch, epochStart, trainObjective));
        break;
      }
      const due = epoch % settings.evaluateEvery === 0 || epoch === settings.epochs || diverged || outOfTime || options.signal?.aborted === true;
      if (!due) continue;
      const record = await measure(epoch, epochStart, trainObjective);
      records.push(record);
      if (diverged || !Number.isFinite(record.train.loss)) {
        stopReason = 'diverged';
        divergedAtEpoch = epoch;
        break;
      }
      if (options.signal?.aborted) {
        stopReason = 'aborted';
        break;
      }
      const stopEarly = stopping != null && record.validation != null && stopping.update(epoch, record.validation.loss);
      let prune = options.shouldStop?.(record) === true;
      if ((await options.onEpochEnd?.(record)) === 'stop') prune = true;
      if (prune) {
        stopReason = 'pruned';
        break;
      }
      if (stopEarly) {
        stopReason = 'early_stopping';
        break;
      }
      if (outOfTime) {
        stopReason = 'time_budget';
        break;
      }
    }

    let bestEpoch = records.length > 0 ? records[records.length - 1].epoch : lastEpoch;
    let final = records[records.length - 1];
    if (stopping != null && stopping.restoreBestWeights && stopping.canRestore) {
      const bestRecord = records.find((record) => record.epoch === stopping.bestEpoch);
      if (bestRecord != null && stopping.bestEpoch !== final.epoch) {
        stopping.restore();
        bestEpoch = stopping.bestEpoch;
        final = bestRecord;
      }
    }
    const result: TrainResult = {
      status: RUN_STATUS_OF_STOP_REASON[stopReason],
      epochs: records,
      bestEpoch,
      final,
      backend: tf.getBackend(),
      trainingPath: fast != null ? 'lean' : 'general',
      seed: settings.seed,
      stopReason,
      optimizer: { ...optimizerConfig },
    };
    if (plan.reason !== undefined) result.generalPathReason = plan.reason;
    if (divergedAtEpoch !== undefined) {
      result.divergedAtEpoch = divergedAtEpoch;
      result.divergenceReason = divergenceReason(records, divergedAtEpoch);
    }
    if (atClipCeiling(final)) result.lossAtClipCeiling = true;
    if (decayed.length > 0) result.weightDecay = Object.fromEntries(decayed.map(({ name, rate }) => [name, rate]));
    return result;
  } finally {
    random.release();
    if (optimizer != null) disposeOptimizer(optimizer);
    lean?.dispose();
    fast?.dispose();
    decay.dispose();
    batchWeights.dispose();
    stopping?.dispose();
  }
}
