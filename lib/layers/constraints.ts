/**
 * Weight constraints (`kernelConstraint`, `maxNorm`, `nonNeg`, ...) in training.
 *
 * tfjs 4.22 applies a constraint only in `LayerVariable.write`; optimizers assign to the raw
 * variable, so during `fit` constraints never take effect (tfjs issue #3345). Keras applies each
 * variable's constraint right after every optimizer update. `applyConstraints` does that for a
 * model; `constraintsCallback()` runs it after every batch of `fit` / `fitDataset`; a custom loop
 * calls `applyConstraints(model)` after `optimizer.applyGradients`.
 */
import * as tf from '@tensorflow/tfjs';
import type { LayerVariable } from '@tensorflow/tfjs-layers/dist/variables';

/**
 * Projects every constrained variable of `model` (each once, trainable or not) onto its
 * constraint, in place. Returns the number of variables it constrained.
 */
export function applyConstraints(model: tf.layers.Layer): number {
  const variables = new Set<LayerVariable>(model.weights);
  let count = 0;
  tf.tidy(() => {
    for (const variable of variables) {
      if (variable.constraint == null) continue;
      const value = variable.read() as tf.Variable;
      value.assign(variable.constraint.apply(value));
      count++;
    }
  });
  return count;
}

/** A `fit` callback that applies the model's constraints after each batch, like Keras. */
export class ApplyConstraintsCallback extends tf.Callback {
  override async onBatchEnd(): Promise<void> {
    if (this.model != null) applyConstraints(this.model);
  }
}

/** `model.fit(x, y, {callbacks: [constraintsCallback()]})`: constraints take effect after every update. */
export function constraintsCallback(): ApplyConstraintsCallback {
  return new ApplyConstraintsCallback();
}
