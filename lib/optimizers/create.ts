/** Builds the lean optimizer for a resolved optimizer spec, or null when there is none for it (tfjs's is used). */
import { LeanAdam } from './adam';
import type { LeanOptimizer } from './lean-optimizer';
import { LeanSgd } from './sgd';

/** The fields of lib/train's resolved optimizer specs this needs (kept structural to avoid a cycle). */
export interface LeanOptimizerSpec {
  name: string;
  learningRate: number;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  momentum?: number;
  nesterov?: boolean;
}

/** Adam, SGD and momentum have lean versions; others (rmsprop, adagrad) return null. */
export function createLeanOptimizer(spec: LeanOptimizerSpec): LeanOptimizer | null {
  switch (spec.name) {
    case 'adam':
      return new LeanAdam({ learningRate: spec.learningRate, beta1: spec.beta1 ?? 0.9, beta2: spec.beta2 ?? 0.999, epsilon: spec.epsilon ?? 1e-7 });
    case 'sgd':
      return new LeanSgd({ learningRate: spec.learningRate });
    case 'momentum':
      return new LeanSgd({ learningRate: spec.learningRate, momentum: spec.momentum ?? 0.9, nesterov: spec.nesterov ?? false });
    default:
      return null;
  }
}
