/**
 * Arguments of `train(model, data, options)`, their defaults and their validation.
 */
import * as tf from '@tensorflow/tfjs';
import { LayerwiseConfigError, describeValue } from '../errors/config-error';
import type { EarlyStoppingArgs } from './early-stopping';
import type { AccuracyKind, LossFunction } from './loss-function';
import type { OptimizerName, OptimizerSpec } from './optimizer-spec';
import type { EpochRecord, SplitName } from './record';
import type { WeightDecaySetting } from './weight-decay';

/** Inputs and targets of one split. The caller owns the tensors (train never disposes them). */
export interface SplitTensors {
  x: tf.Tensor;
  y: tf.Tensor;
}

/** The data of a run. `train` is optimized; `validation` drives early stopping; `test` is only measured. */
export interface TrainData {
  train: SplitTensors;
  validation?: SplitTensors;
  test?: SplitTensors;
}

/** What `onBatchEnd` receives. No loss value: reading one back per batch would stall the device. */
export interface BatchInfo {
  /** 1-based epoch. */
  epoch: number;
  /** 0-based batch index within the epoch. */
  batch: number;
  /** Batches in this epoch. */
  batches: number;
  /** Samples in this batch. */
  size: number;
}

/** What `onEpochTrained` receives: the training part of an epoch, before any measurement. */
export interface EpochTrainedInfo {
  /** 1-based epoch. */
  epoch: number;
  /** Optimizer steps taken in this epoch. */
  batches: number;
  /** Wall-clock seconds of the epoch's training steps (shuffle included, measurement excluded). */
  seconds: number;
  /** Batch-size-weighted mean of the optimized objective over the epoch's batches (see EpochRecord.trainObjective); undefined when no step ran. */
  trainObjective?: number;
}

/** Answer of an `onEpochEnd` handler: `'stop'` ends the run with status 'pruned'. */
export type EpochEndAnswer = void | 'stop' | undefined;

/** Options of `train`. */
export interface TrainOptions {
  /**
   * The run's seed: per-epoch shuffling, dropout masks (fresh each step), noise layers and any
   * other `Math.random` use during training. Initialization happens when the model is BUILT
   * (seed the builder). Default 0.
   */
  seed?: number;
  /** Epoch budget: the most epochs to train. Default 1 (Keras `fit`). */
  epochs?: number;
  /** Samples per optimizer step. Default: full batch (also when >= the number of training samples). */
  batchSize?: number;
  /** Optimizer spec (plain data; the loop creates and disposes the tfjs optimizer). Default `{name: 'adam'}` (lr 0.001). */
  optimizer?: OptimizerSpec | OptimizerName;
  /** Data loss: a name (`'categoricalCrossentropy'`, `'binaryCrossentropy'`, `'meanSquaredError'`, ...) or a function. Default: the model's compiled loss. */
  loss?: string | LossFunction;
  /**
   * Decoupled weight decay (AdamW/SGDW, Keras 3 `weight_decay`): a rate for every kernel (biases and
   * normalization parameters excluded), or a rate per weight `originalName` as `lib/policy`'s
   * `weightDecayRates` yields. Default none. Never part of the loss or the penalty.
   */
  weightDecay?: WeightDecaySetting;
  /** Early stopping on the validation data loss (requires `data.validation`). Default off. */
  earlyStopping?: EarlyStoppingArgs;
  /** Measure (and record) every k-th epoch; the last epoch is always measured. Default 1. */
  evaluateEvery?: number;
  /** Samples per inference batch when measuring. Default 2048. */
  evaluationBatchSize?: number;
  /** Shuffle the training samples every epoch (seeded). Default true. */
  shuffle?: boolean;
  /** Accuracy: how predictions become classes. Default 'auto' (from the loss and shapes; see detectAccuracyKind). */
  accuracy?: AccuracyKind | 'auto';
  /** Apply layer constraints (`kernelConstraint`, ...) after every update, as Keras does (tfjs's fit never does). Default true. */
  applyConstraints?: boolean;
  /** Wall-clock budget in seconds; when exceeded at an epoch end, status 'stopped_early' (stopReason 'time_budget'). Default none. */
  timeBudgetSeconds?: number;
  /** Aborts the run between batches (sweep pruning, timeouts): status 'pruned', stopReason 'aborted'. */
  signal?: AbortSignal;
  /** Pruning hook, called with each measured epoch; true ends the run with status 'pruned'. */
  shouldStop?: (record: EpochRecord) => boolean;
  /** Called with each measured epoch; returning (or resolving to) 'stop' ends the run with status 'pruned'. */
  onEpochEnd?: (record: EpochRecord) => EpochEndAnswer | Promise<EpochEndAnswer>;
  /** Called after the training steps of EVERY epoch (measured or not), before measuring: progress and timing. */
  onEpochTrained?: (info: EpochTrainedInfo) => void;
  /** Called after each optimizer step, synchronously. Keep it cheap. */
  onBatchEnd?: (info: BatchInfo) => void;
  /**
   * Use the lean objective for Sequential stacks of Dense / Conv2D / MaxPooling2D / Flatten (direct
   * ops, fused ReLU and softmax-cross-entropy gradients, cheap L2 penalties; see lib/train/fast-objective):
   * the same function with far fewer kernel calls. Other models always use `model.apply`. Default true.
   */
  leanObjective?: boolean;
  /** How often (ms) an epoch yields to the event loop so an AbortSignal or timers can fire. Default 100. */
  yieldEveryMs?: number;
}

