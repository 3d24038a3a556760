/**
 * The one place that lists a model's penalties, for a scope:
 *  - weight penalties: `regularizer(variable)` for each regularized variable inside the model,
 *    ONCE per variable (shared layers and sub-models included), RNN cells and Bidirectional copies
 *    included (lib/layers' `regularizedWeights` walks the model's layers and weights). Frozen
 *    weights count only with `includeFrozen` (Keras 3 counts trainable weights only; tfjs's `fit`
 *    counts them all).
 *  - custom losses a layer registered with `addLoss`, counted exactly as tfjs counts them: once per
 *    call node of their layer in the model (`call-counts.ts`). A custom layer's weights created
 *    with a regularizer under names tfjs's built-in layers do not use are counted once each too,
 *    as `layerName.other`.
 *  - activity penalties of the current pass: one per layer call and output, each divided by that
 *    output's batch size (lib/activity). Read them right after the forward pass, in the same scope.
 * Parts come in the model's layer order (depth first, sub-models inline), per layer: weights in
 * the layer's slot order, then custom losses, then activity: for a model without shared layers,
 * RNNs or activity regularizers, the same scalars in the same order as tfjs's `calculateLosses`.
 */
import * as tf from '@tensorflow/tfjs';
import { livePenalties } from '../activity/records';
import { childLayers } from '../layers/walk';
import { regularizedWeights, type RegularizedWeight } from '../layers/slots';
import { callCounts } from './call-counts';
import { lossClosureKind } from './loss-closures';
import { weightPenaltyValue } from './weight-value';

/** What a penalty part is. */
export type PenaltyKind = 'weight' | 'user-loss' | 'activity';

/** One penalty scalar, owned by the caller. */
export interface PenaltyPart {
  /** `layerName.slot` (kernel, bias, recurrent, ..., `activity`, `other` for custom losses). */
  key: string;
  kind: PenaltyKind;
  value: tf.Scalar;
}

/** Which penalties `collectPenalties` lists. */
export interface CollectPenaltiesOptions {
  /** Weight penalties. Default true. */
  weights?: boolean;
  /** Losses added with `addLoss` (per call). Default true. */
  custom?: boolean;
  /** Activity penalties of the current pass. Default true. */
  activity?: boolean;
  /** Count penalties of non-trainable (frozen) weights too, as tfjs's `fit` does. Default false (Keras 3). */
  includeFrozen?: boolean;
}

interface Visit {
  layer: tf.layers.Layer;
  calls: number;
}

/** Every layer inside `root`, each once, depth first, with how often it runs per call of `root`. */
function layersWithCalls(root: tf.layers.Layer): Visit[] {
  const counts = callCounts(root);
  const seen = new Set<tf.layers.Layer>();
  const order: Visit[] = [];
  const visit = (layer: tf.layers.Layer, inherited: number): void => {
    if (seen.has(layer)) return;
    seen.add(layer);
    const calls = counts.get(layer) ?? inherited;
    order.push({ layer, calls });
    childLayers(layer).forEach((child) => visit(child, calls));
  };
  visit(root, 1);
  return order;
}

/** Lists the penalties of `root` (a model or a layer) for the options' scope; see the file comment. */
export function collectPenalties(root: tf.layers.Layer, options: CollectPenaltiesOptions = {}): PenaltyPart[] {
  const includeWeights = options.weights ?? true;
  const includeCustom = options.custom ?? true;
  const includeActivity = options.activity ?? true;
  const visits = layersWithCalls(root);
  // Read (and hand over to the caller's scope) outside the tidy below, which would dispose them.
  const activity = new Map<tf.layers.Layer, tf.Scalar[]>();
  if (includeActivity) for (const { layer } of visits) activity.set(layer, livePenalties(layer));

  const labels: Array<Omit<PenaltyPart, 'value'>> = [];
  const values = tf.tidy(() => {
    const parts: PenaltyPart[] = [];
    const weightsByLayer = new Map<tf.layers.Layer, RegularizedWeight[]>();
    const ownersWithSlots = new Set<tf.layers.Layer>();
    for (const weight of regularizedWeights(root)) {
      weightsByLayer.set(weight.layer, [...(weightsByLayer.get(weight.layer) ?? []), weight]);
      ownersWithSlots.add(weight.layer);
      childLayers(weight.layer).forEach((child) => ownersWithSlots.add(child));
    }
    const seenClosures = new Set<unknown>();
    for (const { layer, calls } of visits) {
      if (includeWeights) {
        for (const weight of weightsByLayer.get(layer) ?? []) {
          if (!weight.trainable && !options.includeFrozen) continue;
          parts.push({ key: weight.key, kind: 'weight', value: weightPenaltyValue(weight.regularizer, weight.variable.read()) });
        }
      }
      if (includeWeights || includeCustom) {
        for (const closure of ((layer as unknown as { _losses?: unknown[] })._losses ?? []) as Array<() => tf.Tensor>) {
          if (seenClosures.has(closure)) continue;
          seenClosures.add(closure);
          const kind = lossClosureKind(closure);
          if (kind === 'user-loss' && includeCustom) {
            const value = tf.reshape(closure(), []) as tf.Scalar;
            for (let call = 0; call < calls; call++) parts.push({ key: `${layer.name}.other`, kind: 'user-loss', value: call === 0 ? value : tf.clone(value) });
          } else if (kind === 'weight-penalty' && includeWeights && !ownersWithSlots.has(layer) && (layer.trainable || options.includeFrozen)) {
            // A custom layer's own regularized weight: once, like any variable.
            parts.push({ key: `${layer.name}.other`, kind: 'weight', value: tf.reshape(closure(), []) as tf.Scalar });
          }
        }
      }
      for (const penalty of activity.get(layer) ?? []) parts.push({ key: `${layer.name}.activity`, kind: 'activity', value: tf.clone(penalty) });
    }
    parts.forEach(({ key, kind }) => labels.push({ key, kind }));
    return parts.map((part) => part.value);
  });
  return labels.map((label, index) => ({ ...label, value: values[index] }));
}
