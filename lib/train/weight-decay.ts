/**
 * Decoupled weight decay (AdamW / SGDW), as Keras 3 optimizers' `weight_decay`:
 *
 *     w ← w − lr · wd · w
 *
 * applied once per step to each decayed variable, with the weights as they were BEFORE the step.
 * Keras 3's order (`BaseOptimizer.apply`): gradients are computed on the un-decayed weights, then
 * the decay is applied, then the optimizer's own update. Because the update of SGD / Adam / ... is
 * a function of the gradient (and its own state) only, the result is
 * `w_{t+1} = w_t·(1 − lr·wd) − update(g(w_t))`.
 *
 * It adds nothing to the loss and is therefore never part of `penalty` in the records. Under plain
 * SGD it equals an L2 penalty of `wd/2` (gradient `wd·w`); under adaptive optimizers it differs,
 * which is the point of decoupling.
 *
 * Rates are per variable, keyed by `LayerVariable.originalName` (e.g. `dense_1/kernel`), which
 * is what `lib/policy`'s `weightDecayRates(policy, model)` yields. A single number decays
 * kernels only: biases and normalization parameters (gamma/beta) are excluded, like policies do.
 */
import * as tf from '@tensorflow/tfjs';
import type { LayerVariable } from '@tensorflow/tfjs-layers/dist/variables';
import { LayerwiseConfigError, describeValue } from '../errors/config-error';

/** One rate for every kernel, or a rate per weight `originalName` (`dense_1/kernel` → 1e-4). */
export type WeightDecaySetting = number | Record<string, number>;

/** One decayed variable and its rate. */
export interface DecayedWeight {
  /** `LayerVariable.originalName`, e.g. `dense_1/kernel`. */
  name: string;
  variable: LayerVariable;
  rate: number;
}

/**
 * Weights a single-number decay applies to: kernels of every kind (dense/conv `kernel`, RNN
 * `recurrent_kernel`, `depthwise_kernel`, `pointwise_kernel`, `embeddings`). Never biases, BatchNorm
 * or LayerNorm gamma/beta, PReLU alpha or moving statistics.
 */
export const KERNEL_WEIGHT_PATTERN = /(^|\/)(kernel|recurrent_kernel|depthwise_kernel|pointwise_kernel|embeddings)$/;

function checkRate(rate: unknown, field: string): number {
  if (typeof rate !== 'number' || !Number.isFinite(rate) || rate < 0) {
    throw new LayerwiseConfigError(field, `= ${describeValue(rate)}: expected a finite number >= 0 (a decay rate per step, scaled by the learning rate)`);
  }
  return rate;
}

/**
 * Resolves a decay setting against the model's TRAINABLE weights (frozen weights and moving
 * statistics are never decayed: the optimizer does not update them). Rates of 0 are dropped.
 * A key that names no trainable weight is an error listing the names that exist.
 */
export function resolveWeightDecay(
  model: tf.LayersModel,
  setting: WeightDecaySetting | undefined,
  where = 'weightDecay',
): DecayedWeight[] {
  if (setting == null) return [];
  const weights = model.trainableWeights;
  if (typeof setting === 'number') {
    const rate = checkRate(setting, where);
    if (rate === 0) return [];
    return weights
      .filter((weight) => KERNEL_WEIGHT_PATTERN.test(weight.originalName))
      .map((variable) => ({ name: variable.originalName, variable, rate }));
  }
  if (typeof setting !== 'object' || Array.isArray(setting)) {
    throw new LayerwiseConfigError(where, `= ${describeValue(setting)}: expected a number or an object {weightName: rate}, e.g. {"dense_1/kernel": 1e-4}`);
  }
  const byName = new Map(weights.map((weight) => [weight.originalName, weight] as const));
  const decayed: DecayedWeight[] = [];
  for (const [name, rate] of Object.entries(setting)) {
    const field = `${where}[${JSON.stringify(name)}]`;
    const checked = checkRate(rate, field);
    const variable = byName.get(name);
    if (variable == null) {
      throw new LayerwiseConfigError(field, `names no trainable weight of the model; its trainable weights are ${[...byName.keys()].join(', ')}`);
    }
    if (checked > 0) decayed.push({ name, variable, rate: checked });
  }
  return decayed;
}

/**
 * Applies `w ← w·(1 − lr·wd)` to each decayed weight, in place. Call it between computing the
 * gradients and `optimizer.applyGradients` (see `decoupledStep`). Owns its temporaries.
 */
export function applyWeightDecay(decayed: readonly DecayedWeight[], learningRate: number): void {
  if (decayed.length === 0) return;
  tf.tidy(() => {
    for (const { variable, rate } of decayed) {
      const value = variable.read() as tf.Variable;
      value.assign(tf.mul(value, 1 - learningRate * rate));
    }
  });
}

/**
 * Keeps one factor tensor `1 − lr·wd` per distinct rate, so a training step uploads no scalars.
 * Rebuilt only when the learning rate changes. Dispose it when training ends.
 */
export class WeightDecayApplier {
  private readonly decayed: readonly DecayedWeight[];
  private factors = new Map<number, tf.Scalar>();
  private learningRate = NaN;

  constructor(decayed: readonly DecayedWeight[]) {
    this.decayed = decayed;
  }

  /** Whether any weight is decayed. */
  get active(): boolean {
    return this.decayed.length > 0;
  }

  /** Decays the weights in place with the given learning rate (see `applyWeightDecay`). */
  apply(learningRate: number): void {
    if (this.decayed.length === 0) return;
    if (learningRate !== this.learningRate) {
      this.dispose();
      this.learningRate = learningRate;
      for (const { rate } of this.decayed) {
        if (!this.factors.has(rate)) this.factors.set(rate, tf.keep(tf.scalar(1 - learningRate * rate)));
      }
    }
    tf.tidy(() => {
      for (const { variable, rate } of this.decayed) {
        const value = variable.read() as tf.Variable;
        value.assign(tf.mul(value, this.factors.get(rate) as tf.Scalar));
      }
    });
  }

  /** Frees the factor tensors. */
  dispose(): void {
    tf.dispose([...this.factors.values()]);
    this.factors = new Map();
    this.learningRate = NaN;
  }
}

/**
 * One optimizer step with decoupled weight decay in Keras 3's order: gradients of `loss` at the
 * current weights, then the decay, then `optimizer.applyGradients`. Returns the loss (owned by the
 * caller). `variables` must be the same list in the same order at every step (tfjs keys optimizer
 * state by position).
 */
export function decoupledStep(
  optimizer: tf.Optimizer,
  variables: tf.Variable[],
  loss: () => tf.Scalar,
  decay: (learningRate: number) => void,
  learningRate: number,
): tf.Scalar {
  const { value, grads } = optimizer.computeGradients(loss, variables);
  decay(learningRate);
  optimizer.applyGradients(grads);
  tf.dispose(grads);
  return value;
}
