/**
 * The regularization penalty of a model with Keras 3 semantics, as tensors, for training loops and
 * evaluation: `collectPenalties` summed per `layerName.slot` (see collect.ts for what it counts).
 *
 * Training step: call it right after `model.apply(x, {training: true})` inside the same
 * `optimizer.minimize` / `tf.variableGrads` closure. Evaluation: the same after the inference-mode
 * forward pass. Sample weights and loss weights never scale penalties (as in Keras).
 */
import * as tf from '@tensorflow/tfjs';
import { collectPenalties, type CollectPenaltiesOptions } from './collect';

/** Options of `regularizationPenalty`. */
export type RegularizationPenaltyOptions = CollectPenaltiesOptions;

/** The penalty and its parts, as scalars owned by the caller (or by the enclosing tidy). */
export interface RegularizationPenalty {
  /** Sum of every part; 0 when the model has no regularizer. */
  total: tf.Scalar;
  /** Keyed by `layerName.slot`: kernel, bias, recurrent, depthwise, pointwise, embeddings, gamma, beta, alpha, activity, other. */
  perLayer: Record<string, tf.Scalar>;
}

/** Computes the model's penalty (see the file comment for exactly what it contains). */
export function regularizationPenalty(model: tf.layers.Layer, options: RegularizationPenaltyOptions = {}): RegularizationPenalty {
  const parts = collectPenalties(model, options);
  return tf.tidy(() => {
    const grouped = new Map<string, tf.Scalar[]>();
    for (const part of parts) grouped.set(part.key, [...(grouped.get(part.key) ?? []), part.value]);
    const perLayer: Record<string, tf.Scalar> = {};
    for (const [key, values] of grouped) perLayer[key] = (values.length === 1 ? tf.clone(values[0]) : tf.addN(values)) as tf.Scalar;
    const all = Object.values(perLayer);
    const total = (all.length === 0 ? tf.scalar(0) : all.length === 1 ? tf.clone(all[0]) : tf.addN(all)) as tf.Scalar;
    tf.dispose(parts.map((part) => part.value));
    return { total, perLayer };
  });
}

/**
 * The scalars tfjs's `fit` / `trainOnBatch` / `fitDataset` should add to the loss, with Keras
 * counting (what `enableKerasSemantics()` installs as `calculateLosses`): each weight penalty once
 * per variable, frozen weights included as tfjs includes them (constants, no gradient), custom
 * `addLoss` losses once per call node, and the activity penalties of the step. The caller owns them.
 */
export function fitLosses(model: tf.layers.Layer): tf.Scalar[] {
  return collectPenalties(model, { includeFrozen: true }).map((part) => part.value);
}
