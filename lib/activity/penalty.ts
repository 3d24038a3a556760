/**
 * The activity penalty of one layer output, exactly as Keras >= 3.14 (`Layer.__call__`):
 * `regularizer(output)` divided by the output's batch dimension (dimension 0), with
 * divide-no-nan semantics: an empty batch gives 0, never NaN. A rank-0 output is not divided.
 * The divisor is the batch size only, not the number of elements or timesteps.
 */
import * as tf from '@tensorflow/tfjs';
import type { Regularizer } from '@tensorflow/tfjs-layers/dist/regularizers';
import { createRegularizer, type RegularizerInput } from '../regularizers';

/** Computes the activity penalty of `output`. The caller owns the returned scalar. */
export function activityPenalty(regularizer: RegularizerInput | Regularizer, output: tf.Tensor): tf.Scalar {
  const resolved = createRegularizer(regularizer, { slot: 'activityRegularizer' });
  return tf.tidy(() => {
    const raw = tf.reshape(resolved.apply(output), []) as tf.Scalar;
    if (output.rank === 0) return raw;
    const batchSize = output.shape[0];
    // divide_no_nan: 0 / 0 -> 0 (and any penalty of an empty batch counts as 0).
    if (batchSize === 0) return tf.zerosLike(raw);
    return tf.div(raw, batchSize) as tf.Scalar;
  });
}
