/**
 * Plain-number records of training: what `train()` returns and what stores, reports
 * and the CI check consume. No tensors here, only JSON-serializable numbers.
 *
 * Every `*Loss` field is the DATA loss evaluated in inference mode (no dropout, no penalty).
 * Penalties are reported separately in `penalty` / `penaltyPerLayer`.
 */

export type SplitName = 'train' | 'validation' | 'test';

/** Data loss and accuracy of one split at one epoch. */
export interface SplitMetrics {
  /** Mean data loss over the split in inference mode, penalty excluded. */
  loss: number;
  /** Accuracy in [0, 1] for classification; absent for regression. */
  accuracy?: number;
  /**
   * Mean absolute error over every sample and output, for a regression loss (mean squared, mean
   * absolute or mean absolute percentage error); absent for classification. With MSE as the loss,
   * `loss` is the mean squared error, so a regression split carries MSE and MAE.
   */
  meanAbsoluteError?: number;
}

/** What one epoch of `train` measured. */
export interface EpochRecord {
  /** 1-based epoch number. */
  epoch: number;
  train: SplitMetrics;
  validation?: SplitMetrics;
  test?: SplitMetrics;
  /** Sum of all regularization penalties (weight + activity on the train split), as added to the optimized loss. */
  penalty: number;
  /** Penalty per `layerName.slot` (slot: kernel, bias, activity, recurrent, ...). */
  penaltyPerLayer: Record<string, number>;
  /** L2 norm of each weight, keyed by `layerName/weightName`. */
  weightNorms: Record<string, number>;
  /** test.loss - train.loss (data losses), when a test split exists. */
  lossGap?: number;
  /** train.accuracy - test.accuracy, when both exist. */
  accuracyGap?: number;
  /** Wall-clock seconds spent on this epoch. */
  seconds: number;
  /**
   * Mean of the optimized objective in training mode (data loss with dropout on + penalty) over the
   * epoch's batches, each batch weighted by its size (Σ n_b·loss_b / Σ n_b): what Keras's `fit` logs
   * as `loss`, also when the last batch is partial. Not a data loss: for divergence checks
   * and progress display only. Decoupled weight decay is never part of it.
   */
  trainObjective?: number;
}

export type RunStatus = 'complete' | 'diverged' | 'stopped_early' | 'pruned';

/** The training step implementation a run used; see `TrainResult.trainingPath`. */
export type TrainingPath = 'lean' | 'general' | 'population';

/** What `train` returns: every epoch's record, the kept epoch, why training ended, backend and seed. */
export interface TrainResult {
  status: RunStatus;
  /** Epoch where the loss became NaN/Inf, when status is 'diverged'. */
  divergedAtEpoch?: number;
  /** Why it diverged, in words (which value became NaN/Infinity, at which epoch), when status is 'diverged'. */
  divergenceReason?: string;
  /**
   * True when the kept weights' loss sits at the cross-entropy clip ceiling ((1 − accuracy)·16.118:
   * outputs saturated at 0/1, typically a learning rate far too high). Finite, but not a result.
   */
  lossAtClipCeiling?: boolean;
  epochs: EpochRecord[];
  /** Epoch whose weights were kept (best validation loss when restoring best weights, else the last). */
  bestEpoch: number;
  /** Metrics of the kept weights. */
  final: EpochRecord;
  /** Backend that ran the training ('tensorflow' | 'wasm' | 'cpu'). */
  backend: string;
  /**
   * Which training step ran: `lean` (lib/train/fast-objective: direct ops, hand-written gradients
   * for Dense stacks) or `general` (`model.apply` under tfjs autodiff). Both compute the same
   * objective (same cross-entropy formula and clipping); only the speed differs. `population`: the
   * run was one member of a population (lib/train/population), the lean Dense-stack formulas
   * batched over members.
   */
  trainingPath: TrainingPath;
  /**
   * When `trainingPath` is `general`: why the lean path did not apply (a layer, given by its 0-based
   * position in `model.layers` and its class, e.g. `layer #2 is a Dropout ...`; or an option).
   */
  generalPathReason?: string;
  seed: number;
  /**
   * Why training ended: 'epochs' (budget reached), 'early_stopping', 'diverged', 'pruned'
   * (a shouldStop / onEpochEnd hook asked), 'aborted' (the AbortSignal fired; status 'pruned'),
   * 'time_budget' (status 'stopped_early').
   */
  stopReason?: 'epochs' | 'early_stopping' | 'diverged' | 'pruned' | 'aborted' | 'time_budget';
  /** Decoupled weight decay rate per weight `originalName` that was applied (absent when none). Not a penalty. */
  weightDecay?: Record<string, number>;
  /** The optimizer, with every default written out. */
  optimizer?: Record<string, unknown>;
}

/** Why a training run stopped (`TrainResult.stopReason`). */
export type StopReason = NonNullable<TrainResult['stopReason']>;

/** The run status a stop reason gives: one table for `train` and the population trainer, so both report a stop alike. */
export const RUN_STATUS_OF_STOP_REASON: Record<StopReason, RunStatus> = {
  epochs: 'complete',
  early_stopping: 'stopped_early',
  diverged: 'diverged',
  pruned: 'pruned',
  aborted: 'pruned',
  time_budget: 'stopped_early',
};
