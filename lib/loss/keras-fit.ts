/**
 * Keras 3 penalty semantics inside tfjs's own `fit` / `trainOnBatch` / `fitDataset`, per model.
 *
 * tfjs adds `model.calculateLosses()` to the training loss, which counts a shared layer's weight
 * penalty once per call, skips RNN penalties unless forwarded, and counts frozen weights.
 * `useKerasPenalties(model)` replaces that, on this model instance only, by
 * `regularizationPenalty(model).total`: each trainable regularized variable once, RNN cells
 * included, plus the activity penalties of the step. `useTfjsPenalties(model)` undoes it.
 *
 * The per-model alternative to the process-wide `enableKerasSemantics()` (lib/tfjs-compat), which
 * gives every model the same counting except that frozen weights' penalties stay in, as tfjs
 * counts them (constants). Nothing global changes here.
 */
import * as tf from '@tensorflow/tfjs';
import { regularizationPenalty, type RegularizationPenaltyOptions } from '../penalty';

interface WithInnerModel {
  model?: tf.LayersModel;
}

/** The LayersModel whose `calculateLosses` fit calls: a Sequential delegates to an inner model. */
function trainingModel(model: tf.LayersModel): tf.LayersModel {
  if (model instanceof tf.Sequential) {
    const sequential = model as unknown as WithInnerModel & { build(): void };
    if (sequential.model == null) sequential.build();
    return sequential.model!;
  }
  return model;
}

/** Makes `fit` and `trainOnBatch` of this model minimize data loss + the Keras 3 penalty. Returns the model. */
export function useKerasPenalties<T extends tf.LayersModel>(model: T, options: RegularizationPenaltyOptions = {}): T {
  const target = trainingModel(model);
  const calculateLosses = (): tf.Scalar[] => {
    const { total, perLayer } = regularizationPenalty(model, options);
    tf.dispose(Object.values(perLayer));
    return [total];
  };
  Object.defineProperty(target, 'calculateLosses', { configurable: true, writable: true, value: calculateLosses });
  return model;
}

/** Restores tfjs's own penalty accounting on a model changed by `useKerasPenalties`. */
export function useTfjsPenalties<T extends tf.LayersModel>(model: T): T {
  const target = trainingModel(model);
  if (Object.prototype.hasOwnProperty.call(target, 'calculateLosses')) delete (target as { calculateLosses?: unknown }).calculateLosses;
  return model;
}
