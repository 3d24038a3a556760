/** What the trial loop reports: a superset of the sweep's trial events (lib/sweep/events). */
import type { EpochRecord } from '../../train/record';
import type { ArmName, TrialRecord } from '../record';

export type LoopEvent =
  | { type: 'trial-start'; trialId: string; arm: ArmName; index: number; seed: number; attempt: number; at: number }
  | { type: 'trial-epoch'; trialId: string; arm: ArmName; epoch: EpochRecord; pruned: boolean; at: number }
  /** Returned to waiting after attempt `attempt` (an error to retry, or this worker stopping). */
  | { type: 'trial-retry'; trialId: string; arm: ArmName; attempt: number; reason: string; stopped?: boolean; at: number }
  | { type: 'trial-finish'; record: TrialRecord; elsewhere?: boolean; at: number }
  /** The store refused the attempt (stale, claimed again): nothing was recorded. */
  | { type: 'trial-lost'; trialId: string; attempt: number; reason: string; at: number }
  /** Nothing to claim; `running` trials run elsewhere. */
  | { type: 'waiting'; running: number; at: number }
  | { type: 'interrupted'; running: number; at: number };
