/** Attaching and clearing activity regularizers on existing layers and models. */
import * as tf from '@tensorflow/tfjs';
import type { Regularizer } from '@tensorflow/tfjs-layers/dist/regularizers';
import { createRegularizer, type RegularizerInput } from '../regularizers';
import { allLayers } from '../layers/walk';
import { installActivityRegularization } from './install';
import { clearLayerPenalties } from './records';

/**
 * Sets (or, with `null`, removes) the activity regularizer of any layer, accepting our specs,
 * identifiers, Keras configs or tfjs regularizers. Installs activity support if needed.
 * Dense, Conv*, SeparableConv2D, DepthwiseConv2D, Embedding and the RNN layers serialize it in
 * their config; tfjs's RNN constructors drop it again on load (re-attach it with this function).
 */
export function setActivityRegularizer(layer: tf.layers.Layer, regularizer: RegularizerInput | Regularizer | null): void {
  if (regularizer == null) {
    layer.activityRegularizer = null as unknown as Regularizer;
    return;
  }
  installActivityRegularization();
  layer.activityRegularizer = createRegularizer(regularizer, { layer: layer.name, slot: 'activityRegularizer' });
}

/**
 * Drops the recorded activity penalties of `target` and everything inside it. Only needed after
 * eager calls made outside any `tf.tidy` (those penalties are kept until the next call).
 */
export function clearActivityPenalties(target: tf.layers.Layer): void {
  allLayers(target).forEach(clearLayerPenalties);
}
