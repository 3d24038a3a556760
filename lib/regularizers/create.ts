/**
 * One entry point that turns whatever a user passes in a regularizer slot into a tfjs regularizer:
 * our specs, Keras/tfjs configs, identifier strings, or a tfjs regularizer object (returned as is).
 */
import type { Regularizer } from '@tensorflow/tfjs-layers/dist/regularizers';
import { fromConfig, type RegularizerIdentifier } from './keras-config';
import { isTfjsRegularizer, tfjsRegularizerForSpec } from './tfjs-classes';
import type { RegularizerLocation } from './validation';

/** What a regularizer slot accepts. */
export type RegularizerInput = RegularizerIdentifier | Regularizer;

/** The tfjs regularizer for a spec, Keras config or identifier (a tfjs regularizer is returned as is). */
export function createRegularizer(input: RegularizerInput, where?: RegularizerLocation): Regularizer {
  if (isTfjsRegularizer(input)) return input;
  return tfjsRegularizerForSpec(fromConfig(input as RegularizerIdentifier, where));
}
