/**
 * The measurements of one epoch, computed on the device and read back to JS in ONE transfer:
 * for each split, the mean DATA loss in inference mode (dropout off, batch-norm moving statistics,
 * no penalty; the train split too, never the running average of training batches) and accuracy
 * (classification) or mean absolute error (regression);
 * the penalty (weight penalties with the current weights + activity penalties of the train split
 * in inference mode, each batch's activity penalty weighted by its size, like Keras's evaluate);
 * and the L2 norm of every weight.
 */
import * as tf from '@tensorflow/tfjs';
import type { LayerVariable } from '@tensorflow/tfjs-layers/dist/variables';
import type { EpochRecord, SplitMetrics, SplitName } from './record';
import { AccuracyKind, LossFunction, correctCount } from './loss-function';
import { clearActivityPenalties } from '../penalty';
import { activityPenaltyParts, weightPenaltyParts } from './penalty';

/** Inputs and targets of one split. */
export interface SplitData {
  x: tf.Tensor;
  y: tf.Tensor;
}

/** Arguments of `measureEpoch`. */
export interface MeasureEpochArgs {
  model: tf.LayersModel;
  splits: Partial<Record<SplitName, SplitData>>;
  loss: LossFunction;
  accuracy: AccuracyKind;
  /** Also measure the mean absolute error (regression losses). Default false. */
  meanAbsoluteError?: boolean;
  /** Samples per inference batch. */
  batchSize: number;
  /** Weights whose norms are recorded, keyed `layer/weight`. */
  normWeights: ReadonlyArray<readonly [string, LayerVariable]>;
}

/** Everything of an EpochRecord except `epoch` and `seconds`. */
export type EpochMeasurements = Omit<EpochRecord, 'epoch' | 'seconds'>;

interface SplitTensors {
  lossSum: tf.Scalar;
  correct: tf.Scalar | null;
  /** Sum over samples of the per-sample mean absolute error, when asked for. */
  absoluteErrorSum: tf.Scalar | null;
  activity: Map<string, tf.Scalar>;
}

function accumulate(current: tf.Scalar | null, addition: tf.Scalar): tf.Scalar {
  return current == null ? addition : (tf.add(current, addition) as tf.Scalar);
}

/** Sums over one split, in batches of `batchSize`, on the device. Call inside a tidy. */
function splitSums(model: tf.LayersModel, data: SplitData, args: MeasureEpochArgs, withActivity: boolean): SplitTensors {
  const count = data.x.shape[0];
  let lossSum: tf.Scalar | null = null;
  let correct: tf.Scalar | null = null;
  let absoluteErrorSum: tf.Scalar | null = null;
  const activity = new Map<string, tf.Scalar>();
  for (let start = 0; start < count; start += args.batchSize) {
    const size = Math.min(args.batchSize, count - start);
    const whole = start === 0 && size === count;
    const xBatch = whole ? data.x : tf.slice(data.x, start, size);
    const yBatch = whole ? data.y : tf.slice(data.y, start, size);
    const prediction = model.apply(xBatch, { training: false }) as tf.Tensor;
    lossSum = accumulate(lossSum, tf.mul(tf.mean(args.loss(yBatch, prediction)), size) as tf.Scalar);
    const hits = correctCount(args.accuracy, yBatch, prediction);
    if (hits != null) correct = accumulate(correct, hits);
    if (args.meanAbsoluteError === true) {
      absoluteErrorSum = accumulate(absoluteErrorSum, tf.mul(tf.mean(tf.abs(tf.sub(prediction, tf.reshape(yBatch, prediction.shape)))), size) as tf.Scalar);
    }
    if (withActivity) {
      for (const [key, value] of Object.entries(activityPenaltyParts(model))) {
        activity.set(key, accumulate(activity.get(key) ?? null, tf.mul(value, size) as tf.Scalar));
      }
    }
    // Every batch of the measurement runs in one outer scope, which lib/activity counts as one pass:
    // without this, batch b would read the penalties of batches 1..b (the sum grew with the number of batches).
    clearActivityPenalties(model);
  }
  return { lossSum: lossSum as tf.Scalar, correct, absoluteErrorSum, activity };
}

