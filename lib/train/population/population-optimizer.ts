/**
 * Keras 3's Adam, AdamW, SGD, RMSprop and Adagrad updates for a population: every state tensor has the leading member
 * dimension, and each member has its own learning rate (number or schedule). Per member the
 * formulas and their float32 order are those of lib/optimizers/adam.ts, sgd.ts, rmsprop.ts and adagrad.ts:
 *
 *     Adam:  α_t = lr_t · sqrt(1 − β2^t) / (1 − β1^t)   (double precision in JS, one upload per step)
 *            m ← m + (g − m)·(1 − β1);  v ← v + (g² − v)·(1 − β2);  w ← w − (m·α_t) / (sqrt(v) + ε)
 *            AMSGrad: v̂ ← max(v̂, v), divide by sqrt(v̂) + ε;  AdamW: first w ← w − w·(wd·lr_t)
 *     SGD:   w ← w − lr·g;  momentum: m ← μ·m − lr·g, w ← w + m (Nesterov: w ← w + μ·m − lr·g)
 *     RMSprop: v ← ρ·v + (1 − ρ)·g²; centered: ḡ ← ρ·ḡ + (1 − ρ)·g, d = v − ḡ² + ε, else d = v + ε;
 *            Δ = lr·g / sqrt(d); momentum: m ← μ·m + Δ, w ← w − m, else w ← w − Δ
 *     Adagrad: a ← a + g² (a starts at the initial accumulator value); w ← w − lr·g / sqrt(a + ε)
 *
 * Adam works on one flat [K, P] vector of every variable's gradient, as LeanAdam does, so a step
 * costs the same few kernels whatever K is. On the native backend the single-model Adam runs
 * TensorFlow's fused `ResourceApplyAdam` (the same formula; `1 − β` formed in float32 by the
 * kernel): the two differ by float32 rounding only. When every member has the same learning-rate
 * spec (the common sweep: only coefficients and seeds differ), the population runs that same fused
 * kernel on its [K, ...] variables (one scalar step size serves all), one kernel per variable.
 *
 * Members leave the population (`keep(indices)`): the state rows of the others are kept.
 */
import * as tf from '@tensorflow/tfjs';
import type { LearningRateFunction } from '../../optimizers/schedules';
import { nativeBackend } from '../native-kernels';
import { NativeAdamKernel } from '../../optimizers/native-adam';
import type { PopulationOptimizer } from './plan';
import { scaleByMember } from './batched-ops';

export class PopulationOptimizerState {
  private readonly kind: PopulationOptimizer;
  private rates: LearningRateFunction[];
  private step = 0;
  /** Adam's moments, one [K, P] tensor per variable group. */
  private m: tf.Tensor2D[] | null = null;
  private v: tf.Tensor2D[] | null = null;
  /** Adam over one flat vector of all variables (native backend) or per variable (pure JS). */
  private readonly flatten = tf.getBackend() !== 'cpu';
  private velocities: tf.Tensor[] | null = null;
  /** AMSGrad's running maximum of v, one [K, P] tensor per variable group. */
  private vHat: tf.Tensor2D[] | null = null;
  /** RMSprop's averages ḡ (centered) and momenta; Adagrad's accumulators live in `velocities`. */
  private averages: tf.Tensor[] | null = null;
  private momenta: tf.Tensor[] | null = null;
  private readonly constants: tf.Scalar[];

  /**
   * TensorFlow's fused `ResourceApplyAdam` over the population's variables (one kernel per variable
   * and step, what a member alone runs natively), usable when every member has the same learning
   * rate at every step (`sharedRate`): its step size is one scalar.
   */
  private fused: NativeAdamKernel | null = null;

  /** `sharedRate`: every member's learning rate is the same function of the step (the same spec). */
  constructor(kind: PopulationOptimizer, rates: LearningRateFunction[], sharedRate = false) {
    this.kind = kind;
    const native = nativeBackend();
    // AMSGrad runs the eager formula alone too (lib/optimizers/adam.ts: no fused kernel).
    if (kind.kind === 'adam' && !kind.amsgrad && sharedRate && native != null) this.fused = new NativeAdamKernel(native, kind);
    this.rates = [...rates];
    if (kind.kind === 'adam') this.constants = [tf.keep(tf.scalar(1 - kind.beta1)), tf.keep(tf.scalar(1 - kind.beta2)), tf.keep(tf.scalar(kind.epsilon))];
    else if (kind.kind === 'sgd') this.constants = [tf.keep(tf.scalar(kind.momentum))];
    else if (kind.kind === 'rmsprop') this.constants = [tf.keep(tf.scalar(kind.rho)), tf.keep(tf.scalar(1 - kind.rho)), tf.keep(tf.scalar(kind.epsilon)), tf.keep(tf.scalar(kind.momentum))];
    else this.constants = [tf.keep(tf.scalar(kind.epsilon))];
  }

