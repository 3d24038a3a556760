/**
 * Keras-compatible configs, both ways; each kind writes and reads its own config (see kinds/).
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
import { isRegisteredRegularizer } from './kinds/custom';
import type { KerasRegularizerConfig } from './keras-format';
import { locationPrefix, type RegularizerLocation } from './location';
import { definitionNaming, definitionOf, knownIdentifiers, type RegularizerSpec } from './registry';
import { validateSpec } from './validation';

export type { KerasRegularizerConfig } from './keras-format';
export { knownIdentifiers } from './registry';

/** Anything `fromConfig` accepts. */
export type RegularizerIdentifier = string | RegularizerSpec | KerasRegularizerConfig | Record<string, unknown>;

/** Serializes a spec in Keras 3's format. */
export function toConfig(spec: RegularizerSpec): KerasRegularizerConfig {
  const checked = validateSpec(spec);
  return definitionOf(checked.kind)!.toKerasConfig(checked);
}

function unknownIdentifier(where: RegularizerLocation | undefined, value: unknown): LayerwiseConfigError {
  const prefix = locationPrefix(where);
  return new LayerwiseConfigError(
    prefix,
    `${prefix === '' ? '' : ': '}unknown regularizer identifier ${describeValue(value)}; valid identifiers: ${knownIdentifiers().join(', ')}`,
  );
}

function specFromIdentifier(identifier: string, config: Record<string, unknown>, where: RegularizerLocation | undefined): RegularizerSpec {
  const definition = definitionNaming(identifier);
  if (definition == null) throw unknownIdentifier(where, identifier);
  return definition.fromKerasConfig(identifier, config, where);
}

/** Parses any accepted identifier or config into a validated spec. */
export function fromConfig(identifier: RegularizerIdentifier, where?: RegularizerLocation): RegularizerSpec {
  if (typeof identifier === 'string') return specFromIdentifier(identifier, {}, where);
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
  return specFromIdentifier(name, config as Record<string, unknown>, where);
}
