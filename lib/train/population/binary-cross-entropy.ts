/**
 * Per-row binary cross-entropy of probabilities for a population's sigmoid head on the native
 * backend: `mean over the outputs of −(t·ln y + (1 − t)·ln(1 − y))` with y = p clipped to
 * [ε, 1 − ε], ε = 1e-7, as [K, rows] from labels and predictions [K, rows, units].
 *
 * The same quantity as tfjs's `binaryCrossentropy` (what `train` records), which computes
 * `relu(l) − l·t + ln(1 + e^−|l|)` with l = ln(y/(1 − y)): equal for t in [0, 1] up to float32
 * rounding (both read the same clipped y; ln of a float32 near 1 keeps its relative precision, so
 * the small losses of well-fit rows do not cancel). Nine TensorFlow kernels run directly instead of
 * tfjs's ~14 ops (each paying tfjs's op dispatch and scalar uploads): the population computes it
 * once per epoch over the epoch's rows (train objective) and once over the measured rows.
 */
import * as tf from '@tensorflow/tfjs';
import { mean } from '../native-kernels';
import type { ScalarCache } from '../scalar-cache';
import { clipBetween } from './batched-ops';
import * as elementwise from './native-elementwise';

/** tfjs's `epsilon()` for float32: binary cross-entropy clips the probabilities to [ε, 1 − ε]. */
const EPSILON = 1e-7;

/** [K, rows] losses of predictions p against labels t (both [K, rows, units]). */
export function binaryCrossEntropyRows(labels: tf.Tensor, predictions: tf.Tensor, scalars: ScalarCache): tf.Tensor {
  const one = scalars.of(1);
  const y = clipBetween(predictions, scalars.of(EPSILON), scalars.of(1 - EPSILON), { low: EPSILON, high: 1 - EPSILON });
  const positive = elementwise.mul(labels, elementwise.log(y));
  const negative = elementwise.mul(elementwise.sub(one, labels), elementwise.log(elementwise.sub(one, y)));
  return mean(elementwise.neg(elementwise.add(positive, negative)), [predictions.rank - 1]);
}
