/**
 * The one place the training loop asks for regularization penalties (lib/penalty, Keras 3
 * semantics: weight penalties once per trainable variable, plus the activity penalties of the
 * latest `model.apply` call in the current scope).
 */
import * as tf from '@tensorflow/tfjs';
import { carryActivityRegularizers, regularizationPenalty } from '../penalty';

/** Makes every layer with an activity regularizer carry it (per instance), before the first forward pass. */
export function preparePenalties(model: tf.LayersModel): void {
  carryActivityRegularizers(model);
}

/** The penalty to add to the optimized loss. Call inside the gradient tape right after `model.apply(x, {training: true})`. */
export function trainingPenalty(model: tf.LayersModel): tf.Scalar {
  // The per-layer parts are left to the enclosing tidy: disposing them inside the tape is not needed.
  return regularizationPenalty(model).total;
}

/** Weight penalties (and custom `addLoss` losses) per `layerName.slot` with the current weights (no activity part). Tensors owned by the caller. */
export function weightPenaltyParts(model: tf.LayersModel): Record<string, tf.Scalar> {
  const { total, perLayer } = regularizationPenalty(model, { activity: false });
  total.dispose();
  return perLayer;
}

/** Activity penalties per `layerName.activity` of the latest `model.apply` call in the current scope. */
export function activityPenaltyParts(model: tf.LayersModel): Record<string, tf.Scalar> {
  const { total, perLayer } = regularizationPenalty(model, { weights: false, custom: false });
  total.dispose();
  return perLayer;
}
