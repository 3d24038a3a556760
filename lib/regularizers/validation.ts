/**
 * Validation of regularizer coefficients and specs, with Keras 3's rules
 * (`keras/src/regularizers/regularizers.py::validate_float_arg`): a coefficient must be a
 * finite, non-negative number. tf.keras accepts negative values; Keras 3 and layerwise do not.
 */
import { describeValue, LayerwiseConfigError } from '../errors/config-error';
import { REGULARIZER_KINDS, RegularizerSpec } from './spec';
import { isRegisteredRegularizer, registeredRegularizerNames } from './custom-registry';

/** Where a regularizer sits, so errors can say `dense_1.kernelRegularizer.l2`. */
export interface RegularizerLocation {
  /** Layer name, when the regularizer is attached to a layer. */
  layer?: string;
  /** Slot on the layer: `kernelRegularizer`, `biasRegularizer`, `activityRegularizer`, ... */
  slot?: string;
  /** A free-form prefix used instead of layer/slot, e.g. `policy.perLayer["conv*"].kernel`. */
  path?: string;
}

export function locationPrefix(where?: RegularizerLocation): string {
  if (where == null) return '';
  if (where.path != null) return where.path;
  return [where.layer, where.slot].filter((part) => part != null && part !== '').join('.');
}

function fieldPath(where: RegularizerLocation | undefined, argument: string): string {
  const prefix = locationPrefix(where);
  return prefix === '' ? argument : `${prefix}.${argument}`;
}

/** Throws unless `value` is a finite number >= 0; returns it as a number. */
export function validateCoefficient(value: unknown, argument: string, where?: RegularizerLocation): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new LayerwiseConfigError(
      fieldPath(where, argument),
      `= ${describeValue(value)}: expected a finite number >= 0`,
    );
  }
  return value;
}

const ORTHOGONAL_MODES = ['rows', 'columns'] as const;

/** Checks a spec in place and returns it typed; unknown kinds list the valid ones. */
export function validateSpec(spec: unknown, where?: RegularizerLocation): RegularizerSpec {
  if (spec == null || typeof spec !== 'object' || Array.isArray(spec)) {
    throw new LayerwiseConfigError(
      fieldPath(where, 'kind'),
      `: expected a regularizer spec object such as {"kind": "l2", "l2": 0.01}, got ${describeValue(spec)}`,
    );
  }
  const candidate = spec as Record<string, unknown>;
  switch (candidate.kind) {
    case 'l1':
      validateCoefficient(candidate.l1, 'l1', where);
      return candidate as unknown as RegularizerSpec;
    case 'l2':
      validateCoefficient(candidate.l2, 'l2', where);
      return candidate as unknown as RegularizerSpec;
    case 'l1l2':
      validateCoefficient(candidate.l1, 'l1', where);
      validateCoefficient(candidate.l2, 'l2', where);
      return candidate as unknown as RegularizerSpec;
    case 'orthogonal':
      validateCoefficient(candidate.factor, 'factor', where);
      if (!ORTHOGONAL_MODES.includes(candidate.mode as (typeof ORTHOGONAL_MODES)[number])) {
        throw new LayerwiseConfigError(
          fieldPath(where, 'mode'),
          `= ${describeValue(candidate.mode)}: expected one of "rows", "columns"`,
        );
      }
      return candidate as unknown as RegularizerSpec;
    case 'custom':
      if (typeof candidate.name !== 'string' || !isRegisteredRegularizer(candidate.name)) {
        const known = registeredRegularizerNames();
        throw new LayerwiseConfigError(
          fieldPath(where, 'name'),
          `= ${describeValue(candidate.name)}: no custom regularizer is registered under this name; ` +
            `registered: ${known.length > 0 ? known.join(', ') : '(none; call registerRegularizer first)'}`,
        );
      }
      if (candidate.config == null || typeof candidate.config !== 'object' || Array.isArray(candidate.config)) {
        throw new LayerwiseConfigError(fieldPath(where, 'config'), `= ${describeValue(candidate.config)}: expected an object`);
      }
      return candidate as unknown as RegularizerSpec;
    default:
      throw new LayerwiseConfigError(
        fieldPath(where, 'kind'),
        `= ${describeValue(candidate.kind)}: expected one of ${REGULARIZER_KINDS.map((kind) => `"${kind}"`).join(', ')}`,
      );
  }
}
