/**
 * `lossBreakdown(model, x, y)`: the data loss, the penalty and its parts, and their sum, as plain
 * numbers, computed the way Keras 3 computes `evaluate()` / `val_loss`.
 *
 * What each number contains:
 *  - `dataLoss`: the model's compiled loss (or `options.loss`) on (x, y), model in inference mode
 *    (`training: false`: dropout off, batch-norm moving statistics), averaged over every sample.
 *    Computed in batches of `batchSize`; each batch mean is weighted by its size, so the value does
 *    not depend on `batchSize`. No penalty. This is what tfjs's `evaluate()` and `val_loss` report,
 *    and the number the generalization-gap report compares.
 *  - `perLayer`: `layerName.slot` -> penalty. Weight slots (kernel, bias, recurrent, depthwise,
 *    pointwise, embeddings, gamma, beta, alpha): `regularizer(variable)` with the current weights,
 *    each variable once, trainable variables only unless `includeFrozen` (see regularizationPenalty).
 *    `layerName.activity`: the activity penalties of the inference-mode calls on these samples
 *    (each divided by its batch size), averaged over batches weighted by batch size, like Keras.
 *  - `penalty`: the sum of `perLayer`.
 *  - `total`: `dataLoss + penalty`, which is Keras 3's `evaluate()` loss / `val_loss`.
 * The penalties come from lib/penalty (the one place that computes them). Every layer of the model
 * with an activity regularizer is made to carry it first (`carryActivityRegularizers`, per
 * instance), so a model built with `tf.layers.*` or loaded with `tf.loadLayersModel` works too.
 * tfjs's `fit` `loss` is per batch `mean data loss (training mode) + penalty`; plain tfjs's penalty
 * counts a shared layer once per call and drops RNN penalties unless forwarded, which
 * `enableKerasSemantics()` (lib/tfjs-compat) corrects. tfjs's `evaluate()` and `val_loss` equal
 * `dataLoss` here (up to tfjs's own batching).
 */
import * as tf from '@tensorflow/tfjs';
import { LayerwiseConfigError } from '../errors/config-error';
import { carryActivityRegularizers, regularizationPenalty } from '../penalty';

/** A loss function as tfjs uses them: per-sample (or per-element) losses, reduced with a mean. */
export type LossFunction = (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Tensor;

/** Options of `lossBreakdown`. */
export interface LossBreakdownOptions {
  /**
   * The data loss: a tfjs loss function or one of the names listed in `LOSS_NAMES`
   * (`'meanSquaredError'`, `'categoricalCrossentropy'`, ...). Default: the loss the model was compiled with.
   */
  loss?: string | LossFunction;
  /** Samples per inference batch. Default 32, like `model.evaluate`. */
  batchSize?: number;
  /** Count penalties of frozen (non-trainable) weights too, as tfjs does. Default false (Keras 3). */
  includeFrozen?: boolean;
}

/** Plain numbers; see the file comment for exactly what each contains. */
export interface LossBreakdown {
  dataLoss: number;
  penalty: number;
  total: number;
  perLayer: Record<string, number>;
}

/** tfjs-layers' sparse categorical cross-entropy (not exported by tf.metrics): one-hot, then categorical. */
function sparseCategoricalCrossentropy(yTrue: tf.Tensor, yPred: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const classes = yPred.shape[yPred.rank - 1];
    const labels = tf.oneHot(tf.cast(tf.reshape(yTrue, [-1]), 'int32'), classes).reshape(yPred.shape);
    return tf.metrics.categoricalCrossentropy(labels, yPred);
  });
}

const LOSSES: Record<string, LossFunction> = {
  meanSquaredError: tf.metrics.meanSquaredError,
  mse: tf.metrics.meanSquaredError,
  MSE: tf.metrics.meanSquaredError,
  meanAbsoluteError: tf.metrics.meanAbsoluteError,
  mae: tf.metrics.meanAbsoluteError,
  MAE: tf.metrics.meanAbsoluteError,
  meanAbsolutePercentageError: tf.metrics.meanAbsolutePercentageError,
  mape: tf.metrics.meanAbsolutePercentageError,
  MAPE: tf.metrics.meanAbsolutePercentageError,
  binaryCrossentropy: tf.metrics.binaryCrossentropy,
  categoricalCrossentropy: tf.metrics.categoricalCrossentropy,
  sparseCategoricalCrossentropy,
  cosineProximity: tf.metrics.cosineProximity,
};

