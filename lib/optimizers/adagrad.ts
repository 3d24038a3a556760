/**
 * Adagrad with Keras 3's formula (`keras.optimizers.Adagrad.update_step`):
 *
 *     a ← a + g²            (a starts at initialAccumulatorValue)
 *     w ← w − lr·g / sqrt(a + ε)
 *
 * (tfjs's Adagrad adds its backend epsilon instead of Keras's 1e-7 and takes no schedule.)
 */
import * as tf from '@tensorflow/tfjs';
import { KeptScalar, LeanOptimizer, gradientOrZeros } from './lean-optimizer';
import { keepAll } from './rmsprop';
import { LearningRate, learningRateFunction } from './schedules';

/** Arguments of `LeanAdagrad`. */
export interface LeanAdagradArgs {
  /** Step size lr: a number, a schedule spec or a function of the step. */
  learningRate: LearningRate;
  /** Starting value of every accumulator. */
  initialAccumulatorValue: number;
  /** ε, added to the accumulator before the square root. */
  epsilon: number;
}

export class LeanAdagrad implements LeanOptimizer {
  private readonly args: LeanAdagradArgs;
  private readonly rateAt: (step: number) => number;
  private readonly rate = new KeptScalar();
  private readonly epsilon: tf.Scalar;
  private step = 0;
  private accumulators: tf.Tensor[] | null = null;

  constructor(args: LeanAdagradArgs) {
    this.args = { ...args };
    this.rateAt = learningRateFunction(args.learningRate, 'optimizer.learningRate');
    this.epsilon = tf.keep(tf.scalar(args.epsilon));
  }

  get learningRate(): number {
    return this.rateAt(this.step);
  }

  get iterations(): number {
    return this.step;
  }

  applyGradients(variables: readonly tf.Variable[], gradients: ReadonlyArray<tf.Tensor | null | undefined>): void {
    const lr = this.rate.of(this.rateAt(this.step));
    this.step++;
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
