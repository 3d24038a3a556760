/**
 * Pruning on validation loss at epoch checkpoints: after each epoch of a trial, the runner asks
 * the arm's pruner whether to stop it. Pruners compare trials of the same arm only, so one arm's
 * pruning never depends on how the other arm is doing.
 */

/** Validation losses of one trial, by 1-based epoch. */
export interface TrialCurve {
  trialId: string;
  /**
   * The trial's state when the question was asked. Informational only: it depends on timing
   * (whether the trial happened to have finished yet), so a pruner must not decide on it.
   */
  state?: 'complete' | 'running' | 'pruned';
  /** validationLosses[epoch - 1] is the validation loss after that epoch. */
  validationLosses: readonly number[];
}

export interface PruneQuestion {
  trialId: string;
  /** Epoch just finished (1-based). */
  epoch: number;
  /** The trial's validation losses so far, epochs 1..epoch. */
  validationLosses: readonly number[];
  /**
   * The trials of the same arm that come before this one in the plan's fixed order (lower
   * configuration index, then seed order) and reached this epoch, each cut at this epoch. The
   * trial loop waits until every earlier trial has reported this epoch or finished without it, so
   * the answer depends on nothing but the plan: the same on 1 or N workers and after resumes.
   */
  others: readonly TrialCurve[];
}

export interface Pruner {
  shouldPrune(question: PruneQuestion): boolean;
  /**
   * False when `shouldPrune` is false at `epoch` whatever the others did (warm-up epochs, epochs
   * between rungs): the loop then does not wait for earlier trials. Optional: default true.
   */
  decidesAt?(epoch: number): boolean;
}

/** Never prunes. */
export class NoPruner implements Pruner {
  shouldPrune(): boolean {
    return false;
  }

  decidesAt(): boolean {
    return false;
  }
}

/** Non-finite losses sort last: a NaN is never "better". */
export function lossOrWorst(value: number | undefined): number {
  return value === undefined || !Number.isFinite(value) ? Infinity : value;
}
