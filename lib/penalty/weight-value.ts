/**
 * The value of one weight penalty, the formula every path uses: `regularizer(weight)` as a scalar
 * (Keras 3's `Layer._get_regularization_losses`: the regularizer called on the variable's value),
 * and the lean objective's kernel-level form of a pure L2 penalty (`l2PenaltyValue`).
 */
import * as tf from '@tensorflow/tfjs';
import { nativeBackend } from '../backend/native-ops';

/** A regularizer as tfjs holds it (ours and tfjs's own both have `apply`). */
export interface WeightRegularizer {
  apply(weight: tf.Tensor): tf.Tensor;
}

/** `regularizer(weight)` reshaped to a scalar. The caller owns the result. */
export function weightPenaltyValue(regularizer: WeightRegularizer, weight: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.reshape(regularizer.apply(weight), []) as tf.Scalar);
}

/**
 * `l2 · Σ w²`, a weight's L2 penalty: one `L2Loss` kernel (`Σ w² / 2`, no squared copy of `w`) times
 * `twiceL2` (a kept scalar holding 2·l2) on the native backend, else `Σ w²` times `l2`.
 */
export function l2PenaltyValue(w: tf.Tensor, l2: tf.Scalar, twiceL2: tf.Scalar): tf.Scalar {
  const native = nativeBackend();
  if (native != null) return tf.mul(native.executeSingleOutput('L2Loss', [{ name: 'T', type: native.binding.TF_ATTR_TYPE, value: native.binding.TF_FLOAT }], [w]), twiceL2) as tf.Scalar;
  return tf.mul(tf.sum(tf.square(w)), l2) as tf.Scalar;
}
