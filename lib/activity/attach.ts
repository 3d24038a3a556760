/** Putting an activity regularizer on a layer so that it is applied and saved. */
import * as tf from '@tensorflow/tfjs';
import type { Regularizer } from '@tensorflow/tfjs-layers/dist/regularizers';
import { carryActivityRegularizer, dropActivityCarry } from './carry';

interface WithCell {
  cell?: tf.layers.Layer & { cells?: unknown };
}

/**
 * Sets `layer.activityRegularizer` (null removes it) and makes the layer carry it
 * (`carry.ts`). tfjs's SimpleRNN / LSTM / GRU / ConvLSTM2D write their CELL's
 * `activityRegularizer` in `getConfig` (the cell config is merged into the layer's) and never
 * their own, so for those the cell gets it too: `model.save` then writes it. The cell's copy is
 * never applied (RNNs run their cell through `cell.call`, not `apply`); the penalty is the
 * layer's, on the layer's output.
 */
export function attachActivityRegularizer(layer: tf.layers.Layer, regularizer: Regularizer | null): void {
  layer.activityRegularizer = regularizer as Regularizer;
  const cell = (layer as unknown as WithCell).cell;
  if (layer instanceof tf.RNN && cell instanceof tf.layers.Layer && cell.cells == null) {
    cell.activityRegularizer = regularizer as Regularizer;
  }
  if (regularizer == null) dropActivityCarry(layer);
  else carryActivityRegularizer(layer);
}
