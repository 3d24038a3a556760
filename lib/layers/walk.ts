/**
 * Traversal of everything that can own weights or activity penalties inside a model: nested
 * models, wrapper layers (TimeDistributed, Bidirectional's forward and backward copies) and RNN
 * cells (where tfjs keeps the recurrent weights). Each object is visited once, so a layer shared
 * by several calls or several sub-models is seen once.
 */
import * as tf from '@tensorflow/tfjs';

type AnyLayer = tf.layers.Layer;

interface MaybeComposite {
  layers?: AnyLayer[];
  layer?: AnyLayer;
  forwardLayer?: AnyLayer;
  backwardLayer?: AnyLayer;
  cell?: AnyLayer;
  cells?: AnyLayer[];
  model?: AnyLayer;
}

/** The direct children of a layer: sub-layers of a model, the wrapped layer(s), RNN cells. */
export function childLayers(layer: AnyLayer): AnyLayer[] {
  const composite = layer as unknown as MaybeComposite;
  const children: AnyLayer[] = [];
  if (Array.isArray(composite.layers)) children.push(...composite.layers);
  if (layer.getClassName() === 'Bidirectional') {
    // The wrapped `layer` is only a template; the two copies hold the weights and run.
    if (composite.forwardLayer) children.push(composite.forwardLayer);
    if (composite.backwardLayer) children.push(composite.backwardLayer);
  } else if (composite.layer instanceof tf.layers.Layer) {
    children.push(composite.layer);
  }
  if (composite.cell instanceof tf.layers.Layer) children.push(composite.cell);
  if (Array.isArray(composite.cells)) children.push(...composite.cells);
  return children;
}

/** Every layer reachable from `root` (itself included), depth first, each once. */
export function allLayers(root: AnyLayer): AnyLayer[] {
  const seen = new Set<AnyLayer>();
  const order: AnyLayer[] = [];
  const visit = (layer: AnyLayer): void => {
    if (seen.has(layer)) return;
    seen.add(layer);
    order.push(layer);
    childLayers(layer).forEach(visit);
  };
  visit(root);
  return order;
}
