/**
 * How many times each layer runs in one call of a model: the number of its call nodes inside the
 * model, multiplied through nested models (a sub-model called twice runs its layers twice). This
 * is how often tfjs's `Container.calculateLosses` evaluates a layer's losses, and how often a
 * custom `addLoss` loss counts (it is a per-call loss). Wrapped layers and RNN cells run as part of
 * their owner and get its count.
 */
import * as tf from '@tensorflow/tfjs';

interface ContainerFields {
  layers: tf.layers.Layer[];
  containerNodes: Set<string>;
}

/** `Container.nodeKey` (static, inherited by LayersModel): how a container names a layer's call node. */
const nodeKeyOf = (tf.LayersModel as unknown as { nodeKey?: (layer: tf.layers.Layer, nodeIndex: number) => string }).nodeKey;

function nodeKey(layer: tf.layers.Layer, nodeIndex: number): string {
  return nodeKeyOf != null ? nodeKeyOf(layer, nodeIndex) : `${layer.name}_ib-${nodeIndex}`;
}

/** Whether `layer` is a model (tfjs's `Container`): it has sub-layers and call nodes of its own. */
export function isContainer(layer: tf.layers.Layer): layer is tf.layers.Layer & ContainerFields {
  const fields = layer as unknown as Partial<ContainerFields>;
  return Array.isArray(fields.layers) && fields.containerNodes instanceof Set;
}

function countInto(container: tf.layers.Layer & ContainerFields, factor: number, counts: Map<tf.layers.Layer, number>): void {
  for (const layer of container.layers) {
    let calls = 0;
    for (let index = 0; index < layer.inboundNodes.length; index++) {
      if (container.containerNodes.has(nodeKey(layer, index))) calls++;
    }
    if (calls === 0) continue;
    counts.set(layer, (counts.get(layer) ?? 0) + factor * calls);
    if (isContainer(layer)) countInto(layer, factor * calls, counts);
  }
}

/** Calls per layer inside `root` (a model or a single layer, which counts 1). Layers absent from the map inherit their owner's count. */
export function callCounts(root: tf.layers.Layer): Map<tf.layers.Layer, number> {
  const counts = new Map<tf.layers.Layer, number>([[root, 1]]);
  if (isContainer(root)) countInto(root, 1, counts);
  return counts;
}
