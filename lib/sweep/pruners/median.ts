/**
 * Median stopping rule (Golovin et al. 2017, Google Vizier; Optuna's MedianPruner): stop a trial
 * when its best validation loss so far is worse than the median of the earlier trials' validation
 * losses at the same epoch. Optuna takes the median over trials that happen to be complete; here
 * the peers are the trials before this one in the plan that reached the epoch (running or
 * finished), so the decision never depends on which trial finished first.
 */
import { lossOrWorst, PruneQuestion, Pruner } from './pruner';

export interface MedianPrunerArgs {
  /** Earlier trials (of the arm) with a value at this epoch needed before anything is pruned. Default 5. */
  startupTrials?: number;
  /** Epochs that always run: pruning starts after epoch `warmupEpochs`. Default 1. */
  warmupEpochs?: number;
}

export class MedianPruner implements Pruner {
  private readonly startupTrials: number;
  private readonly warmupEpochs: number;

  constructor(args: MedianPrunerArgs = {}) {
    this.startupTrials = args.startupTrials ?? 5;
    this.warmupEpochs = args.warmupEpochs ?? 1;
  }

  decidesAt(epoch: number): boolean {
    return epoch > this.warmupEpochs;
  }

  shouldPrune(question: PruneQuestion): boolean {
    if (question.epoch <= this.warmupEpochs) return false;
    const finished = question.others
      .filter((curve) => curve.validationLosses.length >= question.epoch)
      .map((curve) => lossOrWorst(curve.validationLosses[question.epoch - 1]))
      .sort((a, b) => a - b);
    if (finished.length === 0 || finished.length < this.startupTrials) return false;
    const middle = finished.length >> 1;
    const median = finished.length % 2 === 1 ? finished[middle] : (finished[middle - 1] + finished[middle]) / 2;
    const bestSoFar = Math.min(...question.validationLosses.slice(0, question.epoch).map(lossOrWorst));
    return bestSoFar > median;
  }
}
