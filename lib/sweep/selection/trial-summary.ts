/**
 * Per-trial view of a TrialRecord: the final and best-epoch numbers the reporter aggregates,
 * and whether the trial may enter statistics at all (failed, diverged and pruned trials are
 * excluded but counted, so a report never hides them).
 */
import type { EpochRecord } from '../../train/record';
import type { ArmName, ParameterValues, TrialRecord, TrialRole, TrialState } from '../record';
import { bestValidationEpoch } from '../storage/trial-summary';
import type { TrialSummary as StoredTrialSummary } from '../storage/trial-summary';

/**
 * Data losses and accuracies of one epoch of one trial, flattened. Accuracy fields are absent for
 * regression, mean-absolute-error fields for classification.
 */
export interface EpochSnapshot {
  /** 1-based epoch number. */
  epoch: number;
  trainLoss: number;
  trainAccuracy?: number;
  validationLoss?: number;
  validationAccuracy?: number;
  testLoss?: number;
  testAccuracy?: number;
  /** Generalization gap: test data loss − train data loss (both in inference mode, penalty excluded). */
  lossGap?: number;
  /** Train accuracy − test accuracy (the sign convention of `EpochRecord.accuracyGap`). */
  accuracyGap?: number;
  /** Total regularization penalty. */
  penalty: number;
  /** Mean absolute errors (regression only; the loss is then the mean squared error). */
  trainMeanAbsoluteError?: number;
  validationMeanAbsoluteError?: number;
  testMeanAbsoluteError?: number;
}

/** Names of the numeric fields of an {@link EpochSnapshot} that are aggregated over seeds. */
export const SNAPSHOT_METRICS = [
  'trainLoss',
  'trainAccuracy',
  'validationLoss',
  'validationAccuracy',
  'testLoss',
  'testAccuracy',
  'lossGap',
  'accuracyGap',
  'penalty',
  'trainMeanAbsoluteError',
  'validationMeanAbsoluteError',
  'testMeanAbsoluteError',
] as const;
export type SnapshotMetric = (typeof SNAPSHOT_METRICS)[number];

/** Why a trial does not enter statistics. */
export type ExclusionReason = 'failed' | 'diverged' | 'pruned' | 'unfinished' | 'no-metrics' | 'non-finite';

export interface TrialSummary {
  trialId: string;
  configId: string;
  sweepName: string;
  arm: ArmName;
  index: number;
  seed: number;
  /** 'evaluation': a selected configuration re-run on a fresh seed (read on test, never used to select); absent for selection trials. */
  role?: TrialRole;
  state: TrialState;
  params: ParameterValues;
  /** Epochs recorded. */
  epochsRun: number;
  /** True when the trial enters statistics. */
  usable: boolean;
  /** Why not, when `usable` is false. */
  exclusion?: ExclusionReason;
  /** Error text of a failed trial. */
  error?: string;
  /** Metrics of the weights the run kept (`TrialRecord.final`, else the last epoch). */
  final?: EpochSnapshot;
  /** The epoch with the lowest validation data loss (earliest on ties); absent without a validation split. */
  best?: EpochSnapshot;
  /** Final penalty per `layerName.slot`. */
  penaltyPerLayer: Record<string, number>;
  /** Final L2 norm of each weight, keyed `layerName/weightName`. */
  weightNorms: Record<string, number>;
  divergedAtEpoch?: number;
  seconds?: number;
  backend?: string;
  /** Training step that ran: 'lean' or 'general' (TrialRecord.trainingPath). */
  trainingPath?: string;
  /** Why the lean path did not apply, for 'general'. */
  generalPathReason?: string;
}

/** The fields of an EpochRecord a snapshot reads. */
export type SnapshotSource = Pick<EpochRecord, 'epoch' | 'train' | 'validation' | 'test' | 'penalty'>;

/** Flattens an EpochRecord; gaps are recomputed from the split losses so they always match their definition. */
export function snapshotOf(record: SnapshotSource): EpochSnapshot {
  const snapshot: EpochSnapshot = { epoch: record.epoch, trainLoss: record.train.loss, penalty: record.penalty };
  if (record.train.accuracy !== undefined) snapshot.trainAccuracy = record.train.accuracy;
  if (record.train.meanAbsoluteError !== undefined) snapshot.trainMeanAbsoluteError = record.train.meanAbsoluteError;
  if (record.validation) {
    snapshot.validationLoss = record.validation.loss;
    if (record.validation.accuracy !== undefined) snapshot.validationAccuracy = record.validation.accuracy;
    if (record.validation.meanAbsoluteError !== undefined) snapshot.validationMeanAbsoluteError = record.validation.meanAbsoluteError;
  }
  if (record.test) {
    snapshot.testLoss = record.test.loss;
    if (record.test.accuracy !== undefined) snapshot.testAccuracy = record.test.accuracy;
    if (record.test.meanAbsoluteError !== undefined) snapshot.testMeanAbsoluteError = record.test.meanAbsoluteError;
    snapshot.lossGap = record.test.loss - record.train.loss;
    if (record.test.accuracy !== undefined && record.train.accuracy !== undefined) {
      snapshot.accuracyGap = record.train.accuracy - record.test.accuracy;
    }
  }
  return snapshot;
}

// One definition for the store's summaries (which keep the best epoch) and the report.
export { bestValidationEpoch };

