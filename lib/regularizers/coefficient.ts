/**
 * Keras 3's rule for a regularizer coefficient (`keras/src/regularizers/regularizers.py::
 * validate_float_arg`): a finite, non-negative number. tf.keras accepts negative values; Keras 3
 * and layerwise do not.
 */
import { describeValue, LayerwiseConfigError } from '../errors/config-error';
import { fieldPath, type RegularizerLocation } from './location';

/** Throws unless `value` is a finite number >= 0; returns it as a number. */
export function validateCoefficient(value: unknown, argument: string, where?: RegularizerLocation): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new LayerwiseConfigError(fieldPath(where, argument), `= ${describeValue(value)}: expected a finite number >= 0`);
  }
  return value;
}