/** Measures the model on every given split; resolves to plain numbers (one device read). */
export async function measureEpoch(args: MeasureEpochArgs): Promise<EpochMeasurements> {
  const names: string[] = [];
  const stacked = tf.tidy(() => {
    const values: tf.Scalar[] = [];
    const push = (name: string, value: tf.Scalar): void => {
      names.push(name);
      values.push(tf.reshape(value, []) as tf.Scalar);
    };
    for (const split of ['train', 'validation', 'test'] as const) {
      const data = args.splits[split];
      if (data == null) continue;
      const count = data.x.shape[0];
      const sums = splitSums(args.model, data, args, split === 'train');
      push(`${split}.loss`, tf.div(sums.lossSum, count) as tf.Scalar);
      if (sums.correct != null) push(`${split}.accuracy`, tf.div(sums.correct, count) as tf.Scalar);
      if (sums.absoluteErrorSum != null) push(`${split}.meanAbsoluteError`, tf.div(sums.absoluteErrorSum, count) as tf.Scalar);
      for (const [key, value] of sums.activity) push(`penalty:${key}`, tf.div(value, count) as tf.Scalar);
    }
    for (const [key, value] of Object.entries(weightPenaltyParts(args.model))) push(`penalty:${key}`, value);
    for (const [key, variable] of args.normWeights) push(`norm:${key}`, tf.norm(variable.read()) as tf.Scalar);
    return values.length === 0 ? tf.zeros([0]) : tf.stack(values);
  });
  const read = await stacked.data();
  stacked.dispose();

  const splits: Partial<Record<SplitName, SplitMetrics>> = {};
  const penaltyPerLayer: Record<string, number> = {};
  const weightNorms: Record<string, number> = {};
  names.forEach((name, index) => {
    const value = read[index];
    if (name.startsWith('penalty:')) {
      const key = name.slice('penalty:'.length);
      penaltyPerLayer[key] = (penaltyPerLayer[key] ?? 0) + value;
    } else if (name.startsWith('norm:')) {
      weightNorms[name.slice('norm:'.length)] = value;
    } else {
      const [split, metric] = name.split('.') as [SplitName, 'loss' | 'accuracy' | 'meanAbsoluteError'];
      const metrics = (splits[split] ??= { loss: NaN });
      metrics[metric] = value;
    }
  });
  const penalty = Object.values(penaltyPerLayer).reduce((sum, value) => sum + value, 0);
  const measured: EpochMeasurements = {
    train: splits.train as SplitMetrics,
    penalty,
    penaltyPerLayer,
    weightNorms,
  };
  if (splits.validation) measured.validation = splits.validation;
  if (splits.test) {
    measured.test = splits.test;
    measured.lossGap = splits.test.loss - measured.train.loss;
    if (splits.test.accuracy != null && measured.train.accuracy != null) measured.accuracyGap = measured.train.accuracy - splits.test.accuracy;
  }
  return measured;
}

/** The weights whose norms are recorded: every weight of the model except batch-norm moving statistics, keyed by `originalName`. */
export function normWeights(model: tf.LayersModel): Array<[string, LayerVariable]> {
  const seen = new Set<LayerVariable>();
  const entries: Array<[string, LayerVariable]> = [];
  const used = new Set<string>();
  for (const weight of model.weights) {
    if (seen.has(weight) || /moving_(mean|variance)$/.test(weight.originalName)) continue;
    seen.add(weight);
    let key = weight.originalName;
    for (let suffix = 2; used.has(key); suffix++) key = `${weight.originalName}#${suffix}`;
    used.add(key);
    entries.push([key, weight]);
  }
  return entries;
}
