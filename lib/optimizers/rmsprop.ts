/**
 * RMSprop with Keras 3's formula (`keras.optimizers.RMSprop.update_step`):
 *
 *     v ← ρ·v + (1 − ρ)·g²
 *     centered:  ḡ ← ρ·ḡ + (1 − ρ)·g;  d = v − ḡ² + ε      else d = v + ε
 *     Δ = lr·g / sqrt(d)
 *     momentum μ > 0:  m ← μ·m + Δ;  w ← w − m             else w ← w − Δ
 *
 * State starts at zero. (tfjs's RMSProp keeps ε inside the same square root but starts its
 * accumulators differently and has no schedule.)
 */
import * as tf from '@tensorflow/tfjs';
import { KeptScalar, ScheduledLeanOptimizer, gradientOrZeros, replaceKept } from './lean-optimizer';
import type { LearningRate } from './schedules';

/** Arguments of `LeanRmsprop`. */
export interface LeanRmspropArgs {
  /** Step size lr: a number, a schedule spec or a function of the step. */
  learningRate: LearningRate;
  /** Decay ρ of the squared-gradient average. */
  rho: number;
  /** Momentum μ (0: none). */
  momentum: number;
  /** ε, added to the average before the square root. */
  epsilon: number;
  /** Divide by the estimated variance instead of the second moment. */
  centered: boolean;
}

export class LeanRmsprop extends ScheduledLeanOptimizer {
  private readonly args: LeanRmspropArgs;
  private readonly rate = new KeptScalar();
  private readonly constants: { rho: tf.Scalar; oneMinusRho: tf.Scalar; epsilon: tf.Scalar; momentum: tf.Scalar };
  private velocities: tf.Tensor[] | null = null;
  private averages: tf.Tensor[] | null = null;
  private momenta: tf.Tensor[] | null = null;

  constructor(args: LeanRmspropArgs) {
    super(args.learningRate);
    this.args = { ...args };
    this.constants = {
      rho: tf.keep(tf.scalar(args.rho)),
      oneMinusRho: tf.keep(tf.scalar(1 - args.rho)),
      epsilon: tf.keep(tf.scalar(args.epsilon)),
      momentum: tf.keep(tf.scalar(args.momentum)),
    };
  }

  applyGradients(variables: readonly tf.Variable[], gradients: ReadonlyArray<tf.Tensor | null | undefined>): void {
    const lr = this.rate.of(this.takeStep());
    const { rho, oneMinusRho, epsilon, momentum } = this.constants;
    tf.tidy(() => {
      const zeros = (): tf.Tensor[] => variables.map((variable) => tf.zerosLike(variable));
      const velocities = this.velocities ?? zeros();
      const averages = this.args.centered ? this.averages ?? zeros() : null;
      const momenta = this.args.momentum > 0 ? this.momenta ?? zeros() : null;
      const nextVelocities: tf.Tensor[] = [];
      const nextAverages: tf.Tensor[] = [];
      const nextMomenta: tf.Tensor[] = [];
      variables.forEach((variable, index) => {
        const g = gradientOrZeros(variable, gradients[index]);
        const velocity = tf.add(tf.mul(rho, velocities[index]), tf.mul(oneMinusRho, tf.square(g)));
        nextVelocities.push(velocity);
        let denominator: tf.Tensor;
        if (averages != null) {
          const average = tf.add(tf.mul(rho, averages[index]), tf.mul(oneMinusRho, g));
          nextAverages.push(average);
          denominator = tf.add(tf.sub(velocity, tf.square(average)), epsilon);
        } else {
          denominator = tf.add(velocity, epsilon);
        }
        const increment = tf.div(tf.mul(lr, g), tf.sqrt(denominator));
        if (momenta != null) {
          const m = tf.add(tf.mul(momentum, momenta[index]), increment);
          nextMomenta.push(m);
          variable.assign(tf.sub(variable, m));
        } else {
          variable.assign(tf.sub(variable, increment));
        }
      });
      this.velocities = keepAll(this.velocities, nextVelocities);
      if (averages != null) this.averages = keepAll(this.averages, nextAverages);
      if (momenta != null) this.momenta = keepAll(this.momenta, nextMomenta);
    });
  }

  dispose(): void {
    tf.dispose([...Object.values(this.constants), ...(this.velocities ?? []), ...(this.averages ?? []), ...(this.momenta ?? [])]);
    this.rate.dispose();
    this.velocities = this.averages = this.momenta = null;
  }
}

/** Keeps the new state tensors, disposing the old ones. */
export function keepAll(old: tf.Tensor[] | null, next: tf.Tensor[]): tf.Tensor[] {
  return old == null ? next.map((tensor) => tf.keep(tensor)) : next.map((tensor, index) => replaceKept(old[index], tensor));
}
