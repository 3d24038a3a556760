/**
 * A trial record: one training run of one configuration with one seed, as stored by a sweep
 * and read by the reporter and the CI check. Plain JSON, no tensors.
 */
import type { EpochRecord, RunStatus } from '../train/record';

/** Which side of the uniform-vs-per-layer comparison a trial belongs to. Custom arms may use other names. */
export type ArmName = 'uniform' | 'per-layer' | 'baseline' | string;

/**
 * What a trial is for. 'selection' (the default, written as an absent field so earlier records are
 * unchanged): a sampled configuration on a selection seed, read on validation to pick each arm's
 * configuration. 'evaluation': a selected configuration re-run on a fresh seed, read on test to
 * compare the arms (lib/sweep/evaluation-stage.ts); never used to select.
 */
export type TrialRole = 'selection' | 'evaluation';

export type TrialState = 'waiting' | 'running' | 'complete' | 'pruned' | 'failed' | 'diverged';

/** Hyperparameter values of one configuration, e.g. `{ "l2": 1e-4 }` or `{ "l2.dense_1": 1e-3, "l2.dense_2": 1e-5 }`. */
export type ParameterValues = Record<string, number | string | boolean>;

export interface TrialRecord {
  /** Stable hash of the full configuration and the seed: the trial's identity. */
  trialId: string;
  /** Stable hash of the configuration without the seed: groups the seeds of one configuration. */
  configId: string;
  /** Sweep this trial belongs to. */
  sweepName: string;
  arm: ArmName;
  /** Sampling order within the arm (0-based): budget curves are drawn along it. */
  index: number;
  params: ParameterValues;
  seed: number;
  /** 'evaluation' for a selected configuration re-run on a fresh seed; absent for selection trials. */
  role?: TrialRole;
  state: TrialState;
  /** Number of attempts made (1 on first success). */
  attempts: number;
  /** Why the trial failed (state 'failed'), or why it diverged in words (state 'diverged': which value became NaN/Infinity, at which epoch). */
  error?: string;
  /**
   * True when the final loss sits at the cross-entropy clip ceiling ((1 − accuracy)·16.118: saturated
   * outputs, e.g. a learning rate far too high): finite and 'complete', but not a real result.
   * Flagged, not excluded; status and report count them. Derived from `final` (see lib/train/divergence).
   */
  lossAtClipCeiling?: boolean;
  /** Per-epoch measurements (data losses in inference mode, penalties apart). */
  epochs: EpochRecord[];
  /** Metrics of the weights the run kept (see TrainResult.final). */
  final?: EpochRecord;
  runStatus?: RunStatus;
  /** Epoch at which it diverged, if it did. */
  divergedAtEpoch?: number;
  /** Backend that trained it ('tensorflow' | 'cpu' | 'wasm'). */
  backend?: string;
  /** Training step that ran: 'lean' (hand-written fast path) or 'general' (model.apply + autodiff). */
  trainingPath?: string;
  /** Why the lean path did not apply, when `trainingPath` is 'general'. */
  generalPathReason?: string;
  /** ISO timestamps. */
  startedAt?: string;
  finishedAt?: string;
  /** Wall-clock seconds of the trial. */
  seconds?: number;
}
