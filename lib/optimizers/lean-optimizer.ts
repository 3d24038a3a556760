/**
 * Optimizers for layerwise's training loop with Keras 3's update formulas and few kernel calls.
 *
 * Why not tfjs's optimizers: on tfjs-node every eager op is one N-API → `TFE_Execute` call
 * (~20 µs) and every JS number entering an op is uploaded as a fresh scalar (~20 µs more).
 * tfjs's Adam runs ~14 ops and 6 scalar uploads per variable per step; these optimizers keep their
 * constants as tensors for the whole run and Adam updates every variable at once on one flat
 * vector (11 ops per step, plus the per-variable split and subtraction). They also follow Keras 3
 * exactly where tfjs differs (Adam's epsilon is added to sqrt(v), the bias correction is folded
 * into the step size; momentum keeps the velocity `m ← μ·m − lr·g`).
 *
 * Ownership: an optimizer owns its state and constants; `dispose()` frees them.
 */
import * as tf from '@tensorflow/tfjs';
import { LearningRate, learningRateFunction } from './schedules';

/** One step of an optimizer over a fixed list of variables. */
export interface LeanOptimizer {
  /**
   * The learning rate the NEXT update uses (Keras: the schedule at `iterations`); decoupled
   * weight decay applied before that update scales with it.
   */
  readonly learningRate: number;
  /** Updates applied so far (Keras `optimizer.iterations`). */
  readonly iterations: number;
  /**
   * Applies one update. `gradients[i]` belongs to `variables[i]` (the same list, in the same
   * order, at every step); a missing gradient counts as zero. Call inside a tf.tidy.
   */
  applyGradients(variables: readonly tf.Variable[], gradients: ReadonlyArray<tf.Tensor | null | undefined>): void;
  /** Frees the state and the kept constants. */
  dispose(): void;
}

/**
 * The step count and learning-rate schedule every lean optimizer keeps: `learningRate` is the
 * schedule at the step the next update will be (Keras `iterations`), and `takeStep()` returns that
 * rate and counts the update. Subclasses write only their update rule and their state.
 */
export abstract class ScheduledLeanOptimizer implements LeanOptimizer {
  private readonly rateAt: (step: number) => number;
  private step = 0;

  protected constructor(learningRate: LearningRate) {
    this.rateAt = learningRateFunction(learningRate, 'optimizer.learningRate');
  }

  get learningRate(): number {
    return this.rateAt(this.step);
  }

  get iterations(): number {
    return this.step;
  }

  /** The learning rate of the update being applied now; afterwards `iterations` counts it. */
  protected takeStep(): number {
    const rate = this.rateAt(this.step);
    this.step++;
    return rate;
  }

  abstract applyGradients(variables: readonly tf.Variable[], gradients: ReadonlyArray<tf.Tensor | null | undefined>): void;
  abstract dispose(): void;
}

/** A gradient, or zeros shaped like its variable when there is none. */
export function gradientOrZeros(variable: tf.Variable, gradient: tf.Tensor | null | undefined): tf.Tensor {
  return gradient ?? tf.zerosLike(variable);
}

/** Replaces a kept state tensor by a new value (kept), disposing the old one. */
export function replaceKept<T extends tf.Tensor>(old: T, value: T): T {
  const kept = tf.keep(value);
  if (old !== kept) old.dispose();
  return kept;
}

/**
 * A kept scalar that follows a value which changes rarely (a scheduled learning rate): uploaded
 * again only when the value changes, so a constant rate costs no upload per step.
 */
export class KeptScalar {
  private value = NaN;
  private tensor: tf.Scalar | null = null;

  /** The kept scalar holding `value` (valid until the next call with another value, or `dispose`). */
  of(value: number): tf.Scalar {
    if (this.tensor == null || value !== this.value) {
      this.tensor?.dispose();
      this.tensor = tf.keep(tf.scalar(value));
      this.value = value;
    }
    return this.tensor;
  }

  dispose(): void {
    this.tensor?.dispose();
    this.tensor = null;
    this.value = NaN;
  }
}

/**
 * Keras's decoupled weight decay (`BaseOptimizer._apply_weight_decay`, AdamW's `weight_decay`):
 * `w ← w − w·wd·lr` for every variable, before the update, with the update's learning rate.
 */
export function applyOptimizerWeightDecay(variables: readonly tf.Variable[], factor: tf.Scalar): void {
  tf.tidy(() => {
    for (const variable of variables) variable.assign(tf.sub(variable, tf.mul(variable, factor)));
  });
}
