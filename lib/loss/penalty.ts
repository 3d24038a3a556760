/**
 * The regularization penalty of a model with Keras 3 semantics, as tensors, for training loops.
 *
 * Contents:
 *  - weight penalties: `regularizer(variable)` for each regularized variable inside the model,
 *    counted ONCE per variable (shared layers and sub-models included), including RNN kernel /
 *    recurrent / bias penalties that tfjs drops. Only variables the optimizer trains are counted
 *    by default, as in Keras 3 (`Layer._get_regularization_losses` iterates `trainable_weights`);
 *    tfjs and tf.keras also count frozen layers' penalties (constant, no gradient). Pass
 *    `includeFrozen: true` for that.
 *  - activity penalties of the model's current call: one per layer call and output, each divided
 *    by that output's batch size (see lib/activity). "Current call" = calls made inside the
 *    enclosing tf.tidy / gradient scope, so call this right after `model.apply(x, {training: true})`
 *    inside the same `optimizer.minimize` / `tf.variableGrads` closure.
 * Not included: sample weights and loss weights never scale penalties (as in Keras); losses a
 * custom layer adds with `addLoss` are included only as `layerName.other` when the layer has no
 * slot we recognize.
 */
import * as tf from '@tensorflow/tfjs';
import { regularizedWeights } from '../layers/slots';
import { allLayers } from '../layers/walk';
import { livePenalties } from '../activity/records';

/** Options of `regularizationPenalty`. */
export interface RegularizationPenaltyOptions {
  /** Also count penalties of non-trainable (frozen) weights, as tfjs and tf.keras do. Default false (Keras 3). */
  includeFrozen?: boolean;
  /** Include weight penalties. Default true. */
  weights?: boolean;
  /** Include the activity penalties of the current call. Default true. */
  activity?: boolean;
}

/** The penalty and its parts, as scalars owned by the caller (or by the enclosing tidy). */
export interface RegularizationPenalty {
  /** Sum of every part; 0 when the model has no regularizer. */
  total: tf.Scalar;
  /** Keyed by `layerName.slot`: kernel, bias, recurrent, depthwise, pointwise, embeddings, gamma, beta, alpha, activity. */
  perLayer: Record<string, tf.Scalar>;
}

const KNOWN_SLOT_CLASSES = /Dense|Conv|Embedding|RNN|LSTM|GRU|Normalization|PReLU|Bidirectional|TimeDistributed|Cell/;

/** Computes the model's penalty (see the file comment for exactly what it contains). */
export function regularizationPenalty(model: tf.layers.Layer, options: RegularizationPenaltyOptions = {}): RegularizationPenalty {
  const includeWeights = options.weights ?? true;
  const includeActivity = options.activity ?? true;
  return tf.tidy(() => {
    const parts = new Map<string, tf.Scalar[]>();
    const add = (key: string, value: tf.Scalar): void => {
      const list = parts.get(key) ?? [];
      list.push(value);
      parts.set(key, list);
    };
    if (includeWeights) {
      for (const weight of regularizedWeights(model)) {
        if (!weight.trainable && !options.includeFrozen) continue;
        add(weight.key, tf.reshape(weight.regularizer.apply(weight.variable.read()), []) as tf.Scalar);
      }
      for (const layer of allLayers(model)) {
        // Losses a custom layer registered itself, which we cannot attribute to a slot.
        if (KNOWN_SLOT_CLASSES.test(layer.getClassName()) || (layer as { layers?: unknown }).layers != null) continue;
        for (const loss of layer.calculateLosses()) add(`${layer.name}.other`, tf.reshape(loss, []) as tf.Scalar);
      }
    }
    if (includeActivity) {
      for (const layer of allLayers(model)) {
        for (const penalty of livePenalties(layer)) add(`${layer.name}.activity`, penalty);
      }
    }
    const perLayer: Record<string, tf.Scalar> = {};
    for (const [key, values] of parts) perLayer[key] = (values.length === 1 ? tf.clone(values[0]) : tf.addN(values)) as tf.Scalar;
    const all = Object.values(perLayer);
    const total = (all.length === 0 ? tf.scalar(0) : all.length === 1 ? tf.clone(all[0]) : tf.addN(all)) as tf.Scalar;
    return { total, perLayer };
  });
}
