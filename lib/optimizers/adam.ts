/**
 * Adam with Keras 3's formula (`keras.optimizers.Adam.update_step`):
 *
 *     α_t = lr · sqrt(1 − β2^t) / (1 − β1^t)
 *     m ← m + (g − m)·(1 − β1)
 *     v ← v + (g² − v)·(1 − β2)
 *     w ← w − (m·α_t) / (sqrt(v) + ε)
 *
 * tfjs's Adam adds ε to sqrt(v̂) instead (a time-dependent difference, largest at the first steps).
 * Every variable's gradient is flattened into one vector so the moments are updated with one op
 * each for the whole model; α_t is computed in double precision in JS and uploaded once per step.
 * On the native backend the same update runs as TensorFlow's fused `ResourceApplyAdam` kernel
 * (lib/optimizers/native-adam.ts): one kernel per variable instead of ~25 per step.
 *
 * With `weightDecay` > 0 it is Keras's `AdamW`: before each update every variable is decayed
 * `w ← w − w·wd·lr` (decoupled from the gradient), with the update's learning rate. The learning
 * rate may be a schedule: lr_t = rate(t) for the update at step t = 0, 1, ... (Keras `iterations`).
 */
import * as tf from '@tensorflow/tfjs';
import { nativeBackend } from '../backend/native-ops';
import { KeptScalar, ScheduledLeanOptimizer, applyOptimizerWeightDecay, gradientOrZeros, replaceKept } from './lean-optimizer';
import { NativeAdamKernel } from './native-adam';
import type { LearningRate } from './schedules';

/** Arguments of `LeanAdam`. */
export interface LeanAdamArgs {
  /** Step size lr: a number, a schedule spec or a function of the step. */
  learningRate: LearningRate;
  /** Decay of the first moment β1. */
  beta1: number;
  /** Decay of the second moment β2. */
  beta2: number;
  /** ε, added to sqrt(v). */
  epsilon: number;
  /** AMSGrad (Keras `amsgrad=True`): v̂ ← max(v̂, v), divide by sqrt(v̂) + ε. Runs the eager path (no fused kernel). Default false. */
  amsgrad?: boolean;
  /** Keras AdamW's decoupled weight decay `wd` (`w ← w − w·wd·lr` before each update). Default 0 (Adam). */
  weightDecay?: number;
  /** Use TensorFlow's fused `ResourceApplyAdam` kernel when the native backend is active. Default true. */
  fused?: boolean;
}

export class LeanAdam extends ScheduledLeanOptimizer {
  private readonly args: LeanAdamArgs;
  private readonly decayFactor = new KeptScalar();
  private m: tf.Tensor1D | null = null;
  private v: tf.Tensor1D | null = null;
  private vHat: tf.Tensor1D | null = null;
  private readonly oneMinusBeta1: tf.Scalar;
  private readonly oneMinusBeta2: tf.Scalar;
  private readonly epsilon: tf.Scalar;
  /** The fused kernel, chosen at the first step when the native backend is active. */
  private fused: NativeAdamKernel | null = null;
  private decided = false;

  constructor(args: LeanAdamArgs) {
    super(args.learningRate);
    this.args = { ...args };
    this.oneMinusBeta1 = tf.keep(tf.scalar(1 - args.beta1));
    this.oneMinusBeta2 = tf.keep(tf.scalar(1 - args.beta2));
    this.epsilon = tf.keep(tf.scalar(args.epsilon));
  }

  applyGradients(variables: readonly tf.Variable[], gradients: ReadonlyArray<tf.Tensor | null | undefined>): void {
    const learningRate = this.takeStep();
    const weightDecay = this.args.weightDecay ?? 0;
    if (weightDecay > 0) applyOptimizerWeightDecay(variables, this.decayFactor.of(weightDecay * learningRate));
    const { beta1, beta2 } = this.args;
    const alpha = (learningRate * Math.sqrt(1 - Math.pow(beta2, this.iterations))) / (1 - Math.pow(beta1, this.iterations));
    if (!this.decided) {
      this.decided = true;
      const native = nativeBackend();
      if (native != null && this.args.fused !== false && this.args.amsgrad !== true) this.fused = new NativeAdamKernel(native, this.args);
    }
    if (this.fused != null) {
      const fused = this.fused;
      tf.tidy(() => fused.apply(variables, gradients, alpha));
      return;
    }
    tf.tidy(() => {
      const flat = variables.map((variable, index) => tf.reshape(gradientOrZeros(variable, gradients[index]), [-1]));
      const g = (flat.length === 1 ? flat[0] : tf.concat(flat)) as tf.Tensor1D;
      const m0 = this.m ?? tf.zerosLike(g);
      const v0 = this.v ?? tf.zerosLike(g);
      const m = tf.add(m0, tf.mul(tf.sub(g, m0), this.oneMinusBeta1)) as tf.Tensor1D;
      const v = tf.add(v0, tf.mul(tf.sub(tf.square(g), v0), this.oneMinusBeta2)) as tf.Tensor1D;
      const vHat = this.args.amsgrad === true ? (tf.maximum(this.vHat ?? tf.zerosLike(g), v) as tf.Tensor1D) : null;
      const update = tf.div(tf.mul(m, tf.scalar(alpha)), tf.add(tf.sqrt(vHat ?? v), this.epsilon));
      const parts = variables.length === 1 ? [update] : tf.split(update, variables.map((variable) => variable.size));
      variables.forEach((variable, index) => {
        variable.assign(tf.sub(variable, tf.reshape(parts[index], variable.shape)));
      });
      this.m = this.m == null ? tf.keep(m) : replaceKept(this.m, m);
      this.v = this.v == null ? tf.keep(v) : replaceKept(this.v, v);
      if (vHat != null) this.vHat = this.vHat == null ? tf.keep(vHat) : replaceKept(this.vHat, vHat);
    });
  }

  dispose(): void {
    tf.dispose([this.oneMinusBeta1, this.oneMinusBeta2, this.epsilon]);
    this.decayFactor.dispose();
    this.fused?.dispose();
    this.fused = null;
    if (this.m) this.m.dispose();
    if (this.v) this.v.dispose();
    if (this.vHat) this.vHat.dispose();
    this.m = null;
    this.v = null;
    this.vHat = null;
  }
}
