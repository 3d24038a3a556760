/**
 * The data loss of a training run: a name or a function, defaulting to the model's compiled loss.
 * Loss functions follow tfjs-layers' convention: `(yTrue, yPred)` → per-sample losses, which the
 * loop reduces with a mean per batch (training) or a sample-weighted sum (evaluation).
 */
import * as tf from '@tensorflow/tfjs';
import { LayerwiseConfigError, describeValue } from '../errors/config-error';

/** `(yTrue, yPred)` → per-sample (or per-element) losses. */
export type LossFunction = (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Tensor;

/** How predictions become class decisions for accuracy. */
export type AccuracyKind = 'binary' | 'categorical' | 'sparse' | 'none';

/** tfjs-layers' sparse categorical cross-entropy (tf.metrics lacks it): one-hot, then categorical. */
function sparseCategoricalCrossentropy(yTrue: tf.Tensor, yPred: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const classes = yPred.shape[yPred.rank - 1];
    const labels = tf.oneHot(tf.cast(tf.reshape(yTrue, [-1]), 'int32'), classes).reshape(yPred.shape);
    return tf.metrics.categoricalCrossentropy(labels, yPred);
  });
}

interface NamedLoss {
  fn: LossFunction;
  /** Whether the loss is a classification loss (accuracy is meaningful). */
  classification: boolean;
}

const LOSSES: Record<string, NamedLoss> = {
  meanSquaredError: { fn: tf.metrics.meanSquaredError, classification: false },
  meanAbsoluteError: { fn: tf.metrics.meanAbsoluteError, classification: false },
  meanAbsolutePercentageError: { fn: tf.metrics.meanAbsolutePercentageError, classification: false },
  binaryCrossentropy: { fn: tf.metrics.binaryCrossentropy, classification: true },
  categoricalCrossentropy: { fn: tf.metrics.categoricalCrossentropy, classification: true },
  sparseCategoricalCrossentropy: { fn: sparseCategoricalCrossentropy, classification: true },
};

/** Other spellings: tfjs compile strings and Keras names. */
const ALIASES: Record<string, string> = {
  mse: 'meanSquaredError',
  MSE: 'meanSquaredError',
  mean_squared_error: 'meanSquaredError',
  mae: 'meanAbsoluteError',
  MAE: 'meanAbsoluteError',
  mean_absolute_error: 'meanAbsoluteError',
  mape: 'meanAbsolutePercentageError',
  MAPE: 'meanAbsolutePercentageError',
  mean_absolute_percentage_error: 'meanAbsolutePercentageError',
  binary_crossentropy: 'binaryCrossentropy',
  categorical_crossentropy: 'categoricalCrossentropy',
  sparse_categorical_crossentropy: 'sparseCategoricalCrossentropy',
};

/** Loss names `train` resolves. */
export const TRAIN_LOSS_NAMES: readonly string[] = [...Object.keys(LOSSES), ...Object.keys(ALIASES)];

/** A resolved loss: the function and, when known, whether it is a classification loss. */
export interface ResolvedLoss {
  fn: LossFunction;
  /** Canonical name when the loss was given (or compiled) by name. */
  name?: string;
  /** true / false for known names; undefined for custom functions (decided from shapes). */
  classification?: boolean;
}

function byName(name: string, field: string): ResolvedLoss {
  const canonical = LOSSES[name] != null ? name : ALIASES[name];
  const entry = canonical != null ? LOSSES[canonical] : undefined;
  if (canonical == null || entry == null) {
    throw new LayerwiseConfigError(field, `= ${describeValue(name)}: unknown loss; expected a function (yTrue, yPred) => per-sample losses or one of ${TRAIN_LOSS_NAMES.join(', ')}`);
  }
  return { fn: entry.fn, name: canonical, classification: entry.classification };
}

/** Resolves `options.loss`; without it, the loss the model was compiled with (single output only). */
export function resolveLoss(model: tf.LayersModel, loss: string | LossFunction | undefined, field = 'train.options.loss'): ResolvedLoss {
  if (typeof loss === 'function') return { fn: loss };
  if (typeof loss === 'string') return byName(loss, field);
  if (loss != null) throw new LayerwiseConfigError(field, `= ${describeValue(loss)}: expected a loss name or a function`);
  const compiled = model as unknown as { loss?: unknown; lossFunctions?: LossFunction[] };
  if (typeof compiled.loss === 'string') return byName(compiled.loss, field);
  if (Array.isArray(compiled.loss) && compiled.loss.length === 1 && typeof compiled.loss[0] === 'string') return byName(compiled.loss[0], field);
  const functions = compiled.lossFunctions;
  if (functions == null || functions.length === 0) {
    throw new LayerwiseConfigError(field, 'is missing and the model is not compiled: pass options.loss (e.g. "categoricalCrossentropy") or compile the model');
  }
  if (functions.length > 1) throw new LayerwiseConfigError('train', `supports single-output models; this model has ${functions.length} outputs`);
  return { fn: functions[0] };
}

/**
 * How accuracy is computed, from the loss and the shapes:
 *  - regression losses (MSE, MAE, MAPE): none;
 *  - one output unit: binary (threshold 0.5) for classification losses, none for custom losses;
 *  - several output units: categorical (argmax vs argmax) when y has the same last dimension,
 *    sparse (argmax vs integer label) when y is a vector or has last dimension 1.
 */
export function detectAccuracyKind(loss: ResolvedLoss, yShape: readonly number[], outputShape: readonly (number | null)[]): AccuracyKind {
  if (loss.classification === false) return 'none';
  const units = outputShape.length <= 1 ? 1 : (outputShape[outputShape.length - 1] ?? 1);
  if (units === 1) return loss.classification === true ? 'binary' : 'none';
  const labelUnits = yShape.length <= 1 ? 1 : yShape[yShape.length - 1];
  if (labelUnits === units) return 'categorical';
  if (labelUnits === 1) return 'sparse';
  return 'none';
}

/** Number of correct predictions in a batch, as a float32 scalar on the device (no read-back). */
export function correctCount(kind: AccuracyKind, yTrue: tf.Tensor, yPred: tf.Tensor): tf.Scalar | null {
  if (kind === 'none') return null;
  return tf.tidy(() => {
    let hits: tf.Tensor;
    if (kind === 'binary') {
      const predicted = tf.greater(tf.reshape(yPred, [-1]), 0.5);
      const actual = tf.greater(tf.reshape(yTrue, [-1]), 0.5);
      hits = tf.equal(predicted, actual);
    } else if (kind === 'categorical') {
      hits = tf.equal(tf.argMax(yPred, -1), tf.argMax(yTrue, -1));
    } else {
      hits = tf.equal(tf.argMax(yPred, -1), tf.cast(tf.reshape(yTrue, [-1]), 'int32'));
    }
    return tf.sum(tf.cast(hits, 'float32')) as tf.Scalar;
  });
}
