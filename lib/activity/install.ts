/**
 * Makes `activityRegularizer` work on every tfjs layer.
 *
 * tfjs 4.22's `Layer.apply` throws `NotImplementedError` whenever `layer.activityRegularizer` is
 * set (engine/topology.ts, symbolic and concrete branches), and nothing adds activity losses to
 * the training loss. Layers are also built that way by `tf.loadLayersModel` for a saved model with
 * an `activity_regularizer`, so a per-instance fix cannot reach them: we patch two prototype
 * methods and four registered deserializers, reversibly (`uninstallActivityRegularization`
 * restores the originals exactly):
 *
 *  - `Layer.prototype.apply`: for a layer without an activity regularizer (and not a model) it is
 *    the original, untouched. Otherwise it hides the regularizer from the original (so it does not
 *    throw), and on concrete calls computes the penalty of each output (after activation), divided
 *    by the output's batch size (`activityPenalty`), and records it (see `records.ts`). Models get
 *    bookkeeping only, so penalties computed inside their internal `tidy` survive the call.
 *  - `Container.prototype.calculateLosses` (the penalty `fit`/`trainOnBatch`/`fitDataset` add to
 *    the loss they minimize): at the outermost model, `modelLosses` (lib/loss/model-losses.ts:
 *    each variable's weight penalty once even when its layer is shared, RNN and Bidirectional
 *    cell penalties included, custom `addLoss` losses once per call as in tfjs) plus each recorded
 *    activity penalty of the current step once (a layer called twice contributes twice). Models
 *    without shared layers, RNNs or activity regularizers get the same scalars as tfjs.
 *  - the deserializers of SimpleRNN, LSTM, GRU and ConvLSTM2D (`recurrent-loading.ts`): tfjs's RNN
 *    constructors drop `activityRegularizer`, so a loaded RNN gets it back from its config.
 *
 * `evaluate`, `val_loss` and `predict` keep tfjs semantics (no penalty in the number) but no longer
 * throw; `lossBreakdown` gives the Keras total for evaluation.
 */
import * as tf from '@tensorflow/tfjs';
import type { Regularizer } from '@tensorflow/tfjs-layers/dist/regularizers';
import { allLayers } from '../layers/walk';
import { modelLosses } from '../loss/model-losses';
import { activityPenalty } from './penalty';
import { installRecurrentActivityLoading, uninstallRecurrentActivityLoading } from './recurrent-loading';
import { beginCall, endCall, livePenalties, recordPenalty } from './records';

type ApplyFunction = (this: tf.layers.Layer, inputs: unknown, kwargs?: unknown) => unknown;
type CalculateLossesFunction = (this: tf.layers.Layer) => tf.Scalar[];

const layerPrototype = tf.layers.Layer.prototype as unknown as { apply: ApplyFunction };
/** tfjs-layers' `Container` (base of LayersModel and Sequential) is not exported; reach it via the chain. */
const containerPrototype = Object.getPrototypeOf(tf.LayersModel.prototype) as { calculateLosses: CalculateLossesFunction };
const ContainerClass = containerPrototype.constructor as abstract new (...args: never[]) => tf.layers.Layer;

let originals: { apply: ApplyFunction; calculateLosses: CalculateLossesFunction } | null = null;
let calculateLossesDepth = 0;

function isSymbolic(inputs: unknown): boolean {
  const first = Array.isArray(inputs) ? inputs[0] : inputs;
  return first instanceof tf.SymbolicTensor;
}

function outputTensors(output: unknown): tf.Tensor[] {
  const list = Array.isArray(output) ? output : [output];
  return list.filter((value): value is tf.Tensor => value instanceof tf.Tensor);
}

function patchedApply(original: ApplyFunction): ApplyFunction {
  return function apply(this: tf.layers.Layer, inputs: unknown, kwargs?: unknown): unknown {
    const regularizer = this.activityRegularizer as Regularizer | null | undefined;
    const isContainer = this instanceof ContainerClass;
    if (regularizer == null && !isContainer) return original.call(this, inputs, kwargs);
    if (isSymbolic(inputs)) {
      // Graph construction (model.add, functional apply, loading): nothing to compute.
      return withRegularizerHidden(this, () => original.call(this, inputs, kwargs));
    }
    beginCall(isContainer);
    try {
      const output = withRegularizerHidden(this, () => original.call(this, inputs, kwargs));
      if (regularizer != null) {
        for (const tensor of outputTensors(output)) recordPenalty(this, activityPenalty(regularizer, tensor));
      }
      return output;
    } finally {
      endCall(isContainer);
    }
  };
}

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

function patchedCalculateLosses(original: CalculateLossesFunction): CalculateLossesFunction {
  return function calculateLosses(this: tf.layers.Layer): tf.Scalar[] {
    calculateLossesDepth++;
    try {
      // Only reached when something calls a nested model's calculateLosses while ours runs.
      if (calculateLossesDepth > 1) return original.call(this);
      return modelLosses(this).concat(currentActivityPenalties(this));
    } finally {
      calculateLossesDepth--;
    }
  };
}

/** The activity penalties recorded at the current call of every layer inside `model` (itself included). */
export function currentActivityPenalties(model: tf.layers.Layer): tf.Scalar[] {
  return allLayers(model).flatMap((layer) => livePenalties(layer));
}

/**
 * Installs the patches described above. Idempotent. Importing `layerwise` (or its
 * activity module) installs them; call this again after `uninstallActivityRegularization`.
 */
export function installActivityRegularization(): void {
  if (originals != null) return;
  originals = { apply: layerPrototype.apply, calculateLosses: containerPrototype.calculateLosses };
  layerPrototype.apply = patchedApply(originals.apply);
  containerPrototype.calculateLosses = patchedCalculateLosses(originals.calculateLosses);
  installRecurrentActivityLoading();
}

/**
 * Restores tfjs's own `Layer.prototype.apply`, `Container.prototype.calculateLosses` and RNN
 * deserializers. Afterwards layers with an activity regularizer throw again, shared layers' weight
 * penalties count once per call and RNN penalties are dropped (unless forwarded), as in plain tfjs.
 */
export function uninstallActivityRegularization(): void {
  if (originals == null) return;
  layerPrototype.apply = originals.apply;
  containerPrototype.calculateLosses = originals.calculateLosses;
  uninstallRecurrentActivityLoading();
  originals = null;
}

/** Whether the patches are currently installed. */
export function isActivityRegularizationInstalled(): boolean {
  return originals != null;
}