  /** Each member's learning rate for the next update (what decoupled weight decay scales with). */
  learningRates(): number[] {
    return this.rates.map((rate) => rate(this.step));
  }

  /** Updates `variables` (each [K, ...]) with `gradients` (same shapes). Call inside a tf.tidy. */
  applyGradients(variables: readonly tf.Variable[], gradients: readonly tf.Tensor[]): void {
    const rates = this.learningRates();
    this.step++;
    const members = variables[0].shape[0];
    if (this.kind.kind === 'rmsprop' || this.kind.kind === 'adagrad') {
      this.applyAccumulating(variables, gradients, Float32Array.from(rates));
      return;
    }
    if (this.kind.kind === 'adam') {
      const { beta1, beta2, weightDecay, amsgrad } = this.kind;
      // AdamW: w ← w − w·(wd·lr), the factor formed in double precision and rounded once (lib/optimizers/lean-optimizer.ts).
      if (weightDecay > 0) {
        const factors = Float32Array.from(rates, (rate) => weightDecay * rate);
        variables.forEach((variable) => variable.assign(tf.sub(variable, scaleByMember(variable, factors))));
      }
      const [oneMinusBeta1, oneMinusBeta2, epsilon] = this.constants;
      const correction = Math.sqrt(1 - Math.pow(beta2, this.step)) / (1 - Math.pow(beta1, this.step));
      if (this.fused != null) {
        this.fused.apply(variables, gradients, rates[0] * correction);
        return;
      }
      const alpha = Float32Array.from(rates, (rate) => rate * correction);
      // Natively: every variable in one flat [K, P] vector (few kernels per step, as LeanAdam). On the
      // pure-JS backend: per variable (splitting a [K, P] vector along P is tfjs-cpu's slow strided slice).
      const groups = this.flatten ? [variables.map((_, index) => index)] : variables.map((_, index) => [index]);
      if (this.m == null) this.m = [];
      if (this.v == null) this.v = [];
      groups.forEach((group, groupIndex) => {
        const flat = group.map((index) => tf.reshape(gradients[index], [members, -1]));
        const g = (flat.length === 1 ? flat[0] : tf.concat(flat, 1)) as tf.Tensor2D;
        const m0 = (this.m as tf.Tensor2D[])[groupIndex] ?? tf.zerosLike(g);
        const v0 = (this.v as tf.Tensor2D[])[groupIndex] ?? tf.zerosLike(g);
        const m = tf.add(m0, tf.mul(tf.sub(g, m0), oneMinusBeta1)) as tf.Tensor2D;
        const v = tf.add(v0, tf.mul(tf.sub(tf.square(g), v0), oneMinusBeta2)) as tf.Tensor2D;
        let vHat: tf.Tensor2D | null = null;
        if (amsgrad) {
          if (this.vHat == null) this.vHat = [];
          vHat = tf.maximum(this.vHat[groupIndex] ?? tf.zerosLike(g), v) as tf.Tensor2D;
          const kept = tf.keep(vHat);
          this.vHat[groupIndex]?.dispose();
          this.vHat[groupIndex] = kept;
        }
        const update = tf.div(scaleByMember(m, alpha), tf.add(tf.sqrt(vHat ?? v), epsilon));
        const parts = group.length === 1 ? [update] : tf.split(update, group.map((index) => variables[index].size / members), 1);
        group.forEach((index, part) => variables[index].assign(tf.sub(variables[index], tf.reshape(parts[part], variables[index].shape))));
        this.replaceMoments(groupIndex, m, v);
      });
      return;
    }
    const negativeRate = Float32Array.from(rates, (rate) => -rate);
    if (this.kind.momentum === 0) {
      variables.forEach((variable, index) => variable.assign(tf.add(variable, scaleByMember(gradients[index], negativeRate))));
      return;
    }
    const momentum = this.constants[0];
    const previous = this.velocities ?? variables.map((variable) => tf.zerosLike(variable));
    const next = variables.map((variable, index) => {
      const step = scaleByMember(gradients[index], negativeRate);
      const velocity = tf.add(tf.mul(previous[index], momentum), step);
      const delta = this.kind.kind === 'sgd' && this.kind.nesterov ? tf.add(tf.mul(velocity, momentum), step) : velocity;
      variable.assign(tf.add(variable, delta));
      return tf.keep(velocity);
    });
    if (this.velocities != null) tf.dispose(this.velocities);
    this.velocities = next;
  }

