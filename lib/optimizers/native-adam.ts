/**
 * Adam as TensorFlow's fused `ResourceApplyAdam` kernel, for the native (tfjs-node) backend: one
 * kernel call per variable and step does the whole update in one pass over memory (the eager
 * elementwise version is ~11 kernels over every element, plus the flattening).
 *
 * The kernel updates TensorFlow resource variables in place, so each tfjs variable gets a
 * resource-variable twin (and two more for its moments), created with `VarHandleOp` under a
 * process-unique name and destroyed with `DestroyResourceOp` by `dispose()`. Per step: the twin is
 * re-assigned from the tfjs variable only when something else replaced the variable's value since
 * the last step (weight decay, constraints, restored weights); then `ResourceApplyAdam`; then the
 * tfjs variable takes the twin's new value (`ReadVariableOp`, no copy).
 *
 * Formula: TensorFlow's kernel computes, in float32,
 *     m += (g − m)·(1 − β1);  v += (g² − v)·(1 − β2);  w −= (m·α) / (sqrt(v) + ε),
 * α = lr·sqrt(1 − β2_power) / (1 − β1_power): Keras 3's `Adam.update_step` in the same order. α is
 * computed here in double precision and passed as `lr` with both powers 0 (so the kernel's α is
 * exactly the passed value). `1 − β` is formed in float32 by the kernel (Keras forms it in double
 * and rounds: the two differ by at most a few float32 ulps).
 */
import * as tf from '@tensorflow/tfjs';
import { nativeBackend } from '../backend/native-ops';
import { gradientOrZeros } from './lean-optimizer';

type Native = NonNullable<ReturnType<typeof nativeBackend>> & { binding: { TF_ATTR_SHAPE: number } };

/** The three resource variables of one model variable and the tfjs data last written to the model. */
interface Twin {
  weights: tf.Tensor;
  m: tf.Tensor;
  v: tf.Tensor;
  /** `dataId` of the value the tfjs variable got from the twin at the last step (null: never). */
  lastDataId: object | null;
}

let nextResourceId = 0;

/** Adam over fixed variables with the fused kernel; create only when `nativeBackend()` is non-null. */
export class NativeAdamKernel {
  private readonly native: Native;
  private twins: Twin[] | null = null;
  private readonly constants: { zero: tf.Scalar; beta1: tf.Scalar; beta2: tf.Scalar; epsilon: tf.Scalar };
  private readonly floatType: unknown;
  private readonly applyAttrs: unknown[];

  constructor(native: NonNullable<ReturnType<typeof nativeBackend>>, args: { beta1: number; beta2: number; epsilon: number }) {
    this.native = native as Native;
    const binding = this.native.binding;
    this.floatType = { name: 'dtype', type: binding.TF_ATTR_TYPE, value: binding.TF_FLOAT };
    this.applyAttrs = [
      { name: 'T', type: binding.TF_ATTR_TYPE, value: binding.TF_FLOAT },
      { name: 'use_locking', type: binding.TF_ATTR_BOOL, value: false },
      { name: 'use_nesterov', type: binding.TF_ATTR_BOOL, value: false },
    ];
    this.constants = {
      zero: tf.keep(tf.scalar(0)),
      beta1: tf.keep(tf.scalar(args.beta1)),
      beta2: tf.keep(tf.scalar(args.beta2)),
      epsilon: tf.keep(tf.scalar(args.epsilon)),
    };
  }

  private resource(shape: readonly number[], initial: tf.Tensor): tf.Tensor {
    const binding = this.native.binding;
    const name = `layerwise_adam_${process.pid}_${nextResourceId++}`;
    const handle = this.native.executeSingleOutput(
      'VarHandleOp',
      [
        this.floatType,
        { name: 'shape', type: binding.TF_ATTR_SHAPE, value: [...shape] },
        { name: 'shared_name', type: binding.TF_ATTR_STRING, value: name },
        { name: 'container', type: binding.TF_ATTR_STRING, value: '' },
      ],
      [],
    );
    this.native.executeMultipleOutputs('AssignVariableOp', [this.floatType], [handle, initial], 0);
    return tf.keep(handle);
  }

  /** One step with step size `alpha` (bias corrections folded in). Call inside a tf.tidy. */
  apply(variables: readonly tf.Variable[], gradients: ReadonlyArray<tf.Tensor | null | undefined>, alpha: number): void {
    if (this.twins == null) {
      this.twins = variables.map((variable) => {
        const zeros = tf.zerosLike(variable);
        const twin = { weights: this.resource(variable.shape, variable), m: this.resource(variable.shape, zeros), v: this.resource(variable.shape, zeros), lastDataId: variable.dataId };
        zeros.dispose();
        return twin;
      });
    }
    const twins = this.twins;
    const step = tf.scalar(alpha);
    const { zero, beta1, beta2, epsilon } = this.constants;
    variables.forEach((variable, index) => {
      const twin = twins[index];
      // Something else (weight decay, constraints, a restore) gave the variable a new value: the twin takes it.
      if (variable.dataId !== twin.lastDataId) this.native.executeMultipleOutputs('AssignVariableOp', [this.floatType], [twin.weights, variable], 0);
      const gradient = gradientOrZeros(variable, gradients[index]);
      this.native.executeMultipleOutputs('ResourceApplyAdam', this.applyAttrs, [twin.weights, twin.m, twin.v, zero, zero, step, beta1, beta2, epsilon, gradient], 0);
      const updated = this.native.executeSingleOutput('ReadVariableOp', [this.floatType], [twin.weights]);
      variable.assign(updated);
      twin.lastDataId = variable.dataId;
    });
  }

  /**
   * Keeps only the rows `indices` (along the first axis) of every variable's moments: for a
   * population whose members leave (lib/train/population). The weights' twins are reassigned from
   * the (already compacted) tfjs variables at the next step.
   */
  keepRows(indices: readonly number[]): void {
    if (this.twins == null) return;
    const binding = this.native.binding;
    const index = tf.tensor1d(indices as number[], 'int32');
    try {
      this.twins = this.twins.map((twin) => {
        const rows = [twin.weights, twin.m, twin.v].map((handle) => {
          const value = this.native.executeSingleOutput('ReadVariableOp', [this.floatType], [handle]);
          const kept = tf.gather(value, index);
          value.dispose();
          return kept;
        });
        for (const handle of [twin.weights, twin.m, twin.v]) {
          this.native.executeMultipleOutputs('DestroyResourceOp', [{ name: 'ignore_lookup_error', type: binding.TF_ATTR_BOOL, value: true }], [handle], 0);
          handle.dispose();
        }
        const shape = rows[0].shape;
        const next: Twin = { weights: this.resource(shape, rows[0]), m: this.resource(shape, rows[1]), v: this.resource(shape, rows[2]), lastDataId: null };
        tf.dispose(rows);
        return next;
      });
    } finally {
      index.dispose();
    }
  }

  dispose(): void {
    const binding = this.native.binding;
    for (const twin of this.twins ?? []) {
      for (const handle of [twin.weights, twin.m, twin.v]) {
        this.native.executeMultipleOutputs('DestroyResourceOp', [{ name: 'ignore_lookup_error', type: binding.TF_ATTR_BOOL, value: true }], [handle], 0);
        handle.dispose();
      }
    }
    this.twins = null;
    tf.dispose(Object.values(this.constants));
  }
}
