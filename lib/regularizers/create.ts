/**
 * One entry point that turns whatever a user passes in a regularizer slot into a tfjs regularizer:
 * our specs, Keras/tfjs configs, identifier strings, or a tfjs regularizer object (returned as is);
 * and `specOf`, the way back.
 */
import { fromConfig, type RegularizerIdentifier } from './keras-config';
import type { RegularizerLocation } from './location';
import { definitionOf, REGULARIZER_DEFINITIONS, type RegularizerSpec } from './registry';
import { isTfjsRegularizer, SpecRegularizer, type TfjsRegularizer } from './tfjs-base';

/** What a regularizer slot accepts. */
export type RegularizerInput = RegularizerIdentifier | TfjsRegularizer;

/** Builds the tfjs regularizer for a validated spec, of its kind's registered class. */
export function tfjsRegularizerForSpec(spec: RegularizerSpec): TfjsRegularizer {
  return definitionOf(spec.kind)!.toTfjs(spec);
}

/** The tfjs regularizer for a spec, Keras config or identifier (a tfjs regularizer is returned as is). */
export function createRegularizer(input: RegularizerInput, where?: RegularizerLocation): TfjsRegularizer {
  if (isTfjsRegularizer(input)) return input;
  return tfjsRegularizerForSpec(fromConfig(input as RegularizerIdentifier, where));
}

/** Reads the spec back from a tfjs regularizer: ours carry it; tfjs's own `L1L2` exposes l1/l2. Else undefined. */
export function specOf(regularizer: unknown): RegularizerSpec | undefined {
  if (regularizer instanceof SpecRegularizer) return regularizer.spec as RegularizerSpec;
  for (const definition of REGULARIZER_DEFINITIONS) {
    const spec = 'specOfForeign' in definition ? definition.specOfForeign?.(regularizer) : undefined;
    if (spec !== undefined) return spec;
  }
  return undefined;
}
