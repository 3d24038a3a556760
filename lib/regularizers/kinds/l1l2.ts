/**
 * L1L2: `l1 * sum(|x|) + l2 * sum(x^2)`, each term only when its coefficient is non-zero, as Keras 3's
 * `keras.regularizers.L1L2`, whose defaults are 0 and 0 (tfjs's `l1l2({l1: 0.1})` silently adds
 * l2 = 0.01; we never invent a coefficient).
 *
 * The tfjs class stays tfjs's own `L1L2`: registering ours under that name would change tfjs
 * globally. A spec therefore builds tfjs's `L1L2` with both coefficients explicit, which serializes
 * and reloads exactly, and `specOf` reads its `l1`/`l2` fields back.
 */
import * as tf from '@tensorflow/tfjs';
import { validateCoefficient } from '../coefficient';
import type { RegularizerKindDefinition } from '../kind';
import { builtInKerasConfig, configValue, matchesIdentifier, rejectUnknownKeys } from '../keras-format';
import type { RegularizerLocation } from '../location';
import { TfjsL1L2 } from '../tfjs-base';

/** `l1 * sum(|x|) + l2 * sum(x^2)`. Keras 3 class defaults are 0 and 0 (tfjs invents 0.01; we never do). */
export interface L1L2Spec {
  kind: 'l1l2';
  /** L1 coefficient, finite and >= 0. */
  l1: number;
  /** L2 coefficient, finite and >= 0. */
  l2: number;
}

/** Arguments of `l1l2()`. */
export interface L1L2Args {
  /** L1 coefficient. Default 0 (Keras 3 `L1L2()`; tfjs would use 0.01). */
  l1?: number;
  /** L2 coefficient. Default 0 (Keras 3 `L1L2()`; tfjs would use 0.01). */
  l2?: number;
}

const IDENTIFIERS = ['L1L2', 'l1l2'];

function validate(candidate: Record<string, unknown>, where?: RegularizerLocation): L1L2Spec {
  validateCoefficient(candidate.l1, 'l1', where);
  validateCoefficient(candidate.l2, 'l2', where);
  return candidate as unknown as L1L2Spec;
}

/** An L1 + L2 penalty spec, `l1l2({l1: 0.01, l2: 0.001})`; a missing coefficient is 0 (Keras 3). */
export function l1l2(args: L1L2Args = {}): L1L2Spec {
  return validate({ kind: 'l1l2', l1: args.l1 ?? 0, l2: args.l2 ?? 0 });
}

/** The L1L2 kind. */
export const l1l2Kind: RegularizerKindDefinition<L1L2Spec, typeof l1l2> = {
  kind: 'l1l2',
  factory: l1l2,
  validate,
  penalty(spec, x) {
    let total: tf.Tensor = tf.scalar(0);
    if (spec.l1 !== 0) total = tf.add(total, tf.mul(spec.l1, tf.sum(tf.abs(x))));
    if (spec.l2 !== 0) total = tf.add(total, tf.mul(spec.l2, tf.sum(tf.square(x))));
    return total as tf.Scalar;
  },
  describe: (spec) => `l1l2(l1=${spec.l1}, l2=${spec.l2})`,
  toKerasConfig: (spec) => builtInKerasConfig('L1L2', { l1: spec.l1, l2: spec.l2 }),
  names: (identifier) => matchesIdentifier(identifier, IDENTIFIERS),
  identifiers: () => [...IDENTIFIERS],
  fromKerasConfig(identifier, config, where) {
    rejectUnknownKeys(config, ['l1', 'l2'], identifier, where);
    return validate({ kind: 'l1l2', l1: configValue(config, 'l1', 0), l2: configValue(config, 'l2', 0) }, where);
  },
  // Both coefficients explicit: tfjs would otherwise default a missing one to 0.01.
  toTfjs: (spec) => new TfjsL1L2({ l1: spec.l1, l2: spec.l2 }),
  specOfForeign(regularizer) {
    if (!(regularizer instanceof TfjsL1L2)) return undefined;
    const fields = regularizer as unknown as { l1: number; l2: number };
    return { kind: 'l1l2', l1: fields.l1, l2: fields.l2 };
  },
};