function exclusionOf(record: Pick<TrialRecord, 'state' | 'runStatus' | 'divergedAtEpoch'>, final: EpochRecord | undefined): ExclusionReason | undefined {
  switch (record.state) {
    case 'failed':
      return 'failed';
    case 'diverged':
      return 'diverged';
    case 'pruned':
      return 'pruned';
    case 'waiting':
    case 'running':
      return 'unfinished';
    default:
      break;
  }
  if (record.runStatus === 'diverged' || record.divergedAtEpoch !== undefined) return 'diverged';
  if (record.runStatus === 'pruned') return 'pruned';
  if (final === undefined) return 'no-metrics';
  const losses = [final.train.loss, final.validation?.loss, final.test?.loss, final.penalty];
  if (losses.some((value) => value !== undefined && !Number.isFinite(value))) return 'non-finite';
  return undefined;
}

/**
 * A trial record without its per-epoch list (see `digestTrial`): everything a report needs of a
 * trial that is not drawn as a learning curve. `epochs` may be absent or empty.
 */
export interface TrialDigest extends Omit<TrialRecord, 'epochs'> {
  epochs?: EpochRecord[];
  /** Epochs recorded (the length of the dropped list). */
  epochsRun: number;
  /** The best-validation epoch of the dropped list (the fields a snapshot reads). */
  bestEpoch?: SnapshotSource;
}

/** Drops a record's per-epoch list, keeping what the report reads of it (its length, the best-validation epoch, the final epoch). */
export function digestTrial(record: TrialRecord): TrialDigest {
  const { epochs, ...rest } = record;
  const list = epochs ?? [];
  const digest: TrialDigest = { ...rest, epochsRun: list.length };
  if (digest.final === undefined && list.length > 0) digest.final = list[list.length - 1];
  const best = bestValidationEpoch(list);
  // Only what the snapshot reads: a digest of 100,000 trials must stay small.
  if (best !== undefined) digest.bestEpoch = { epoch: best.epoch, train: best.train, validation: best.validation, test: best.test, penalty: best.penalty };
  return digest;
}

/**
 * Summarizes one trial: a full record, a digest without per-epoch records, or a store's summary
 * (`listTrialSummaries` / `readSweepSummaries`: epoch count and best epoch kept by the store).
 */
export function summarizeTrial(record: TrialRecord | TrialDigest | StoredTrialSummary): TrialSummary {
  const epochs = ('epochs' in record ? record.epochs : undefined) ?? [];
  const digest = 'epochsRun' in record ? record : undefined;
  const stored = 'epochCount' in record ? record : undefined;
  const finalRecord = record.final ?? stored?.lastEpoch ?? epochs[epochs.length - 1];
  const bestRecord = digest !== undefined ? digest.bestEpoch : stored !== undefined ? stored.bestEpoch : bestValidationEpoch(epochs);
  const exclusion = exclusionOf(record, finalRecord);
  const summary: TrialSummary = {
    trialId: record.trialId,
    configId: record.configId,
    sweepName: record.sweepName,
    arm: record.arm,
    index: record.index,
    seed: record.seed,
    state: record.state,
    params: record.params,
    epochsRun: digest !== undefined ? digest.epochsRun : stored !== undefined ? stored.epochCount : epochs.length,
    usable: exclusion === undefined,
    // Shared with the record, not copied (nothing mutates them): a large sweep's summaries stay small.
    penaltyPerLayer: finalRecord?.penaltyPerLayer ?? {},
    weightNorms: finalRecord?.weightNorms ?? {},
  };
  if (record.role !== undefined) summary.role = record.role;
  if (exclusion !== undefined) summary.exclusion = exclusion;
  if (record.error !== undefined) summary.error = record.error;
  if (finalRecord) summary.final = snapshotOf(finalRecord);
  if (bestRecord) {
    const best = bestRecord === finalRecord ? summary.final! : snapshotOf(bestRecord);
    // Often the best epoch is the final one: the two snapshots are then one object (nothing
    // mutates a summary), which saves a large sweep's report a sixth of its per-trial memory.
    summary.best = summary.final !== undefined && sameSnapshot(best, summary.final) ? summary.final : best;
  }
  if (record.divergedAtEpoch !== undefined) summary.divergedAtEpoch = record.divergedAtEpoch;
  if (record.seconds !== undefined) summary.seconds = record.seconds;
  if (record.backend !== undefined) summary.backend = record.backend;
  if (record.trainingPath !== undefined) summary.trainingPath = record.trainingPath;
  if (record.generalPathReason !== undefined) summary.generalPathReason = record.generalPathReason;
  return summary;
}

/** True when two snapshots hold the same fields with the same values (NaN equal to NaN). */
function sameSnapshot(a: EpochSnapshot, b: EpochSnapshot): boolean {
  if (a === b) return true;
  const keys = Object.keys(a) as Array<keyof EpochSnapshot>;
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((key) => Object.is(a[key], b[key]));
}

/** How many trials there are and why the excluded ones were excluded. */
export interface TrialCounts {
  total: number;
  usable: number;
  excluded: Record<ExclusionReason, number>;
}

/** Counts usable and excluded trials by reason. */
export function countTrials(trials: readonly TrialSummary[]): TrialCounts {
  const excluded: Record<ExclusionReason, number> = {
    failed: 0,
    diverged: 0,
    pruned: 0,
    unfinished: 0,
    'no-metrics': 0,
    'non-finite': 0,
  };
  let usable = 0;
  for (const trial of trials) {
    if (trial.usable) usable++;
    else if (trial.exclusion) excluded[trial.exclusion]++;
  }
  return { total: trials.length, usable, excluded };
}
