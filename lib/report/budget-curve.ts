/**
 * Budget curves: the best validation result found so far against the number of trials spent,
 * per arm. Every trial spends budget, including failed, diverged and pruned ones, because they
 * cost compute too; only usable trials can improve the best value.
 */
import type { ArmName } from '../sweep/record';
import type { SelectionObjective } from '../sweep/selection/selection';
import type { TrialState } from '../sweep/record';
import type { TrialSummary } from '../sweep/selection/trial-summary';

export interface BudgetPoint {
  /** Trials spent so far, including this one (1-based). */
  trialsSpent: number;
  trialId: string;
  configId: string;
  state: TrialState;
  /** This trial's final validation objective, when usable. */
  value: number | null;
  /** Best value over trials 1..trialsSpent; null until a usable trial appears. */
  bestSoFar: number | null;
}

export interface BudgetCurve {
  arm: ArmName;
  objective: SelectionObjective;
  points: BudgetPoint[];
}

/** Orders an arm's trials by sampling index, then seed, then trialId, and accumulates the best so far. */
export function budgetCurve(
  arm: ArmName,
  trials: readonly TrialSummary[],
  objective: SelectionObjective = 'validationLoss',
): BudgetCurve {
  const lowerIsBetter = objective === 'validationLoss';
  const ordered = trials
    .filter((trial) => trial.arm === arm)
    .sort((a, b) => a.index - b.index || a.seed - b.seed || (a.trialId < b.trialId ? -1 : a.trialId > b.trialId ? 1 : 0));
  let best: number | null = null;
  const points = ordered.map((trial, position) => {
    const raw = trial.usable ? trial.final?.[objective] : undefined;
    const value = typeof raw === 'number' && Number.isFinite(raw) ? raw : null;
    if (value !== null && (best === null || (lowerIsBetter ? value < best : value > best))) best = value;
    return { trialsSpent: position + 1, trialId: trial.trialId, configId: trial.configId, state: trial.state, value, bestSoFar: best };
  });
  return { arm, objective, points };
}
