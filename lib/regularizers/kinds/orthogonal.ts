/**
 * OrthogonalRegularizer, as Keras 3's `keras.regularizers.OrthogonalRegularizer` (defaults
 * factor 0.01, mode 'rows'): `factor` times the mean, over unordered pairs of rows (or columns)
 * of a rank-2 input, of the absolute cosine similarity between their L2-normalized forms:
 *   factor * 0.5 * sum(|P * (1 - I)|) / (n * (n - 1) / 2), with P = N N^T (rows) or N^T N (columns).
 * Normalization is Keras 3.15's `x * min(rsqrt(sum(x^2)), 1/epsilon)` with epsilon 1e-7, so a zero
 * row gives 0. A single row (n = 1) gives 0/0 = NaN, as in Keras.
 */
import type { SerializableClass } from '../tfjs-base';
import * as tf from '@tensorflow/tfjs';
import { describeValue, LayerwiseConfigError } from '../../errors/config-error';
import { validateCoefficient } from '../coefficient';
import type { RegularizerKindDefinition } from '../kind';
import { builtInKerasConfig, configValue, matchesIdentifier, rejectUnknownKeys } from '../keras-format';
import { fieldPath, type RegularizerLocation } from '../location';
import { configNumber, SpecRegularizer } from '../tfjs-base';

/** `factor * mean |cosine similarity|` over unordered pairs of rows (or columns) of a rank-2 weight. */
export interface OrthogonalSpec {
  kind: 'orthogonal';
  /** Multiplier, finite and >= 0. */
  factor: number;
  /** Compare rows or columns of the rank-2 weight. */
  mode: 'rows' | 'columns';
}

/** Arguments of `orthogonal()`. */
export interface OrthogonalArgs {
  /** Multiplier of the mean absolute cosine similarity. Default 0.01 (Keras 3). */
  factor?: number;
  /** Compare rows (default, Keras 3) or columns of the rank-2 weight. */
  mode?: 'rows' | 'columns';
}

const IDENTIFIERS = ['OrthogonalRegularizer', 'orthogonal_regularizer'];
const MODES = ['rows', 'columns'] as const;
const NORMALIZE_EPSILON = 1e-7;

function validate(candidate: Record<string, unknown>, where?: RegularizerLocation): OrthogonalSpec {
  validateCoefficient(candidate.factor, 'factor', where);
  if (!MODES.includes(candidate.mode as (typeof MODES)[number])) {
    throw new LayerwiseConfigError(fieldPath(where, 'mode'), `= ${describeValue(candidate.mode)}: expected one of "rows", "columns"`);
  }
  return candidate as unknown as OrthogonalSpec;
}

/** An orthogonality penalty spec, `orthogonal({factor: 0.01, mode: 'rows'})` (Keras 3 defaults). */
export function orthogonal(args: OrthogonalArgs = {}): OrthogonalSpec {
  return validate({ kind: 'orthogonal', factor: args.factor ?? 0.01, mode: args.mode ?? 'rows' });
}

function penalty(spec: OrthogonalSpec, x: tf.Tensor): tf.Scalar {
  if (x.rank !== 2) {
    throw new LayerwiseConfigError('OrthogonalRegularizer', `: inputs must have rank 2; received shape [${x.shape.join(', ')}]`);
  }
  const axis = spec.mode === 'rows' ? 1 : 0;
  const inverseNorm = tf.minimum(tf.rsqrt(tf.sum(tf.square(x), axis, true)), 1 / NORMALIZE_EPSILON);
  const normalized = tf.mul(x, inverseNorm);
  const products = spec.mode === 'rows' ? tf.matMul(normalized, normalized, false, true) : tf.matMul(normalized, normalized, true, false);
  const size = products.shape[0];
  const offDiagonal = tf.mul(tf.abs(products), tf.sub(1, tf.eye(size)));
  const pairCount = (size * (size - 1)) / 2;
  return tf.div(tf.mul(spec.factor * 0.5, tf.sum(offDiagonal)), pairCount) as tf.Scalar;
}

/** The tfjs class `OrthogonalRegularizer` (registered for save/load). */
export class OrthogonalRegularizer extends SpecRegularizer<OrthogonalSpec> {
  static className = 'OrthogonalRegularizer';

  constructor(spec: OrthogonalSpec) {
    super(validate(spec as unknown as Record<string, unknown>));
  }

  apply(x: tf.Tensor): tf.Scalar {
    return tf.tidy(() => penalty(this.spec, x));
  }

  getConfig(): tf.serialization.ConfigDict {
    return { factor: this.spec.factor, mode: this.spec.mode };
  }

  static fromConfig<T extends tf.serialization.Serializable>(
    cls: tf.serialization.SerializableConstructor<T>,
    config: tf.serialization.ConfigDict,
  ): T {
    return new cls({ kind: 'orthogonal', factor: configNumber(config, 'factor', 0.01), mode: (config.mode as string) ?? 'rows' });
  }
}

/** The orthogonal kind. */
export const orthogonalKind: RegularizerKindDefinition<OrthogonalSpec, typeof orthogonal> = {
  kind: 'orthogonal',
  tfjsClass: OrthogonalRegularizer as unknown as SerializableClass,
  weightRank: 2,
  factory: orthogonal,
  validate,
  penalty,
  describe: (spec) => `orthogonal(factor=${spec.factor}, mode=${spec.mode})`,
  toKerasConfig: (spec) => builtInKerasConfig('OrthogonalRegularizer', { factor: spec.factor, mode: spec.mode }),
  names: (identifier) => matchesIdentifier(identifier, IDENTIFIERS),
  identifiers: () => [...IDENTIFIERS],
  fromKerasConfig(identifier, config, where) {
    rejectUnknownKeys(config, ['factor', 'mode'], identifier, where);
    return validate({ kind: 'orthogonal', factor: configValue(config, 'factor', 0.01), mode: config.mode ?? 'rows' }, where);
  },
  toTfjs: (spec) => new OrthogonalRegularizer(spec),
};
