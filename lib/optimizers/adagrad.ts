/**
 * Adagrad with Keras 3's formula (`keras.optimizers.Adagrad.update_step`):
 *
 *     a ← a + g²            (a starts at initialAccumulatorValue)
 *     w ← w − lr·g / sqrt(a + ε)
 *
 * (tfjs's Adagrad adds its backend epsilon instead of Keras's 1e-7 and takes no schedule.)
 */
import * as tf from '@tensorflow/tfjs';
import { KeptScalar, ScheduledLeanOptimizer, gradientOrZeros } from './lean-optimizer';
import { keepAll } from './rmsprop';
import type { LearningRate } from './schedules';

/** Arguments of `LeanAdagrad`. */
export interface LeanAdagradArgs {
  /** Step size lr: a number, a schedule spec or a function of the step. */
  learningRate: LearningRate;
  /** Starting value of every accumulator. */
  initialAccumulatorValue: number;
  /** ε, added to the accumulator before the square root. */
  epsilon: number;
}

export class LeanAdagrad extends ScheduledLeanOptimizer {
  private readonly args: LeanAdagradArgs;
  private readonly rate = new KeptScalar();
  private readonly epsilon: tf.Scalar;
  private accumulators: tf.Tensor[] | null = null;

  constructor(args: LeanAdagradArgs) {
    super(args.learningRate);
    this.args = { ...args };
    this.epsilon = tf.keep(tf.scalar(args.epsilon));
  }

  applyGradients(variables: readonly tf.Variable[], gradients: ReadonlyArray<tf.Tensor | null | undefined>): void {
    const lr = this.rate.of(this.takeStep());
    tf.tidy(() => {
      const previous = this.accumulators ?? variables.map((variable) => tf.fill(variable.shape, this.args.initialAccumulatorValue));
      const next = variables.map((variable, index) => {
        const g = gradientOrZeros(variable, gradients[index]);
        const accumulator = tf.add(previous[index], tf.square(g));
        variable.assign(tf.sub(variable, tf.div(tf.mul(lr, g), tf.sqrt(tf.add(accumulator, this.epsilon)))));
        return accumulator;
      });
      this.accumulators = keepAll(this.accumulators, next);
    });
  }

  dispose(): void {
    tf.dispose([this.epsilon, ...(this.accumulators ?? [])]);
    this.rate.dispose();
    this.accumulators = null;
  }
}
