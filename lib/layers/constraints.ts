/**
 * Weight constraints (`kernelConstraint`, `maxNorm`, `nonNeg`, ...) in training.
 *
 * tfjs 4.22 applies a constraint only in `LayerVariable.write`; optimizers assign to the raw
 * variable (`ENGINE.registeredVariables[name].assign(newValue)` in every tfjs-core optimizer, the
 * same `tf.Variable` a `LayerVariable` reads), so during `fit` constraints never take effect
 * (tfjs issue #3345). Keras applies each variable's constraint right after every optimizer update.
 *
 * Fix, per instance (nothing global): `enforceConstraints(target)` gives each constrained
 * variable's `tf.Variable` its own `assign` that assigns, then projects the new value onto the
 * constraint. Every optimizer write, in `fit`, `trainOnBatch`, `fitDataset` or a custom loop, is
 * then followed by the constraint. Layers that are not built yet get a `build` that does it once
 * their weights exist. Our `layers.*` factories call it on every layer they return;
 * `applyConstraints(model)` calls it too (so one call sets up a loaded model), and
 * `constraintsCallback()` at the start of `fit`.
 */
import * as tf from '@tensorflow/tfjs';
import type { LayerVariable } from '@tensorflow/tfjs-layers/dist/variables';
import { allLayers } from './walk';

type Assign = (this: tf.Variable, newValue: tf.Tensor) => void;

/** Per enforced variable: tfjs's own assign, and whether the value satisfies the constraint. */
interface Enforcement {
  assign: Assign;
  /** True once the value was projected after its last write; false for an unprojected initial value. */
  projected: boolean;
}

const enforcements = new WeakMap<tf.Variable, Enforcement>();
const BUILD_WRAPPED = Symbol('layerwise.enforcesConstraintsAfterBuild');

/** Projects `value` onto `variable`'s constraint with tfjs's own assign; disposes the intermediate. */
function project(variable: LayerVariable, value: tf.Variable, enforcement: Enforcement): void {
  const constraint = variable.constraint;
  if (constraint == null) return;
  const projected = tf.tidy(() => constraint.apply(value));
  if (projected !== value) {
    enforcement.assign.call(value, projected);
    projected.dispose(); // The variable holds its own reference to the data.
  }
  enforcement.projected = true;
}

/**
 * Makes every later write to `variable` (optimizer updates included) apply its constraint.
 * With `projectNow`, also projects the current value. Returns whether the variable has a constraint.
 */
function enforceOnVariable(variable: LayerVariable, projectNow: boolean): boolean {
  if (variable.constraint == null) return false;
  const value = variable.read() as tf.Variable;
  let enforcement = enforcements.get(value);
  if (enforcement == null) {
    const created: Enforcement = { assign: value.assign, projected: false };
    enforcement = created;
    enforcements.set(value, created);
    Object.defineProperty(value, 'assign', {
      configurable: true,
      writable: true,
      value: function assignConstrained(this: tf.Variable, newValue: tf.Tensor): void {
        created.assign.call(this, newValue);
        project(variable, this, created);
      },
    });
  }
  if (projectNow && !enforcement.projected) project(variable, value, enforcement);
  return true;
}

/** Wraps `layer.build` (on this instance) so its constrained weights are enforced once created. */
function enforceAfterBuild(layer: tf.layers.Layer): void {
  const holder = layer as unknown as { [BUILD_WRAPPED]?: boolean; build(inputShape: unknown): void };
  if (holder[BUILD_WRAPPED]) return;
  const build = holder.build;
  Object.defineProperty(layer, 'build', {
    configurable: true,
    writable: true,
    value: function buildEnforcing(this: tf.layers.Layer, inputShape: unknown): void {
      build.call(this, inputShape);
      // Initial values stay as initialized, like Keras (constraints act after updates).
      for (const weight of this.weights) enforceOnVariable(weight, false);
    },
  });
  Object.defineProperty(layer, BUILD_WRAPPED, { value: true });
}

/**
 * Makes the constraints of `target` (a layer or a model, everything inside it) take effect after
 * every write, optimizer updates included. Built weights are enforced now (without changing their
 * current value unless `projectNow`); unbuilt layers once built. Safe to call repeatedly.
 * Returns the number of constrained variables currently enforced.
 */
export function enforceConstraints(target: tf.layers.Layer, options: { projectNow?: boolean } = {}): number {
  const variables = new Set<LayerVariable>();
  for (const layer of allLayers(target)) {
    if (layer.built) layer.weights.forEach((weight) => variables.add(weight));
    else enforceAfterBuild(layer);
  }
  let count = 0;
  for (const variable of variables) if (enforceOnVariable(variable, options.projectNow ?? false)) count++;
  return count;
}

/**
 * Projects every constrained variable of `model` (each once, trainable or not) onto its
 * constraint, in place, and enforces the constraints on every later write (`enforceConstraints`).
 * Variables already enforced and projected since their last write are skipped (nothing to do), so
 * calling this after each update, as `train()` does, costs nothing extra. Returns the number of
 * constrained variables.
 */
export function applyConstraints(model: tf.layers.Layer): number {
  return enforceConstraints(model, { projectNow: true });
}

/**
 * A `fit` callback that enforces the model's constraints when training begins and applies them
 * after each batch. Mostly unnecessary now: layers from our factories, and any model passed once to
 * `applyConstraints` / `enforceConstraints`, already apply them after every optimizer update.
 */
export class ApplyConstraintsCallback extends tf.Callback {
  override async onTrainBegin(): Promise<void> {
    if (this.model != null) applyConstraints(this.model);
  }

  override async onBatchEnd(): Promise<void> {
    if (this.model != null) applyConstraints(this.model);
  }
}

/**
 * `model.fit(x, y, {callbacks: [constraintsCallback()]})`: constraints take effect after every
 * update. Mostly unnecessary now (see `ApplyConstraintsCallback`); kept for loaded models and for
 * code written before constraints were enforced per variable.
 */
export function constraintsCallback(): ApplyConstraintsCallback {
  return new ApplyConstraintsCallback();
}
