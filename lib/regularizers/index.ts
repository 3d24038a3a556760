/**
 * Typed regularizers with Keras 3 semantics: plain-data specs, validation, Keras-compatible
 * configs, and tfjs regularizer objects registered for model save/load.
 */
import { createRegularizer } from './create';
import { custom, l1, l1l2, l2, orthogonal } from './factories';
import { fromConfig, toConfig } from './keras-config';
import { computePenalty } from './penalty';
import { registerRegularizer } from './register';
import { specOf } from './tfjs-classes';
import { validateSpec } from './validation';

export type { CustomSpec, L1L2Spec, L1Spec, L2Spec, OrthogonalSpec, RegularizerKind, RegularizerSpec } from './spec';
export { REGULARIZER_KINDS } from './spec';
export type { CustomArgs, L1Args, L1L2Args, L2Args, OrthogonalArgs } from './factories';
export type { KerasRegularizerConfig, RegularizerIdentifier } from './keras-config';
export type { RegularizerInput } from './create';
export type { RegularizerLocation } from './validation';
export type { CustomRegularizerFactory } from './custom-registry';
export type { TfjsRegularizer } from './tfjs-classes';
export { custom, l1, l1l2, l2, orthogonal } from './factories';
export { fromConfig, toConfig, knownIdentifiers } from './keras-config';
export { computePenalty } from './penalty';
export { createRegularizer } from './create';
export { registerRegularizer } from './register';
export { specOf, isTfjsRegularizer, L1Regularizer, L2Regularizer, OrthogonalRegularizer } from './tfjs-classes';
export { validateSpec, validateCoefficient } from './validation';

/** The regularizer API in the argument style of `tf.regularizers`. */
export const regularizers = {
  l1,
  l2,
  l1l2,
  orthogonal,
  custom,
  toConfig,
  fromConfig,
  validate: validateSpec,
  create: createRegularizer,
  register: registerRegularizer,
  penalty: computePenalty,
  specOf,
};
