/**
 * The weight penalties tfjs's `fit` / `trainOnBatch` / `fitDataset` add to the loss, corrected.
 * `lib/activity` installs this as `Container.prototype.calculateLosses` (together with the step's
 * activity penalties), so it holds for every model, built by our factories, by `tf.layers.*`, or
 * loaded with `tf.loadLayersModel`.
 *
 * tfjs 4.22's `Container.calculateLosses` evaluates `layer.calculateLosses()` once per call node
 * of each layer (multiplied through nested models), and never asks RNN cells. Here:
 *  - every loss closure a layer, a wrapper, a Bidirectional copy or an RNN cell holds is
 *    evaluated once (a closure reached twice, e.g. through `forwardRecurrentLosses`, once);
 *  - a closure that reads exactly one weight is a weight penalty (`addWeight` registers
 *    `() => regularizer.apply(weight.read())`): it counts once per variable, like Keras, however
 *    many times its layer is called. Frozen weights count, as in tfjs (`regularizationPenalty`
 *    gives Keras 3's trainable-only sum);
 *  - any other closure (a custom layer's `addLoss`) counts once per call node, as tfjs counts it.
 * A model without shared layers, nested models used twice or RNNs gets the same scalars, in the
 * same order, as tfjs.
 */
import * as tf from '@tensorflow/tfjs';
import type { RegularizerFn } from '@tensorflow/tfjs-layers/dist/types';
import type { LayerVariable } from '@tensorflow/tfjs-layers/dist/variables';
import { childLayers } from '../layers/walk';

interface ContainerFields {
  layers: tf.layers.Layer[];
  containerNodes: Set<string>;
}

/** tfjs-layers' `Container` is not exported; reach it via the prototype chain. */
const ContainerClass = Object.getPrototypeOf(tf.LayersModel.prototype).constructor as {
  nodeKey?: (layer: tf.layers.Layer, nodeIndex: number) => string;
};

function nodeKey(layer: tf.layers.Layer, nodeIndex: number): string {
  return ContainerClass.nodeKey != null ? ContainerClass.nodeKey(layer, nodeIndex) : `${layer.name}_ib-${nodeIndex}`;
}

function isContainer(layer: tf.layers.Layer): layer is tf.layers.Layer & ContainerFields {
  const fields = layer as unknown as Partial<ContainerFields>;
  return Array.isArray(fields.layers) && fields.containerNodes instanceof Set;
}

/** How many times tfjs's `Container.calculateLosses` counts each (non-container) layer's losses. */
function callCounts(container: tf.layers.Layer & ContainerFields, factor: number, counts: Map<tf.layers.Layer, number>): void {
  for (const layer of container.layers) {
    let calls = 0;
    for (let index = 0; index < layer.inboundNodes.length; index++) {
      if (container.containerNodes.has(nodeKey(layer, index))) calls++;
    }
    if (calls === 0) continue;
    if (isContainer(layer)) callCounts(layer, factor * calls, counts);
    else counts.set(layer, (counts.get(layer) ?? 0) + factor * calls);
  }
}

const layerVariablePrototype = tf.LayerVariable.prototype as unknown as { read(this: LayerVariable): tf.Tensor };

/** Evaluates one loss closure, noting which layer variables it reads. */
function evaluateNotingReads(closure: RegularizerFn): { value: tf.Scalar; reads: Set<LayerVariable> } {
  const reads = new Set<LayerVariable>();
  const read = layerVariablePrototype.read;
  // Synchronous and restored right away: the closure runs with a spy on `read`, nothing else does.
  layerVariablePrototype.read = function readNoted(this: LayerVariable): tf.Tensor {
    reads.add(this);
    return read.call(this);
  };
  try {
    return { value: closure(), reads };
  } finally {
    layerVariablePrototype.read = read;
  }
}

/**
 * The penalty scalars of `model` as described in the file comment (weight penalties and custom
 * losses; not activity penalties). The caller owns the scalars.
 */
export function modelLosses(model: tf.layers.Layer): tf.Scalar[] {
  return tf.tidy(() => {
    const counts = new Map<tf.layers.Layer, number>();
    if (isContainer(model)) callCounts(model, 1, counts);
    const losses: tf.Scalar[] = [];
    const visited = new Set<tf.layers.Layer>();
    const seenClosures = new Set<RegularizerFn>();
    const seenVariables = new Set<LayerVariable>();
    // Depth first in `layers` order, tfjs's order; cells and wrapped layers inherit their owner's calls.
    const visit = (layer: tf.layers.Layer, inheritedCalls: number): void => {
      if (visited.has(layer)) return;
      visited.add(layer);
      const calls = counts.get(layer) ?? inheritedCalls;
      if (!isContainer(layer)) {
        for (const closure of (layer.losses ?? []) as RegularizerFn[]) {
          if (seenClosures.has(closure)) continue;
          seenClosures.add(closure);
          const { value, reads } = evaluateNotingReads(closure);
          if (reads.size === 1) {
            const [variable] = reads;
            if (seenVariables.has(variable)) continue; // Disposed by the tidy.
            seenVariables.add(variable);
            losses.push(value);
          } else {
            for (let call = 0; call < calls; call++) losses.push(value);
          }
        }
      }
      childLayers(layer).forEach((child) => visit(child, calls));
    };
    visit(model, 1);
    return losses;
  });
}
