/**
 * Pruning on validation loss at epoch checkpoints: after each epoch of a trial, the runner asks
 * the arm's pruner whether to stop it. Pruners compare trials of the same arm only, so one arm's
 * pruning never depends on how the other arm is doing.
 */

/** Validation losses of one trial, by 1-based epoch. */
export interface TrialCurve {
  trialId: string;
  /** 'complete' for finished trials, 'running' for trials still going; others are not passed. */
  state: 'complete' | 'running' | 'pruned';
  /** validationLosses[epoch - 1] is the validation loss after that epoch. */
  validationLosses: readonly number[];
}

export interface PruneQuestion {
  trialId: string;
  /** Epoch just finished (1-based). */
  epoch: number;
  /** The trial's validation losses so far, epochs 1..epoch. */
  validationLosses: readonly number[];
  /** Every other trial of the same arm with recorded epochs. */
  others: readonly TrialCurve[];
}

export interface Pruner {
  shouldPrune(question: PruneQuestion): boolean;
}

/** Never prunes. */
export class NoPruner implements Pruner {
  shouldPrune(): boolean {
    return false;
  }
}

/** Non-finite losses sort last: a NaN is never "better". */
export function lossOrWorst(value: number | undefined): number {
  return value === undefined || !Number.isFinite(value) ? Infinity : value;
}
