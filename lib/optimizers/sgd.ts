/**
 * SGD, with optional (Nesterov) momentum, with Keras 3's formula (`keras.optimizers.SGD.update_step`):
 *
 *     plain:     w ← w − lr·g
 *     momentum:  m ← μ·m − lr·g;  w ← w + m
 *     nesterov:  m ← μ·m − lr·g;  w ← w + μ·m − lr·g
 *
 * (tfjs keeps `a ← μ·a + g` and steps `−lr·a`, the same up to float rounding.) The constants are
 * kept tensors, so a step uploads nothing.
 */
import * as tf from '@tensorflow/tfjs';
import { KeptScalar, ScheduledLeanOptimizer, gradientOrZeros, replaceKept } from './lean-optimizer';
import type { LearningRate } from './schedules';

/** Arguments of `LeanSgd`. */
export interface LeanSgdArgs {
  /** Step size lr: a number, a schedule spec or a function of the step. */
  learningRate: LearningRate;
  /** Momentum μ in [0, 1). Default 0 (plain SGD, no state). */
  momentum?: number;
  /** Nesterov momentum. Default false. */
  nesterov?: boolean;
}

export class LeanSgd extends ScheduledLeanOptimizer {
  private readonly momentumValue: number;
  private readonly nesterov: boolean;
  private readonly negativeLearningRate = new KeptScalar();
  private readonly momentum: tf.Scalar | null;
  private velocities: tf.Tensor[] | null = null;

  constructor(args: LeanSgdArgs) {
    super(args.learningRate);
    this.momentumValue = args.momentum ?? 0;
    this.nesterov = args.nesterov ?? false;
    this.momentum = this.momentumValue > 0 ? tf.keep(tf.scalar(this.momentumValue)) : null;
  }

  applyGradients(variables: readonly tf.Variable[], gradients: ReadonlyArray<tf.Tensor | null | undefined>): void {
    const negativeLearningRate = this.negativeLearningRate.of(-this.takeStep());
    tf.tidy(() => {
      if (this.momentum == null) {
        variables.forEach((variable, index) => {
          const gradient = gradients[index];
          if (gradient != null) variable.assign(tf.add(variable, tf.mul(gradient, negativeLearningRate)));
        });
        return;
      }
      const momentum = this.momentum;
      const previous = this.velocities ?? variables.map((variable) => tf.zerosLike(variable));
      const next = variables.map((variable, index) => {
        const step = tf.mul(gradientOrZeros(variable, gradients[index]), negativeLearningRate);
        const velocity = tf.add(tf.mul(previous[index], momentum), step);
        const delta = this.nesterov ? tf.add(tf.mul(velocity, momentum), step) : velocity;
        variable.assign(tf.add(variable, delta));
        return velocity;
      });
      this.velocities = this.velocities == null ? next.map((velocity) => tf.keep(velocity)) : next.map((velocity, index) => replaceKept((this.velocities as tf.Tensor[])[index], velocity));
    });
  }

  dispose(): void {
    this.negativeLearningRate.dispose();
    tf.dispose([...(this.momentum ? [this.momentum] : []), ...(this.velocities ?? [])]);
    this.velocities = null;
  }
}
