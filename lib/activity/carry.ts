/**
 * Activity regularization carried by the layer itself, as Keras does in `Layer.__call__`: nothing
 * global changes.
 *
 * tfjs 4.22's `Layer.apply` throws `NotImplementedError` whenever `layer.activityRegularizer` is set
 * (engine/topology.ts, symbolic and concrete branches), and nothing adds activity losses to the
 * training loss. `carryActivityRegularizer(layer)` gives that one layer instance:
 *  - its own `apply`: hides the regularizer from the inherited `apply` (so it does not throw),
 *    and on concrete calls computes the penalty of each output (after activation), divided by the
 *    output's batch size (`activityPenalty`), and records it (`records.ts`);
 *  - one loss closure (registered like `addLoss`): tfjs's own `fit` / `trainOnBatch` /
 *    `fitDataset` evaluate a layer's losses once per call node through `Container.calculateLosses`;
 *    the closure returns the penalties recorded since it last ran, so each call's penalty counts
 *    once however many nodes the layer has (a layer called twice contributes twice);
 *  - its own `dispose`: also drops the penalties kept for it.
 * The regularizer itself stays in `layer.activityRegularizer`, so `getConfig` / `model.save` write
 * it as tfjs and Keras do. A layer loaded with `tf.loadLayersModel` is an ordinary tfjs layer
 * again: lib/layers' `carryActivityRegularizers(model)` (which `train` and `lossBreakdown` call)
 * or the opt-in `enableKerasSemantics()` (lib/tfjs-compat) make it carry its regularizer.
 */
import * as tf from '@tensorflow/tfjs';
import type { Regularizer } from '@tensorflow/tfjs-layers/dist/regularizers';
import type { RegularizerFn } from '@tensorflow/tfjs-layers/dist/types';
import { activityPenalty } from './penalty';
import { clearLayerPenalties, recordPenalty, unreportedPenalties } from './records';

type ApplyFunction = (this: tf.layers.Layer, inputs: unknown, kwargs?: unknown) => unknown;
type DisposeFunction = (this: tf.layers.Layer) => unknown;

const CARRIED = Symbol('layerwise.carriesActivityRegularizer');
const ACTIVITY_LOSS = Symbol('layerwise.activityLoss');

interface CarryingLayer {
  [CARRIED]?: { loss: RegularizerFn };
  _losses?: RegularizerFn[];
}

function isSymbolic(inputs: unknown): boolean {
  const first = Array.isArray(inputs) ? inputs[0] : inputs;
  return first instanceof tf.SymbolicTensor;
}

function outputTensors(output: unknown): tf.Tensor[] {
  const list = Array.isArray(output) ? output : [output];
  return list.filter((value): value is tf.Tensor => value instanceof tf.Tensor);
}

/** Runs `run` with `layer.activityRegularizer` hidden, so tfjs's `apply` does not throw. */
function withRegularizerHidden<T>(layer: tf.layers.Layer, run: () => T): T {
  const regularizer = layer.activityRegularizer;
  if (regularizer == null) return run();
  layer.activityRegularizer = null as unknown as Regularizer;
  try {
    return run();
  } finally {
    layer.activityRegularizer = regularizer;
  }
}

/** The method the instance's class (or any patch of it) defines, looked up at call time. */
function inherited<K extends 'apply' | 'dispose'>(layer: tf.layers.Layer, key: K): tf.layers.Layer[K] {
  return (Object.getPrototypeOf(layer) as tf.layers.Layer)[key];
}

const carriedApply: ApplyFunction = function apply(this: tf.layers.Layer, inputs: unknown, kwargs?: unknown): unknown {
  const regularizer = this.activityRegularizer as Regularizer | null | undefined;
  const original = inherited(this, 'apply') as unknown as ApplyFunction;
  if (regularizer == null || isSymbolic(inputs)) return withRegularizerHidden(this, () => original.call(this, inputs, kwargs));
  const output = withRegularizerHidden(this, () => original.call(this, inputs, kwargs));
  for (const tensor of outputTensors(output)) recordPenalty(this, activityPenalty(regularizer, tensor));
  return output;
};

const carriedDispose: DisposeFunction = function dispose(this: tf.layers.Layer): unknown {
  clearLayerPenalties(this);
  return (inherited(this, 'dispose') as unknown as DisposeFunction).call(this);
};

/** Whether `closure` is the loss closure of a carried activity regularizer (lib/penalty counts those itself). */
export function isActivityLossClosure(closure: unknown): boolean {
  return typeof closure === 'function' && (closure as unknown as Record<symbol, unknown>)[ACTIVITY_LOSS] === true;
}

/** Whether `layer` carries its activity regularizer (see the file comment). */
export function carriesActivityRegularizer(layer: tf.layers.Layer): boolean {
  return (layer as unknown as CarryingLayer)[CARRIED] != null;
}

/** Makes `layer` apply its `activityRegularizer` itself (see the file comment). Idempotent; returns the layer. */
export function carryActivityRegularizer<T extends tf.layers.Layer>(layer: T): T {
  const holder = layer as unknown as CarryingLayer;
  if (holder[CARRIED] != null) return layer;
  const loss = ((): tf.Scalar => {
    const penalties = unreportedPenalties(layer);
    if (penalties.length === 0) return tf.scalar(0);
    return (penalties.length === 1 ? tf.clone(penalties[0]) : tf.addN(penalties)) as tf.Scalar;
  }) as RegularizerFn;
  Object.defineProperty(loss, ACTIVITY_LOSS, { value: true });
  Object.defineProperty(layer, 'apply', { configurable: true, writable: true, value: carriedApply });
  Object.defineProperty(layer, 'dispose', { configurable: true, writable: true, value: carriedDispose });
  Object.defineProperty(layer, CARRIED, { configurable: true, value: { loss } });
  // Directly on the own list: `addLoss` pushes to `this.losses`, which a forwarding getter may copy.
  if (Array.isArray(holder._losses)) holder._losses.push(loss);
  return layer;
}

/** Undoes `carryActivityRegularizer` on this instance (drops its kept penalties too). */
export function dropActivityCarry(layer: tf.layers.Layer): void {
  const holder = layer as unknown as CarryingLayer;
  const carried = holder[CARRIED];
  if (carried == null) return;
  clearLayerPenalties(layer);
  if (Array.isArray(holder._losses)) holder._losses = holder._losses.filter((closure) => closure !== carried.loss);
  delete (layer as unknown as Record<string, unknown>).apply;
  delete (layer as unknown as Record<string, unknown>).dispose;
  delete (holder as Record<symbol, unknown>)[CARRIED];
}
