/**
 * Asynchronous successive halving (Li et al. 2018, "A System for Massively Parallel Hyperparameter
 * Tuning"; the promotion rule of Optuna's SuccessiveHalvingPruner): rungs sit at epochs
 * minEpochs·η^k. A trial reaching a rung continues only if its validation loss there is among the
 * best ⌊n/η⌋ (at least the best one) of the n trials of the arm that have reached that rung so far.
 * The n trials are those before this one in the plan (the loop waits for each to reach the rung or
 * finish), so the decision is the same however many workers run: no waiting for a full bracket,
 * only for earlier trials.
 */
import { lossOrWorst, PruneQuestion, Pruner } from './pruner';

export interface AshaPrunerArgs {
  /** Epoch of the first rung. Default 1. */
  minEpochs?: number;
  /** η: the fraction 1/η of trials continues at each rung. Default 3. */
  reductionFactor?: number;
}

export class AshaPruner implements Pruner {
  private readonly minEpochs: number;
  private readonly reductionFactor: number;

  constructor(args: AshaPrunerArgs = {}) {
    this.minEpochs = args.minEpochs ?? 1;
    this.reductionFactor = args.reductionFactor ?? 3;
  }

  /** True when `epoch` is a rung: minEpochs·η^k for some k >= 0. */
  isRung(epoch: number): boolean {
    for (let rung = this.minEpochs; rung <= epoch; rung *= this.reductionFactor) if (rung === epoch) return true;
    return false;
  }

  decidesAt(epoch: number): boolean {
    return this.isRung(epoch);
  }

  shouldPrune(question: PruneQuestion): boolean {
    if (!this.isRung(question.epoch)) return false;
    const value = lossOrWorst(question.validationLosses[question.epoch - 1]);
    if (value === Infinity) return true;
    const competing = question.others
      .filter((curve) => curve.validationLosses.length >= question.epoch)
      .map((curve) => lossOrWorst(curve.validationLosses[question.epoch - 1]));
    competing.push(value);
    competing.sort((a, b) => a - b);
    const promotable = Math.max(0, Math.floor(competing.length / this.reductionFactor) - 1);
    return value > competing[promotable];
  }
}
