/**
 * tfjs 4.22's `RNN` layer keeps its weights, and the penalties of its kernel / recurrent / bias
 * regularizers, on its cell, and never forwards the cell's losses (recurrent.ts, "TODO" at
 * `RNN.losses`): the penalties are silently 0 in `fit`. `Bidirectional` forwards the losses of its
 * unused template layer instead of its forward/backward copies. This per-instance fix makes the
 * layer's `losses` include them; nothing global changes.
 *
 * This is what makes plain tfjs `fit` count them for layers from our factories. lib/penalty
 * (`train`, `lossBreakdown`) and `enableKerasSemantics()` count RNN cell and Bidirectional
 * penalties for any model, built or loaded, from the weights themselves, and count a penalty
 * forwarded here only once.
 */
import * as tf from '@tensorflow/tfjs';
import type { RegularizerFn } from '@tensorflow/tfjs-layers/dist/types';

interface LossOwner {
  _losses?: RegularizerFn[];
  losses: RegularizerFn[];
  cell?: tf.layers.Layer & { cells?: tf.layers.Layer[] };
  forwardLayer?: tf.layers.Layer;
  backwardLayer?: tf.layers.Layer;
}

const FORWARDED = Symbol('layerwise.forwardsRecurrentLosses');

function cellLosses(cell: NonNullable<LossOwner['cell']>): RegularizerFn[] {
  // StackedRNNCells does not forward its cells' losses either.
  if (Array.isArray(cell.cells)) return cell.cells.flatMap((inner) => inner.losses as RegularizerFn[]);
  return cell.losses as RegularizerFn[];
}

/**
 * Makes an RNN layer (SimpleRNN, LSTM, GRU, ConvLSTM2D, RNN) or a Bidirectional wrapper report its
 * cells' regularization losses, so `fit` adds them. Safe to call twice; returns the layer.
 * Other layers are returned unchanged.
 */
export function forwardRecurrentLosses<T extends tf.layers.Layer>(layer: T): T {
  const owner = layer as unknown as LossOwner & { [FORWARDED]?: boolean };
  if (owner[FORWARDED]) return layer;
  if (layer.getClassName() === 'Bidirectional' && owner.forwardLayer && owner.backwardLayer) {
    const forward = forwardRecurrentLosses(owner.forwardLayer);
    const backward = forwardRecurrentLosses(owner.backwardLayer);
    Object.defineProperty(layer, 'losses', {
      configurable: true,
      get: () => [...(owner._losses ?? []), ...forward.losses, ...backward.losses],
    });
  } else if (layer instanceof tf.RNN && owner.cell != null) {
    const cell = owner.cell;
    Object.defineProperty(layer, 'losses', {
      configurable: true,
      get: () => [...(owner._losses ?? []), ...cellLosses(cell)],
    });
  } else {
    return layer;
  }
  Object.defineProperty(layer, FORWARDED, { value: true });
  return layer;
}

/** Applies `forwardRecurrentLosses` to every RNN / Bidirectional layer inside a model (e.g. after loading). */
export function forwardAllRecurrentLosses<T extends tf.LayersModel>(model: T): T {
  const visit = (layer: tf.layers.Layer): void => {
    forwardRecurrentLosses(layer);
    const nested = (layer as unknown as { layers?: tf.layers.Layer[] }).layers;
    if (Array.isArray(nested)) nested.forEach(visit);
  };
  model.layers.forEach(visit);
  return model;
}
