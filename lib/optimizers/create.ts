/** Builds the lean optimizer (Keras 3's update rule) for a resolved optimizer spec. */
import { LeanAdagrad } from './adagrad';
import { LeanAdam } from './adam';
import type { LeanOptimizer } from './lean-optimizer';
import { LeanRmsprop } from './rmsprop';
import type { LearningRate } from './schedules';
import { LeanSgd } from './sgd';

/** The fields of lib/train's resolved optimizer specs this needs (kept structural to avoid a cycle). */
export interface LeanOptimizerSpec {
  name: string;
  learningRate: LearningRate;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  momentum?: number;
  nesterov?: boolean;
  amsgrad?: boolean;
  weightDecay?: number;
  rho?: number;
  centered?: boolean;
  initialAccumulatorValue?: number;
}

/** Every name `resolveOptimizerSpec` accepts has one; null only for a name this does not know. */
export function createLeanOptimizer(spec: LeanOptimizerSpec): LeanOptimizer | null {
  const learningRate = spec.learningRate;
  switch (spec.name) {
    case 'adam':
      return new LeanAdam({ learningRate, beta1: spec.beta1 ?? 0.9, beta2: spec.beta2 ?? 0.999, epsilon: spec.epsilon ?? 1e-7, amsgrad: spec.amsgrad ?? false });
    case 'adamw':
      return new LeanAdam({ learningRate, beta1: spec.beta1 ?? 0.9, beta2: spec.beta2 ?? 0.999, epsilon: spec.epsilon ?? 1e-7, weightDecay: spec.weightDecay ?? 0.004, amsgrad: spec.amsgrad ?? false });
    case 'sgd':
      return new LeanSgd({ learningRate, momentum: spec.momentum ?? 0, nesterov: spec.nesterov ?? false });
    case 'momentum':
      return new LeanSgd({ learningRate, momentum: spec.momentum ?? 0.9, nesterov: spec.nesterov ?? false });
    case 'rmsprop':
      return new LeanRmsprop({ learningRate, rho: spec.rho ?? 0.9, momentum: spec.momentum ?? 0, epsilon: spec.epsilon ?? 1e-7, centered: spec.centered ?? false });
    case 'adagrad':
      return new LeanAdagrad({ learningRate, initialAccumulatorValue: spec.initialAccumulatorValue ?? 0.1, epsilon: spec.epsilon ?? 1e-7 });
    default:
      return null;
  }
}
