/**
 * Keras-compatible configs, both ways.
 *
 * We write Keras 3's format (`keras/src/saving/serialization_lib.py`):
 *   {"module": "keras.regularizers", "class_name": "L2", "config": {"l2": 0.01}, "registered_name": null}
 * Custom regularizers are written like Keras 3 custom objects: module null, registered_name = name.
 *
 * We read: that format; the legacy `{"class_name", "config"}` dict; tfjs's `{"className", "config"}`;
 * lowercase class names; old Keras' `L1L2` form for l1()/l2(); float32-rounded values
 * (0.009999999776482582 is kept as given); Keras 3 string identifiers `"l1"`, `"L1"`, `"l2"`, `"L2"`,
 * `"l1l2"`, `"L1L2"`, `"orthogonal_regularizer"`, `"OrthogonalRegularizer"` (instantiated with Keras 3
 * defaults: L1/L2 0.01, L1L2 0/0, orthogonal 0.01 rows); names of registered custom regularizers;
 * and our own specs (`{"kind": ...}`). Keras 3 rejects the tf.keras string `"l1_l2"`; so do we.
 */
import { describeValue, LayerwiseConfigError } from '../errors/config-error';
import { isRegisteredRegularizer, registeredRegularizerNames } from './custom-registry';
import type { RegularizerSpec } from './spec';
import { validateSpec, type RegularizerLocation, locationPrefix } from './validation';

/** A Keras 3 serialized regularizer. */
export interface KerasRegularizerConfig {
  module: string | null;
  class_name: string;
  config: Record<string, unknown>;
  registered_name: string | null;
}

/** Anything `fromConfig` accepts. */
export type RegularizerIdentifier = string | RegularizerSpec | KerasRegularizerConfig | Record<string, unknown>;

const CLASS_NAMES = {
  l1: 'L1',
  l2: 'L2',
  l1l2: 'L1L2',
  orthogonal: 'OrthogonalRegularizer',
} as const;

/** Every built-in identifier and the kind it names. */
const IDENTIFIERS: Record<string, Exclude<RegularizerSpec['kind'], 'custom'>> = {
  L1: 'l1',
  l1: 'l1',
  L2: 'l2',
  l2: 'l2',
  L1L2: 'l1l2',
  l1l2: 'l1l2',
  OrthogonalRegularizer: 'orthogonal',
  orthogonal_regularizer: 'orthogonal',
  orthogonalregularizer: 'orthogonal',
};

export function knownIdentifiers(): string[] {
  return [...Object.keys(IDENTIFIERS).filter((name) => name !== 'orthogonalregularizer'), ...registeredRegularizerNames()];
}

/** Serializes a spec in Keras 3's format. */
export function toConfig(spec: RegularizerSpec): KerasRegularizerConfig {
  const checked = validateSpec(spec);
  switch (checked.kind) {
    case 'l1':
      return { module: 'keras.regularizers', class_name: CLASS_NAMES.l1, config: { l1: checked.l1 }, registered_name: null };
    case 'l2':
      return { module: 'keras.regularizers', class_name: CLASS_NAMES.l2, config: { l2: checked.l2 }, registered_name: null };
    case 'l1l2':
      return {
        module: 'keras.regularizers',
        class_name: CLASS_NAMES.l1l2,
        config: { l1: checked.l1, l2: checked.l2 },
        registered_name: null,
      };
    case 'orthogonal':
      return {
        module: 'keras.regularizers',
        class_name: CLASS_NAMES.orthogonal,
        config: { factor: checked.factor, mode: checked.mode },
        registered_name: null,
      };
    case 'custom':
      return { module: null, class_name: checked.name, config: { ...checked.config }, registered_name: checked.name };
  }
}

function unknownIdentifier(where: RegularizerLocation | undefined, value: unknown): LayerwiseConfigError {
  const prefix = locationPrefix(where);
  return new LayerwiseConfigError(
    prefix,
    `${prefix === '' ? '' : ': '}unknown regularizer identifier ${describeValue(value)}; valid identifiers: ${knownIdentifiers().join(', ')}`,
  );
}

function specFromClassName(
  className: string,
  config: Record<string, unknown>,
  where: RegularizerLocation | undefined,
): RegularizerSpec {
  const kind = IDENTIFIERS[className] ?? IDENTIFIERS[className.toLowerCase()];
  const defined = (key: string, fallback: number): unknown => (config[key] == null ? fallback : config[key]);
  switch (kind) {
    case 'l1':
      rejectUnknownKeys(config, ['l1'], className, where);
      return validateSpec({ kind: 'l1', l1: defined('l1', 0.01) }, where);
    case 'l2':
      rejectUnknownKeys(config, ['l2'], className, where);
      return validateSpec({ kind: 'l2', l2: defined('l2', 0.01) }, where);
    case 'l1l2':
      rejectUnknownKeys(config, ['l1', 'l2'], className, where);
      return validateSpec({ kind: 'l1l2', l1: defined('l1', 0), l2: defined('l2', 0) }, where);
    case 'orthogonal':
      rejectUnknownKeys(config, ['factor', 'mode'], className, where);
      return validateSpec({ kind: 'orthogonal', factor: defined('factor', 0.01), mode: config.mode ?? 'rows' }, where);
    default:
      if (isRegisteredRegularizer(className)) return validateSpec({ kind: 'custom', name: className, config: { ...config } }, where);
      throw unknownIdentifier(where, className);
  }
}

/** Keras raises `TypeError: Argument(s) not recognized` for unknown constructor kwargs; so do we. */
function rejectUnknownKeys(config: Record<string, unknown>, allowed: string[], className: string, where?: RegularizerLocation): void {
  const unknown = Object.keys(config).filter((key) => !allowed.includes(key));
  if (unknown.length > 0) {
    const prefix = locationPrefix(where);
    throw new LayerwiseConfigError(
      `${prefix === '' ? '' : `${prefix}.`}${className}.config`,
      `: unknown argument(s) ${unknown.map((key) => `"${key}"`).join(', ')}; allowed: ${allowed.map((key) => `"${key}"`).join(', ')}`,
    );
  }
}

/** Parses any accepted identifier or config into a validated spec. */
export function fromConfig(identifier: RegularizerIdentifier, where?: RegularizerLocation): RegularizerSpec {
  if (typeof identifier === 'string') return specFromClassName(identifier, {}, where);
  if (identifier == null || typeof identifier !== 'object' || Array.isArray(identifier)) {
    throw unknownIdentifier(where, identifier);
  }
  const record = identifier as Record<string, unknown>;
  if ('kind' in record) return validateSpec(record, where);
  const className = record.class_name ?? record.className;
  if (typeof className !== 'string') throw unknownIdentifier(where, identifier);
  const registeredName = record.registered_name;
  const config = record.config ?? {};
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    const prefix = locationPrefix(where);
    throw new LayerwiseConfigError(`${prefix === '' ? '' : `${prefix}.`}config`, `= ${describeValue(config)}: expected an object`);
  }
  const name = typeof registeredName === 'string' && isRegisteredRegularizer(registeredName) ? registeredName : className;
  return specFromClassName(name, config as Record<string, unknown>, where);
}
