/** How an objective's outcome becomes a trial's final state (non-finite losses count as divergence). */
import { divergenceReason } from '../../train/divergence';
import type { EpochRecord } from '../../train/record';
import type { TrialOutcome } from '../objective';
import type { TrialResult } from '../storage/storage';

/** Maps an objective's outcome to the trial's final state; non-finite losses count as divergence. */
export function resultOfOutcome(outcome: TrialOutcome, pruned: boolean, seconds: number): TrialResult {
  const base: Omit<TrialResult, 'state'> = { epochs: outcome.epochs ?? [], final: outcome.final, runStatus: outcome.status, backend: outcome.backend, seconds };
  if (outcome.trainingPath !== undefined) base.trainingPath = outcome.trainingPath;
  if (outcome.generalPathReason !== undefined) base.generalPathReason = outcome.generalPathReason;
  // Every diverged trial carries its reason in words (in `error`).
  if (outcome.status === 'diverged') {
    const divergedAtEpoch = outcome.divergedAtEpoch ?? firstBadEpoch(base.epochs);
    return { ...base, state: 'diverged', divergedAtEpoch, error: divergenceReason(base.epochs, divergedAtEpoch) };
  }
  const badEpoch = firstBadEpoch(base.epochs);
  const finalBad = outcome.final !== undefined && !finiteEpoch(outcome.final);
  if (badEpoch !== undefined || finalBad) {
    const divergedAtEpoch = badEpoch ?? outcome.final?.epoch;
    return { ...base, state: 'diverged', runStatus: 'diverged', divergedAtEpoch, error: divergenceReason(outcome.final !== undefined && badEpoch === undefined ? [outcome.final] : base.epochs, divergedAtEpoch) };
  }
  if (pruned || outcome.status === 'pruned') return { ...base, state: 'pruned', runStatus: 'pruned' };
  return { ...base, state: 'complete' };
}

function finiteEpoch(epoch: EpochRecord): boolean {
  return Number.isFinite(epoch.train?.loss) && (epoch.validation === undefined || Number.isFinite(epoch.validation.loss));
}

function firstBadEpoch(epochs: readonly EpochRecord[]): number | undefined {
  return epochs.find((epoch) => !finiteEpoch(epoch))?.epoch;
}