/** Loss names `lossBreakdown` resolves. */
export const LOSS_NAMES: readonly string[] = Object.keys(LOSSES);

function resolveLoss(model: tf.LayersModel, loss: LossBreakdownOptions['loss']): LossFunction {
  if (typeof loss === 'function') return loss;
  if (typeof loss === 'string') {
    const resolved = LOSSES[loss];
    if (resolved == null) {
      throw new LayerwiseConfigError('lossBreakdown.options.loss', `= ${JSON.stringify(loss)}: unknown loss; expected a function or one of ${LOSS_NAMES.join(', ')}`);
    }
    return resolved;
  }
  const compiled = model as unknown as { lossFunctions?: LossFunction[]; model?: { lossFunctions?: LossFunction[] } };
  const functions = compiled.lossFunctions ?? compiled.model?.lossFunctions;
  if (functions == null || functions.length === 0) {
    throw new LayerwiseConfigError('lossBreakdown.options.loss', 'is missing and the model is not compiled: compile the model or pass options.loss');
  }
  if (functions.length > 1) {
    throw new LayerwiseConfigError('lossBreakdown', `supports single-output models; this model has ${functions.length} outputs`);
  }
  return functions[0];
}

/** Data loss, penalty per layer and slot, and Keras's total for (x, y). Resolves to plain numbers. */
export async function lossBreakdown(
  model: tf.LayersModel,
  x: tf.Tensor,
  y: tf.Tensor,
  options: LossBreakdownOptions = {},
): Promise<LossBreakdown> {
  const lossFunction = resolveLoss(model, options.loss);
  const batchSize = options.batchSize ?? 32;
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new LayerwiseConfigError('lossBreakdown.options.batchSize', `= ${batchSize}: expected an integer >= 1`);
  }
  const sampleCount = x.shape[0];
  if (sampleCount !== y.shape[0]) {
    throw new LayerwiseConfigError('lossBreakdown', `x has ${sampleCount} samples but y has ${y.shape[0]}`);
  }
  if (sampleCount === 0) throw new LayerwiseConfigError('lossBreakdown.x', 'has no samples');

  carryActivityRegularizers(model);
  const perLayer: Record<string, number> = {};
  const addTo = (key: string, value: number): void => {
    perLayer[key] = (perLayer[key] ?? 0) + value;
  };
  const weightPenalty = regularizationPenalty(model, { activity: false, includeFrozen: options.includeFrozen });
  for (const [key, value] of Object.entries(weightPenalty.perLayer)) addTo(key, (await value.data())[0]);
  tf.dispose([weightPenalty.total, ...Object.values(weightPenalty.perLayer)]);

  let weightedDataLoss = 0;
  for (let start = 0; start < sampleCount; start += batchSize) {
    const size = Math.min(batchSize, sampleCount - start);
    const batch = tf.tidy(() => {
      const xBatch = x.slice(start, size);
      const yBatch = y.slice(start, size);
      const prediction = model.apply(xBatch, { training: false }) as tf.Tensor;
      const dataLoss = tf.mean(lossFunction(yBatch, prediction));
      const activity = regularizationPenalty(model, { weights: false, custom: false }).perLayer;
      return { dataLoss, activity };
    });
    weightedDataLoss += size * (await batch.dataLoss.data())[0];
    for (const [key, value] of Object.entries(batch.activity)) addTo(key, (size * (await value.data())[0]) / sampleCount);
    tf.dispose([batch.dataLoss, ...Object.values(batch.activity)]);
  }
  const dataLoss = weightedDataLoss / sampleCount;
  const penalty = Object.values(perLayer).reduce((sum, value) => sum + value, 0);
  return { dataLoss, penalty, total: dataLoss + penalty, perLayer };
}
