/** Attaching an activity regularizer to an existing layer. */
import * as tf from '@tensorflow/tfjs';
import type { Regularizer } from '@tensorflow/tfjs-layers/dist/regularizers';
import { createRegularizer, type RegularizerInput } from '../regularizers';
import { attachActivityRegularizer } from './attach';

/**
 * Sets (or, with `null`, removes) the activity regularizer of any layer, accepting our specs,
 * identifiers, Keras configs or tfjs regularizers. The layer instance then applies it itself
 * (`carry.ts`; nothing global changes). Dense, Conv*, SeparableConv2D, DepthwiseConv2D, Embedding
 * and the RNN layers (SimpleRNN, LSTM, GRU, ConvLSTM2D) serialize it in their config.
 */
export function setActivityRegularizer(layer: tf.layers.Layer, regularizer: RegularizerInput | Regularizer | null): void {
  if (regularizer == null) {
    attachActivityRegularizer(layer, null);
    return;
  }
  attachActivityRegularizer(layer, createRegularizer(regularizer, { layer: layer.name, slot: 'activityRegularizer' }));
}
