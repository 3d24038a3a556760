/**
 * Arguments of `train(model, data, options)`, their defaults and their validation.
 */
import * as tf from '@tensorflow/tfjs';
import { LayerwiseConfigError, describeValue } from '../errors/config-error';
import type { EarlyStoppingArgs } from './early-stopping';
import { rejectUnknownKeys } from './option-keys';
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

/**
 * Every key `train` accepts, with what it takes: unknown keys are errors naming the closest one,
 * and a key added to TrainOptions without an entry here does not compile.
 */
const TRAIN_OPTION_KINDS: { [K in keyof Required<TrainOptions>]: string } = {
  seed: 'an integer in [0, 4294967295]',
  epochs: 'an integer >= 1',
  batchSize: 'an integer >= 1',
  optimizer: 'an optimizer spec or name',
  loss: 'a loss name or a function (yTrue, yPred) => tensor',
  weightDecay: 'a number >= 0, or {weightName: rate}',
  earlyStopping: '{patience?, minDelta?, restoreBestWeights?, monitor?}',
  evaluateEvery: 'an integer >= 1',
  evaluationBatchSize: 'an integer >= 1',
  shuffle: 'true or false',
  accuracy: "'auto', 'binary', 'categorical', 'sparse' or 'none'",
  applyConstraints: 'true or false',
  timeBudgetSeconds: 'a number > 0',
  signal: 'an AbortSignal',
  shouldStop: 'a function (record) => boolean',
  onEpochEnd: 'a function (record) => void | "stop"',
  onEpochTrained: 'a function (info) => void',
  onBatchEnd: 'a function (info) => void',
  leanObjective: 'true or false',
  yieldEveryMs: 'a number >= 0',
};
export const TRAIN_OPTION_KEYS: readonly string[] = Object.keys(TRAIN_OPTION_KINDS);

const EARLY_STOPPING_KEYS: readonly (keyof EarlyStoppingArgs)[] = ['patience', 'minDelta', 'restoreBestWeights', 'monitor'];
const DATA_KEYS: readonly (keyof TrainData)[] = ['train', 'validation', 'test'];

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof tf.Tensor);
}

function expectKind(value: unknown, field: keyof TrainOptions, accepted: boolean): void {
  if (value !== undefined && !accepted) {
    throw new LayerwiseConfigError(`train.options.${field}`, `= ${describeValue(typeof value === 'function' ? '[function]' : value)}: expected ${TRAIN_OPTION_KINDS[field]}`);
  }
}

/** Type checks of the options that have no range to check (booleans, callbacks, the signal, weightDecay's shape). */
function checkOptionTypes(options: TrainOptions): void {
  for (const field of ['shuffle', 'applyConstraints', 'leanObjective'] as const) expectKind(options[field], field, typeof options[field] === 'boolean');
  for (const field of ['shouldStop', 'onEpochEnd', 'onEpochTrained', 'onBatchEnd'] as const) expectKind(options[field], field, typeof options[field] === 'function');
  expectKind(options.loss, 'loss', typeof options.loss === 'string' || typeof options.loss === 'function');
  const signal = options.signal as { aborted?: unknown; addEventListener?: unknown } | undefined;
  expectKind(signal, 'signal', signal != null && typeof signal.aborted === 'boolean' && typeof signal.addEventListener === 'function');
  const decay = options.weightDecay;
  expectKind(decay, 'weightDecay', (typeof decay === 'number' && Number.isFinite(decay) && decay >= 0) || isPlainObject(decay));
}

function checkEarlyStopping(args: unknown): void {
  const where = 'train.options.earlyStopping';
  if (!isPlainObject(args)) throw new LayerwiseConfigError(where, `= ${describeValue(args)}: expected ${TRAIN_OPTION_KINDS.earlyStopping}`);
  rejectUnknownKeys(args, EARLY_STOPPING_KEYS, where);
  const { patience, minDelta, restoreBestWeights, monitor } = args as EarlyStoppingArgs;
  if (patience !== undefined && !(typeof patience === 'number' && Number.isInteger(patience) && patience >= 0)) {
    throw new LayerwiseConfigError(`${where}.patience`, `= ${describeValue(patience)}: expected an integer >= 0`);
  }
  if (minDelta !== undefined && !(typeof minDelta === 'number' && Number.isFinite(minDelta))) {
    throw new LayerwiseConfigError(`${where}.minDelta`, `= ${describeValue(minDelta)}: expected a finite number (its absolute value is used, as Keras)`);
  }
  if (restoreBestWeights !== undefined && typeof restoreBestWeights !== 'boolean') {
    throw new LayerwiseConfigError(`${where}.restoreBestWeights`, `= ${describeValue(restoreBestWeights)}: expected true or false`);
  }
  if (monitor !== undefined && monitor !== 'val_loss') {
    throw new LayerwiseConfigError(`${where}.monitor`, `= ${describeValue(monitor)}: only 'val_loss' (the validation data loss) is monitored; leave it out or give 'val_loss'`);
  }
}

/** Validates data and options; fills in defaults. Throws LayerwiseConfigError naming the field. */
export function resolveTrainOptions(data: TrainData, options: TrainOptions): ResolvedTrainOptions {
  if (data == null || typeof data !== 'object') throw new LayerwiseConfigError('train.data', `= ${describeValue(data)}: expected {train: {x, y}, validation?, test?}`);
  if (options == null || typeof options !== 'object' || Array.isArray(options)) {
    throw new LayerwiseConfigError('train.options', `= ${describeValue(options)}: expected an object of options (${TRAIN_OPTION_KEYS.join(', ')})`);
  }
  rejectUnknownKeys(data, DATA_KEYS, 'train.data', 'split');
  rejectUnknownKeys(options, TRAIN_OPTION_KEYS, 'train.options');
  checkSplit(data.train, 'train', true);
  checkSplit(data.validation, 'validation', false);
  checkSplit(data.test, 'test', false);
  checkOptionTypes(options);
  const samples = data.train.x.shape[0];
  const seed = options.seed ?? 0;
  // Seeds are integers: 1.5 and 1 would otherwise seed differently-looking but undocumented streams.
  if (typeof seed !== 'number' || !Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new LayerwiseConfigError('train.options.seed', `= ${describeValue(seed)}: expected ${TRAIN_OPTION_KINDS.seed}`);
  }
  if (options.earlyStopping != null) {
    checkEarlyStopping(options.earlyStopping);
    if (data.validation == null) throw new LayerwiseConfigError('train.options.earlyStopping', 'needs data.validation: it monitors the validation data loss');
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
