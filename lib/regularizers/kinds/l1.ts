/**
 * L1: `l1 * sum(|x|)`, Keras 3's `keras.regularizers.L1` (default `l1 = 0.01`).
 * tfjs 4.22 has no `L1` class, so Keras JSON naming it would not load without ours.
 */
import type { SerializableClass } from '../tfjs-base';
import * as tf from '@tensorflow/tfjs';
import { validateCoefficient } from '../coefficient';
import type { RegularizerKindDefinition } from '../kind';
import { builtInKerasConfig, configValue, matchesIdentifier, rejectUnknownKeys } from '../keras-format';
import type { RegularizerLocation } from '../location';
import { configNumber, SpecRegularizer } from '../tfjs-base';

/** `l1 * sum(|x|)`. Keras 3 default `l1 = 0.01`. */
export interface L1Spec {
  kind: 'l1';
  /** Coefficient, finite and >= 0. */
  l1: number;
}

/** Arguments of `l1()`. */
export interface L1Args {
  /** L1 coefficient, finite and >= 0. Default 0.01 (Keras 3 `L1()`). */
  l1?: number;
}

const IDENTIFIERS = ['L1', 'l1'];

function validate(candidate: Record<string, unknown>, where?: RegularizerLocation): L1Spec {
  validateCoefficient(candidate.l1, 'l1', where);
  return candidate as unknown as L1Spec;
}

/** An L1 penalty spec, `l1({l1: 0.01})`; the coefficient defaults to Keras 3's 0.01. */
export function l1(args: L1Args = {}): L1Spec {
  return validate({ kind: 'l1', l1: args.l1 ?? 0.01 });
}

/** The tfjs class `L1` (registered for save/load). */
export class L1Regularizer extends SpecRegularizer<L1Spec> {
  static className = 'L1';

  constructor(spec: L1Spec) {
    super(validate(spec as unknown as Record<string, unknown>));
  }

  apply(x: tf.Tensor): tf.Scalar {
    return tf.tidy(() => l1Kind.penalty(this.spec, x));
  }

  getConfig(): tf.serialization.ConfigDict {
    return { l1: this.spec.l1 };
  }

  static fromConfig<T extends tf.serialization.Serializable>(
    cls: tf.serialization.SerializableConstructor<T>,
    config: tf.serialization.ConfigDict,
  ): T {
    return new cls({ kind: 'l1', l1: configNumber(config, 'l1', 0.01) });
  }
}

/** The L1 kind. */
export const l1Kind: RegularizerKindDefinition<L1Spec, typeof l1> = {
  kind: 'l1',
  tfjsClass: L1Regularizer as unknown as SerializableClass,
  factory: l1,
  validate,
  penalty: (spec, x) => tf.mul(spec.l1, tf.sum(tf.abs(x))) as tf.Scalar,
  describe: (spec) => `l1(l1=${spec.l1})`,
  toKerasConfig: (spec) => builtInKerasConfig('L1', { l1: spec.l1 }),
  names: (identifier) => matchesIdentifier(identifier, IDENTIFIERS),
  identifiers: () => [...IDENTIFIERS],
  fromKerasConfig(identifier, config, where) {
    rejectUnknownKeys(config, ['l1'], identifier, where);
    return validate({ kind: 'l1', l1: configValue(config, 'l1', 0.01) }, where);
  },
  toTfjs: (spec) => new L1Regularizer(spec),
};
