/**
 * The value of one weight penalty, the formula every path uses: `regularizer(weight)` as a scalar
 * (Keras 3's `Layer._get_regularization_losses`: the regularizer called on the variable's value).
 */
import * as tf from '@tensorflow/tfjs';

/** A regularizer as tfjs holds it (ours and tfjs's own both have `apply`). */
export interface WeightRegularizer {
  apply(weight: tf.Tensor): tf.Tensor;
}

/** `regularizer(weight)` reshaped to a scalar. The caller owns the result. */
export function weightPenaltyValue(regularizer: WeightRegularizer, weight: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.reshape(regularizer.apply(weight), []) as tf.Scalar);
}
