/** The short text form of a spec used in tables and logs: `l2(l2=0.0001)`, `l1l2(l1=0.01, l2=0.001)`, ... */
import { definitionOf, type RegularizerSpec } from './registry';

/** A short text form of a regularizer spec, written by its kind. */
export function formatRegularizer(spec: RegularizerSpec): string {
  const definition = definitionOf(spec.kind);
  return definition == null ? JSON.stringify(spec) : definition.describe(spec);
}
