/**
 * `enableKerasSemantics()`: the opt-in fix of a user's PLAIN tfjs training (`model.fit`,
 * `trainOnBatch`, `fitDataset` on any model, including `tf.layers.*` and `tf.loadLayersModel`
 * ones). layerwise's own entry points (layer factories, `train`, `lossBreakdown`, the sweep) need
 * none of this: they carry their fixes per instance. Nothing here runs on import.
 *
 * While enabled, process-wide:
 *  - `Layer.prototype.apply`: a layer tfjs built with an `activityRegularizer` (which tfjs 4.22
 *    refuses: `NotImplementedError`) is made to carry it (lib/activity/carry.ts, per instance) on
 *    its first call; every other layer runs tfjs's `apply` untouched.
 *  - `Container.prototype.calculateLosses` (the penalty tfjs's `fit` adds): lib/penalty's
 *    `fitLosses` (each weight penalty once per variable even when its layer is shared, RNN and
 *    Bidirectional cell penalties included, frozen weights included as tfjs includes them, custom
 *    `addLoss` losses once per call node as tfjs counts them, the step's activity penalties); and
 *    the model's constraints take effect after every optimizer update (lib/layers/constraints.ts,
 *    per variable). A model without shared layers, RNNs or activity regularizers gets the same
 *    scalars, in the same order, as tfjs.
 *  - the deserializers of SimpleRNN, LSTM, GRU and ConvLSTM2D (`recurrent-deserializers.ts`): a
 *    loaded RNN gets its activity regularizer back from its config.
 *
 * Undo: `enableKerasSemantics()` returns a handle. Handles are counted: the first call installs
 * the patches, later calls share them, and the last `undo()` restores exactly the functions that
 * were there before (checked by identity). If something patched one of those properties after us,
 * that `undo()` throws `TfjsPatchConflictError` and restores nothing (see patches.ts); undo the
 * later patch first. A handle's second `undo()` does nothing.
 */
import * as tf from '@tensorflow/tfjs';
import { carriesActivityRegularizer, carryActivityRegularizer } from '../activity/carry';
import { enforceConstraints } from '../layers/constraints';
import { fitLosses } from '../penalty';
import { registerRegularizerClasses } from '../regularizers/registry';
import { containerPrototype, layerPrototype, type ApplyFunction, type CalculateLossesFunction } from './internals';
import { assertRestorable, installPatch, restorePatches, type Patch } from './patches';
import { installRecurrentDeserializers } from './recurrent-deserializers';

/** What `enableKerasSemantics()` returns. */
export interface KerasSemanticsHandle {
  /** Releases this handle; the last one restores tfjs's own functions (identity-checked, may throw `TfjsPatchConflictError`). */
  undo(): void;
  /** False once this handle was undone. */
  readonly active: boolean;
}

let installed: { patches: Patch[]; handles: number } | null = null;

function patchedApply(original: ApplyFunction): ApplyFunction {
  return function apply(this: tf.layers.Layer, inputs: unknown, kwargs?: unknown): unknown {
    if (this.activityRegularizer == null || carriesActivityRegularizer(this)) return original.call(this, inputs, kwargs);
    // Built by tfjs itself (tf.layers.*, a loaded model): carry it from now on, then run the carried apply.
    carryActivityRegularizer(this);
    return (this.apply as ApplyFunction).call(this, inputs, kwargs);
  };
}

function patchedCalculateLosses(original: CalculateLossesFunction): CalculateLossesFunction {
  let depth = 0;
  return function calculateLosses(this: tf.layers.Layer): tf.Scalar[] {
    depth++;
    try {
      // Only reached when something calls a nested model's calculateLosses while ours runs.
      if (depth > 1) return original.call(this);
      enforceConstraints(this);
      return fitLosses(this);
    } finally {
      depth--;
    }
  };
}

/** Installs the patches described in the file comment (or shares them); returns the undo handle. */
export function enableKerasSemantics(): KerasSemanticsHandle {
  if (installed == null) {
    // So tf.loadLayersModel reads models whose configs name Keras's L1, L2 or OrthogonalRegularizer.
    registerRegularizerClasses();
    const layer = layerPrototype();
    const container = containerPrototype();
    const patches = [
      installPatch(layer, 'apply', patchedApply(layer.apply), 'tf.layers.Layer.prototype'),
      installPatch(container, 'calculateLosses', patchedCalculateLosses(container.calculateLosses), 'Container.prototype'),
      ...installRecurrentDeserializers(),
    ];
    installed = { patches, handles: 0 };
  }
  installed.handles++;
  let active = true;
  return {
    get active(): boolean {
      return active;
    },
    undo(): void {
      if (!active || installed == null) return;
      if (installed.handles === 1) {
        assertRestorable(installed.patches); // Throws, restoring nothing, if a later patch sits on ours.
        restorePatches(installed.patches);
        installed = null;
      } else {
        installed.handles--;
      }
      active = false;
    },
  };
}

/** Whether `enableKerasSemantics()` patches are installed now. */
export function isKerasSemanticsEnabled(): boolean {
  return installed != null;
}

let aliasHandle: KerasSemanticsHandle | null = null;

/**
 * @deprecated Use `enableKerasSemantics()`, which returns an undo handle. Kept as an alias: takes
 * one handle (once; a second call does nothing) that `uninstallActivityRegularization` releases.
 */
export function installActivityRegularization(): void {
  if (aliasHandle == null) aliasHandle = enableKerasSemantics();
}

/** @deprecated Use the handle `enableKerasSemantics()` returns. Releases the handle `installActivityRegularization` took. */
export function uninstallActivityRegularization(): void {
  if (aliasHandle == null) return;
  aliasHandle.undo();
  aliasHandle = null;
}

/** @deprecated Use `isKerasSemanticsEnabled()`. */
export function isActivityRegularizationInstalled(): boolean {
  return isKerasSemanticsEnabled();
}
