/**
 * L2: `l2 * sum(x^2)`, Keras 3's `keras.regularizers.L2` (default `l2 = 0.01`), with no 1/2 factor.
 * tfjs 4.22 has no `L2` class (its `l2()` builds `L1L2`), so Keras JSON naming it would not load without ours.
 */
import type { SerializableClass } from '../tfjs-base';
import * as tf from '@tensorflow/tfjs';
import { validateCoefficient } from '../coefficient';
import type { RegularizerKindDefinition } from '../kind';
import { builtInKerasConfig, configValue, matchesIdentifier, rejectUnknownKeys } from '../keras-format';
import type { RegularizerLocation } from '../location';
import { configNumber, SpecRegularizer } from '../tfjs-base';

/** `l2 * sum(x^2)` (no 1/2). Keras 3 default `l2 = 0.01`. */
export interface L2Spec {
  kind: 'l2';
  /** Coefficient, finite and >= 0. */
  l2: number;
}

/** Arguments of `l2()`. */
export interface L2Args {
  /** L2 coefficient, finite and >= 0. Default 0.01 (Keras 3 `L2()`). The penalty is `l2 * sum(x^2)`, no 1/2. */
  l2?: number;
}

const IDENTIFIERS = ['L2', 'l2'];

function validate(candidate: Record<string, unknown>, where?: RegularizerLocation): L2Spec {
  validateCoefficient(candidate.l2, 'l2', where);
  return candidate as unknown as L2Spec;
}

/** An L2 penalty spec, `l2({l2: 0.01})`; the coefficient defaults to Keras 3's 0.01. */
export function l2(args: L2Args = {}): L2Spec {
  return validate({ kind: 'l2', l2: args.l2 ?? 0.01 });
}

/** The tfjs class `L2` (registered for save/load). */
export class L2Regularizer extends SpecRegularizer<L2Spec> {
  static className = 'L2';

  constructor(spec: L2Spec) {
    super(validate(spec as unknown as Record<string, unknown>));
  }

  apply(x: tf.Tensor): tf.Scalar {
    return tf.tidy(() => l2Kind.penalty(this.spec, x));
  }

  getConfig(): tf.serialization.ConfigDict {
    return { l2: this.spec.l2 };
  }

  static fromConfig<T extends tf.serialization.Serializable>(
    cls: tf.serialization.SerializableConstructor<T>,
    config: tf.serialization.ConfigDict,
  ): T {
    return new cls({ kind: 'l2', l2: configNumber(config, 'l2', 0.01) });
  }
}

/** The L2 kind. */
export const l2Kind: RegularizerKindDefinition<L2Spec, typeof l2> = {
  kind: 'l2',
  tfjsClass: L2Regularizer as unknown as SerializableClass,
  factory: l2,
  validate,
  penalty: (spec, x) => tf.mul(spec.l2, tf.sum(tf.square(x))) as tf.Scalar,
  describe: (spec) => `l2(l2=${spec.l2})`,
  toKerasConfig: (spec) => builtInKerasConfig('L2', { l2: spec.l2 }),
  names: (identifier) => matchesIdentifier(identifier, IDENTIFIERS),
  identifiers: () => [...IDENTIFIERS],
  fromKerasConfig(identifier, config, where) {
    rejectUnknownKeys(config, ['l2'], identifier, where);
    return validate({ kind: 'l2', l2: configValue(config, 'l2', 0.01) }, where);
  },
  toTfjs: (spec) => new L2Regularizer(spec),
};
