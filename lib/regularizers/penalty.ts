/**
 * The penalty formulas, exactly as Keras 3 (`keras/src/regularizers/regularizers.py`):
 *   L1   = l1 * sum(|x|)
 *   L2   = l2 * sum(x^2)                      (no 1/2 factor)
 *   L1L2 = both, each only when its coefficient is non-zero
 *   OrthogonalRegularizer = factor * mean over unordered pairs of |cosine similarity| between
 *     the L2-normalized rows (or columns) of a rank-2 input:
 *     factor * 0.5 * sum(|P * (1 - I)|) / (n * (n - 1) / 2), with P = N N^T (rows) or N^T N (columns).
 *     Normalization is Keras 3.15's `x * min(rsqrt(sum(x^2)), 1/epsilon)` with epsilon 1e-7, so a
 *     zero row gives 0. A single row (n = 1) gives 0/0 = NaN, as in Keras.
 */
import * as tf from '@tensorflow/tfjs';
import { LayerwiseConfigError } from '../errors/config-error';
import { customRegularizerFactory } from './custom-registry';
import type { OrthogonalSpec, RegularizerSpec } from './spec';

const NORMALIZE_EPSILON = 1e-7;

/** Computes the spec's penalty on `x` as a float32 scalar. The caller owns the result. */
export function computePenalty(spec: RegularizerSpec, x: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    switch (spec.kind) {
      case 'l1':
        return tf.mul(spec.l1, tf.sum(tf.abs(x))) as tf.Scalar;
      case 'l2':
        return tf.mul(spec.l2, tf.sum(tf.square(x))) as tf.Scalar;
      case 'l1l2': {
        let total: tf.Tensor = tf.scalar(0);
        if (spec.l1 !== 0) total = tf.add(total, tf.mul(spec.l1, tf.sum(tf.abs(x))));
        if (spec.l2 !== 0) total = tf.add(total, tf.mul(spec.l2, tf.sum(tf.square(x))));
        return total as tf.Scalar;
      }
      case 'orthogonal':
        return orthogonalPenalty(spec, x);
      case 'custom': {
        const penalty = customRegularizerFactory(spec.name)(spec.config)(x);
        return tf.reshape(penalty, []) as tf.Scalar;
      }
    }
  });
}

function orthogonalPenalty(spec: OrthogonalSpec, x: tf.Tensor): tf.Scalar {
  if (x.rank !== 2) {
    throw new LayerwiseConfigError(
      'OrthogonalRegularizer',
      `: inputs must have rank 2; received shape [${x.shape.join(', ')}]`,
    );
  }
  const axis = spec.mode === 'rows' ? 1 : 0;
  const inverseNorm = tf.minimum(tf.rsqrt(tf.sum(tf.square(x), axis, true)), 1 / NORMALIZE_EPSILON);
  const normalized = tf.mul(x, inverseNorm);
  const products = spec.mode === 'rows'
    ? tf.matMul(normalized, normalized, false, true)
    : tf.matMul(normalized, normalized, true, false);
  const size = products.shape[0];
  const offDiagonal = tf.mul(tf.abs(products), tf.sub(1, tf.eye(size)));
  const pairCount = (size * (size - 1)) / 2;
  return tf.div(tf.mul(spec.factor * 0.5, tf.sum(offDiagonal)), pairCount) as tf.Scalar;
}
