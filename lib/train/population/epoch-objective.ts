/**
 * Every population member's train objective summed over an epoch's batches: Σ over the batches of
 * the batch's size times its objective (mean data loss + the weight penalties at the weights the
 * step started from + the activity penalties), which the trainer divides by the epoch's rows to
 * report `trainObjective` as `train` does.
 *
 * A step only hands in what its objective is made of, kept: the data-loss inputs (the head's
 * predictions and the labels, or the per-row losses the softmax head computes anyway), a reference
 * to each penalized weight's value (tfjs's `clone` shares the data: no copy; the optimizer's update
 * gives the variable a new value and leaves this one as it was), and its activity penalty. The sums
 * are formed for many steps at once: one data loss over every pending row (Σ over a batch's rows =
 * its size times its mean loss) and, per penalized weight slot, one sum of squares (or absolute
 * values) over the stacked pending values, weighted by the batch sizes in one product. On a small
 * model that is a few kernels per epoch instead of ~25 per step (per-op overhead, not arithmetic,
 * bounds such a step). At most `pendingLimit` steps wait (the kept weight values bound the memory).
 *
 * The float32 formulas are the per-step ones (`Σw²·l2`, `Σ|w|·l1`, tfjs's loss); only the order of
 * the sums differs (rounding, ~1e-7 relative).
 */
import * as tf from '@tensorflow/tfjs';
import { matrixProduct } from './batched-ops';

/** A penalized weight slot's value at the step's start and the members' coefficients [K] (null: no member has that part). */
export interface PenalizedWeight {
  value: tf.Tensor;
  l1: tf.Tensor1D | null;
  l2: tf.Tensor1D | null;
}

/** What one step's objective is made of. */
export interface StepObjective {
  /** Rows in the step's batch. */
  size: number;
  /** The data loss: per-row losses [K, B], or the head's predictions and labels [K, B, units] for `loss`. */
  data: { rows: tf.Tensor2D } | { predictions: tf.Tensor3D; labels: tf.Tensor3D };
  /** Every penalized weight slot, in the same order at every step. */
  weights: PenalizedWeight[];
  /** The batch's activity penalty per member [K] (already divided by the batch size), or null. */
  activity: tf.Tensor1D | null;
}

/** `(labels, predictions) → per-row loss` (tfjs's loss functions, mean over the last axis). */
type LossFunction = (labels: tf.Tensor, predictions: tf.Tensor) => tf.Tensor;

export class EpochObjective {
  private readonly loss: LossFunction;
  private readonly pendingLimit: number;
  private pending: StepObjective[] = [];
  /** The sum of the flushed steps [K], kept. */
  private sum: tf.Tensor1D | null = null;

  constructor(loss: LossFunction, pendingLimit: number) {
    this.loss = loss;
    this.pendingLimit = Math.max(1, pendingLimit);
  }

  /** Keeps `step`'s tensors (call inside the step's tidy); sums the pending steps when `pendingLimit` wait. */
  add(step: StepObjective): void {
    // Own references (tfjs's clone shares the data): the caller may dispose its tensors, the optimizer replace the weights.
    const own = <T extends tf.Tensor>(tensor: T): T => tf.keep(tf.clone(tensor));
    const kept: StepObjective = {
      size: step.size,
      data: 'rows' in step.data ? { rows: own(step.data.rows) } : { predictions: own(step.data.predictions), labels: own(step.data.labels) },
      weights: step.weights.map((weight) => ({ value: own(weight.value), l1: weight.l1, l2: weight.l2 })),
      activity: step.activity == null ? null : own(step.activity),
    };
    this.pending.push(kept);
    if (this.pending.length >= this.pendingLimit) this.flush();
  }

  /** The sum over every step added so far [K] (the caller owns it; the objective starts over), or null when none was. */
  take(): tf.Tensor1D | null {
    this.flush();
    const sum = this.sum;
    this.sum = null;
    return sum;
  }

  /** Frees whatever is pending or summed. */
  dispose(): void {
    this.release();
    this.sum?.dispose();
    this.sum = null;
  }

  private flush(): void {
    if (this.pending.length === 0) return;
    const steps = this.pending;
    const next = tf.tidy(() => {
      const first = steps[0];
      // Σ over the pending rows of the per-row data loss: each batch's size times its mean.
      const rows =
        'rows' in first.data
          ? tf.concat(steps.map((step) => (step.data as { rows: tf.Tensor2D }).rows), 1)
          : this.loss(
              tf.concat(steps.map((step) => (step.data as { labels: tf.Tensor3D }).labels), 1),
              tf.concat(steps.map((step) => (step.data as { predictions: tf.Tensor3D }).predictions), 1),
            );
      let total = tf.sum(rows, 1) as tf.Tensor1D;
      // Per step and member [T, K]: the weight penalties (each slot's Σw²·l2 and Σ|w|·l1 over its stacked values) and the activity penalty.
      const terms: tf.Tensor[] = [];
      first.weights.forEach((weight, slot) => {
        const values = tf.stack(steps.map((step) => step.weights[slot].value));
        const axes = Array.from({ length: values.rank - 2 }, (_, axis) => axis + 2);
        if (weight.l1 != null) terms.push(tf.mul(tf.sum(tf.abs(values), axes), weight.l1));
        if (weight.l2 != null) terms.push(tf.mul(tf.sum(tf.square(values), axes), weight.l2));
      });
      if (first.activity != null) terms.push(tf.stack(steps.map((step) => step.activity as tf.Tensor1D)));
      if (terms.length > 0) {
        const perStep = (terms.length === 1 ? terms[0] : tf.addN(terms)) as tf.Tensor2D;
        const sizes = tf.tensor2d(steps.map((step) => step.size), [1, steps.length]);
        total = tf.add(total, tf.reshape(matrixProduct(sizes, perStep), [-1])) as tf.Tensor1D;
      }
      return this.sum == null ? total : (tf.add(this.sum, total) as tf.Tensor1D);
    });
    this.sum?.dispose();
    // Kept: a flush may run inside the step's tidy.
    this.sum = tf.keep(next);
    this.release();
  }

  private release(): void {
    for (const step of this.pending) {
      const data = 'rows' in step.data ? [step.data.rows] : [step.data.predictions, step.data.labels];
      tf.dispose([...data, ...step.weights.map((weight) => weight.value), ...(step.activity != null ? [step.activity] : [])]);
    }
    this.pending = [];
  }
}
