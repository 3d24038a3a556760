/**
 * Early stopping on the validation DATA loss, with Keras 3's `EarlyStopping` rules: an epoch
 * improves when `loss < best − minDelta`; training stops once `patience` evaluated epochs in a row
 * did not improve. With `restoreBestWeights`, a snapshot of every weight (moving statistics
 * included, like Keras's `get_weights`) is taken at each improvement and put back at the end.
 *
 * One difference from Keras, on purpose: Keras restores the best weights only when it stops
 * early; here they are restored whenever the run ends (budget reached, stopped, pruned, diverged),
 * so `TrainResult.final` always describes the best validation epoch when restoring is asked for.
 */
import * as tf from '@tensorflow/tfjs';
import type { LayerVariable } from '@tensorflow/tfjs-layers/dist/variables';

/** Settings of early stopping. */
export interface EarlyStoppingArgs {
  /** Evaluated epochs without improvement before stopping. Default 0 (stop at the first epoch that does not improve), as Keras. */
  patience?: number;
  /** Put back the weights of the best validation epoch when training ends. Default false, as Keras. */
  restoreBestWeights?: boolean;
  /** Minimum decrease of the validation loss that counts as an improvement. Default 0. */
  minDelta?: number;
  /** What is monitored: always the validation data loss; accepted for Keras habits, any other value is an error. Default 'val_loss'. */
  monitor?: 'val_loss';
}

/** Tracks the best validation loss; owns the weight snapshot. */
export class EarlyStopping {
  readonly patience: number;
  readonly restoreBestWeights: boolean;
  readonly minDelta: number;
  /** Best validation loss so far. */
  best = Infinity;
  /** Epoch of `best` (0 = none yet). */
  bestEpoch = 0;
  private wait = 0;
  private snapshot: tf.Tensor[] | null = null;
  private readonly weights: LayerVariable[];

  constructor(args: EarlyStoppingArgs, weights: LayerVariable[]) {
    this.patience = args.patience ?? 0;
    this.restoreBestWeights = args.restoreBestWeights ?? false;
    this.minDelta = Math.abs(args.minDelta ?? 0);
    this.weights = weights;
  }

  /** Records an evaluated epoch's validation loss; returns true when training should stop. */
  update(epoch: number, validationLoss: number): boolean {
    this.wait++;
    if (validationLoss < this.best - this.minDelta) {
      this.best = validationLoss;
      this.bestEpoch = epoch;
      this.wait = 0;
      if (this.restoreBestWeights) this.takeSnapshot();
      return false;
    }
    return this.wait >= this.patience;
  }

  /** Whether a snapshot exists to restore. */
  get canRestore(): boolean {
    return this.snapshot != null;
  }

  /** Writes the snapshot back into the weights (raw assign: constraints were already applied when it was taken). */
  restore(): void {
    const snapshot = this.snapshot;
    if (snapshot == null) return;
    this.weights.forEach((weight, index) => (weight.read() as tf.Variable).assign(snapshot[index]));
  }

  /** Frees the snapshot. */
  dispose(): void {
    if (this.snapshot != null) tf.dispose(this.snapshot);
    this.snapshot = null;
  }

  private takeSnapshot(): void {
    this.dispose();
    this.snapshot = this.weights.map((weight) => tf.keep(tf.clone(weight.read())));
  }
}
