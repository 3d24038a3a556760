/** Attaching and clearing activity regularizers on existing layers and models. */
import * as tf from '@tensorflow/tfjs';
import type { Regularizer } from '@tensorflow/tfjs-layers/dist/regularizers';
import { createRegularizer, type RegularizerInput } from '../regularizers';
import { allLayers } from '../layers/walk';
import { attachActivityRegularizer } from './attach';
import { installActivityRegularization } from './install';
import { clearLayerPenalties } from './records';

/**
 * Sets (or, with `null`, removes) the activity regularizer of any layer, accepting our specs,
 * identifiers, Keras configs or tfjs regularizers. Installs activity support if needed.
 * Dense, Conv*, SeparableConv2D, DepthwiseConv2D, Embedding and the RNN layers (SimpleRNN, LSTM,
 * GRU, ConvLSTM2D) then serialize it in their config, and load it back while lib/activity is
 * installed (tfjs's RNN constructors drop it; see `attach.ts` and `recurrent-loading.ts`).
 */
export function setActivityRegularizer(layer: tf.layers.Layer, regularizer: RegularizerInput | Regularizer | null): void {
  if (regularizer == null) {
    attachActivityRegularizer(layer, null);
    return;
  }
  installActivityRegularization();
  attachActivityRegularizer(layer, createRegularizer(regularizer, { layer: layer.name, slot: 'activityRegularizer' }));
}

/**
 * Drops the recorded activity penalties of `target` and everything inside it. Only needed after
 * eager calls made outside any `tf.tidy` (those penalties are kept until the next call).
 */
export function clearActivityPenalties(target: tf.layers.Layer): void {
  allLayers(target).forEach(clearLayerPenalties);
}
