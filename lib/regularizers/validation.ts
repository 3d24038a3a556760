/**
 * Validation of regularizer specs with Keras 3's rules; each kind checks its own fields (see
 * kinds/), this file only checks the shape and finds the kind.
 */
import { describeValue, LayerwiseConfigError } from '../errors/config-error';
import { fieldPath, type RegularizerLocation } from './location';
import { definitionOf, REGULARIZER_KINDS, type RegularizerSpec } from './registry';

export { validateCoefficient } from './coefficient';
export { locationPrefix } from './location';
export type { RegularizerLocation } from './location';

/** Checks a spec in place and returns it typed; unknown kinds list the valid ones. */
export function validateSpec(spec: unknown, where?: RegularizerLocation): RegularizerSpec {
  if (spec == null || typeof spec !== 'object' || Array.isArray(spec)) {
    throw new LayerwiseConfigError(
      fieldPath(where, 'kind'),
      `: expected a regularizer spec object such as {"kind": "l2", "l2": 0.01}, got ${describeValue(spec)}`,
    );
  }
  const candidate = spec as Record<string, unknown>;
  const definition = definitionOf(candidate.kind);
  if (definition == null) {
    throw new LayerwiseConfigError(
      fieldPath(where, 'kind'),
      `= ${describeValue(candidate.kind)}: expected one of ${REGULARIZER_KINDS.map((kind) => `"${kind}"`).join(', ')}`,
    );
  }
  return definition.validate(candidate, where);
}
