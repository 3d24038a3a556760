/**
 * Two ways a run goes wrong without an exception, made visible in its record:
 *  - divergence (a loss became NaN or ±Infinity): {@link divergenceReason} says which value, at
 *    which epoch, in words;
 *  - saturation at the cross-entropy clip ceiling: with a huge learning rate the outputs pin to 0
 *    or 1, every wrong sample costs exactly −ln(ε) = 16.118 (ε = 1e-7, the probability clip of
 *    tfjs and Keras), and the loss "converges" to (1 − accuracy)·16.118: 8.06 at accuracy 0.5.
 *    That is a finite loss recorded as complete; {@link atClipCeiling} flags it.
 */
import type { EpochRecord } from './record';

/** The probability clip of cross-entropy losses (tfjs `epsilon()`, Keras `backend.epsilon()`). */
export const CROSS_ENTROPY_EPSILON = 1e-7;
/** Loss of one confidently wrong sample at the clip: −ln(ε) ≈ 16.118. */
export const CLIP_CEILING_LOSS = -Math.log(CROSS_ENTROPY_EPSILON);
/**
 * Band around (1 − accuracy)·CLIP_CEILING_LOSS that counts as "at the ceiling": a saturated net
 * sits within about 1% of it (7.97–8.06 at accuracy 0.5 in the battery), a net that learns is far
 * below it, one that is merely bad is below it too (its wrong answers are not certain).
 */
const CEILING_BAND = { low: 0.95, high: 1.005 };

/** Why a run diverged, in words: the first non-finite value of the first epoch that has one (e.g. "train objective became NaN at epoch 3"). */
export function divergenceReason(epochs: readonly EpochRecord[], divergedAtEpoch?: number): string {
  const candidates = divergedAtEpoch !== undefined ? [...epochs.filter((epoch) => epoch.epoch === divergedAtEpoch), ...epochs] : epochs;
  for (const epoch of candidates) {
    // Records that crossed JSON (a worker's IPC, a journal) carry NaN and ±Infinity as null.
    const values: Array<[string, number | null | undefined]> = [
      ['train objective (data loss + penalty, training mode)', epoch.trainObjective],
      ['train loss', epoch.train?.loss],
      ['validation loss', epoch.validation?.loss],
      ['test loss', epoch.test?.loss],
      ['penalty', epoch.penalty],
    ];
    const bad = values.find(([, value]) => value !== undefined && !Number.isFinite(value));
    if (bad !== undefined) return `${bad[0]} became ${bad[1] === null ? 'NaN or infinite' : bad[1]} at epoch ${epoch.epoch} (learning rate too high, or penalties too large)`;
  }
  return `the run reported divergence${divergedAtEpoch !== undefined ? ` at epoch ${divergedAtEpoch}` : ''} without a non-finite recorded value`;
}

/**
 * True when a split's loss sits at the clip ceiling for its accuracy: loss ≥ 1 (a random binary
 * guess costs ln 2 ≈ 0.69) and within the band of (1 − accuracy)·16.118. Needs an accuracy
 * (classification); false otherwise.
 */
export function splitAtClipCeiling(metrics: { loss: number; accuracy?: number } | undefined): boolean {
  if (metrics === undefined || metrics.accuracy === undefined || !Number.isFinite(metrics.loss) || metrics.loss < 1) return false;
  const ceiling = (1 - metrics.accuracy) * CLIP_CEILING_LOSS;
  return ceiling > 0 && metrics.loss >= CEILING_BAND.low * ceiling && metrics.loss <= CEILING_BAND.high * ceiling;
}

/** True when the kept weights' train or validation loss sits at the cross-entropy clip ceiling (saturated outputs; see the file comment). */
export function atClipCeiling(final: EpochRecord | undefined): boolean {
  return final !== undefined && (splitAtClipCeiling(final.train) || splitAtClipCeiling(final.validation));
}

/** The flag of a finished trial: at the ceiling and not already marked diverged or failed (those say so themselves). */
export function trialAtClipCeiling(trial: { state: string; final?: EpochRecord }): boolean {
  return trial.state !== 'diverged' && trial.state !== 'failed' && atClipCeiling(trial.final);
}