/** Options with defaults filled in (callbacks stay optional). */
export interface ResolvedTrainOptions {
  seed: number;
  epochs: number;
  batchSize: number;
  optimizer: OptimizerSpec | OptimizerName;
  evaluateEvery: number;
  evaluationBatchSize: number;
  shuffle: boolean;
  applyConstraints: boolean;
  yieldEveryMs: number;
  timeBudgetSeconds: number;
}

function positiveInteger(value: unknown, field: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new LayerwiseConfigError(`train.options.${field}`, `= ${describeValue(value)}: expected an integer >= 1`);
  }
  return value;
}

function nonNegative(value: unknown, field: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || Number.isNaN(value) || value < 0) {
    throw new LayerwiseConfigError(`train.options.${field}`, `= ${describeValue(value)}: expected a number >= 0`);
  }
  return value;
}

function checkSplit(split: SplitTensors | undefined, name: SplitName, required: boolean): void {
  if (split == null) {
    if (required) throw new LayerwiseConfigError(`train.data.${name}`, 'is missing: expected {x, y} tensors');
    return;
  }
  if (!(split.x instanceof tf.Tensor) || !(split.y instanceof tf.Tensor)) {
    throw new LayerwiseConfigError(`train.data.${name}`, 'must be {x: tf.Tensor, y: tf.Tensor}');
  }
  if (split.x.isDisposed || split.y.isDisposed) throw new LayerwiseConfigError(`train.data.${name}`, 'holds a disposed tensor');
  if (split.x.shape[0] !== split.y.shape[0]) {
    throw new LayerwiseConfigError(`train.data.${name}`, `x has ${split.x.shape[0]} samples but y has ${split.y.shape[0]}`);
  }
  if (split.x.shape[0] === 0) throw new LayerwiseConfigError(`train.data.${name}.x`, 'has no samples');
}

/** Validates data and options; fills in defaults. Throws LayerwiseConfigError naming the field. */
export function resolveTrainOptions(data: TrainData, options: TrainOptions): ResolvedTrainOptions {
  if (data == null || typeof data !== 'object') throw new LayerwiseConfigError('train.data', `= ${describeValue(data)}: expected {train: {x, y}, validation?, test?}`);
  checkSplit(data.train, 'train', true);
  checkSplit(data.validation, 'validation', false);
  checkSplit(data.test, 'test', false);
  const samples = data.train.x.shape[0];
  const seed = options.seed ?? 0;
  if (typeof seed !== 'number' || !Number.isFinite(seed)) throw new LayerwiseConfigError('train.options.seed', `= ${describeValue(seed)}: expected a finite number`);
  if (options.earlyStopping != null) {
    if (data.validation == null) throw new LayerwiseConfigError('train.options.earlyStopping', 'needs data.validation: it monitors the validation data loss');
    const patience = options.earlyStopping.patience;
    if (patience !== undefined && !(typeof patience === 'number' && Number.isInteger(patience) && patience >= 0)) {
      throw new LayerwiseConfigError('train.options.earlyStopping.patience', `= ${describeValue(patience)}: expected an integer >= 0`);
    }
    nonNegative(Math.abs(options.earlyStopping.minDelta ?? 0), 'earlyStopping.minDelta', 0);
  }
  if (options.accuracy != null && !['auto', 'binary', 'categorical', 'sparse', 'none'].includes(options.accuracy)) {
    throw new LayerwiseConfigError('train.options.accuracy', `= ${describeValue(options.accuracy)}: expected one of auto, binary, categorical, sparse, none`);
  }
  const timeBudget = options.timeBudgetSeconds;
  if (timeBudget !== undefined && !(typeof timeBudget === 'number' && timeBudget > 0)) {
    throw new LayerwiseConfigError('train.options.timeBudgetSeconds', `= ${describeValue(timeBudget)}: expected a number > 0`);
  }
  return {
    seed,
    epochs: positiveInteger(options.epochs, 'epochs', 1),
    batchSize: Math.min(positiveInteger(options.batchSize, 'batchSize', samples), samples),
    optimizer: options.optimizer ?? { name: 'adam' },
    evaluateEvery: positiveInteger(options.evaluateEvery, 'evaluateEvery', 1),
    evaluationBatchSize: positiveInteger(options.evaluationBatchSize, 'evaluationBatchSize', 2048),
    shuffle: options.shuffle ?? true,
    applyConstraints: options.applyConstraints ?? true,
    yieldEveryMs: nonNegative(options.yieldEveryMs, 'yieldEveryMs', 100),
    timeBudgetSeconds: timeBudget ?? Infinity,
  };
}