  /** RMSprop and Adagrad, per variable, each member with its learning rate `rates` (float32). */
  private applyAccumulating(variables: readonly tf.Variable[], gradients: readonly tf.Tensor[], rates: Float32Array): void {
    const kind = this.kind;
    const keepAll = (old: tf.Tensor[] | null, next: tf.Tensor[]): tf.Tensor[] => {
      const kept = next.map((tensor) => tf.keep(tensor));
      if (old != null) tf.dispose(old.filter((tensor) => !kept.includes(tensor)));
      return kept;
    };
    if (kind.kind === 'adagrad') {
      const [epsilon] = this.constants;
      const previous = this.velocities ?? variables.map((variable) => tf.fill(variable.shape, kind.initialAccumulatorValue));
      const next = variables.map((variable, index) => {
        const g = gradients[index];
        const accumulator = tf.add(previous[index], tf.square(g));
        variable.assign(tf.sub(variable, tf.div(scaleByMember(g, rates), tf.sqrt(tf.add(accumulator, epsilon)))));
        return accumulator;
      });
      this.velocities = keepAll(this.velocities, next);
      return;
    }
    if (kind.kind !== 'rmsprop') return;
    const [rho, oneMinusRho, epsilon, momentum] = this.constants;
    const zeros = (): tf.Tensor[] => variables.map((variable) => tf.zerosLike(variable));
    const velocities = this.velocities ?? zeros();
    const averages = kind.centered ? (this.averages ?? zeros()) : null;
    const momenta = kind.momentum > 0 ? (this.momenta ?? zeros()) : null;
    const nextVelocities: tf.Tensor[] = [];
    const nextAverages: tf.Tensor[] = [];
    const nextMomenta: tf.Tensor[] = [];
    variables.forEach((variable, index) => {
      const g = gradients[index];
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
      const increment = tf.div(scaleByMember(g, rates), tf.sqrt(denominator));
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
  }

  /** Keeps only the state rows of the members at `indices` (in that order). */
  keep(indices: number[]): void {
    this.fused?.keepRows(indices);
    const index = tf.tensor1d(indices, 'int32');
    const gather = <T extends tf.Tensor>(tensor: T | null): T | null => {
      if (tensor == null) return null;
      const kept = tf.keep(tf.gather(tensor, index)) as T;
      tensor.dispose();
      return kept;
    };
    if (this.m != null) this.m = this.m.map((moment) => gather(moment) as tf.Tensor2D);
    if (this.v != null) this.v = this.v.map((moment) => gather(moment) as tf.Tensor2D);
    if (this.velocities != null) this.velocities = this.velocities.map((velocity) => gather(velocity) as tf.Tensor);
    if (this.vHat != null) this.vHat = this.vHat.map((moment) => gather(moment) as tf.Tensor2D);
    if (this.averages != null) this.averages = this.averages.map((average) => gather(average) as tf.Tensor);
    if (this.momenta != null) this.momenta = this.momenta.map((momentum) => gather(momentum) as tf.Tensor);
    index.dispose();
    this.rates = indices.map((member) => this.rates[member]);
  }

  dispose(): void {
    this.fused?.dispose();
    this.fused = null;
    tf.dispose([...this.constants, ...(this.m ?? []), ...(this.v ?? []), ...(this.velocities ?? []), ...(this.vHat ?? []), ...(this.averages ?? []), ...(this.momenta ?? [])]);
    this.m = null;
    this.v = null;
    this.velocities = null;
    this.vHat = null;
    this.averages = null;
    this.momenta = null;
  }

  private replaceMoments(group: number, m: tf.Tensor2D, v: tf.Tensor2D): void {
    const moments = this.m as tf.Tensor2D[];
    const seconds = this.v as tf.Tensor2D[];
    const keptM = tf.keep(m);
    const keptV = tf.keep(v);
    if (moments[group] != null && moments[group] !== keptM) moments[group].dispose();
    if (seconds[group] != null && seconds[group] !== keptV) seconds[group].dispose();
    moments[group] = keptM;
    seconds[group] = keptV;
  }

}
