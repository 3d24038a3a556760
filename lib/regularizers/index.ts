/**
 * Typed regularizers with Keras 3 semantics: plain-data specs, validation, Keras-compatible
 * configs, and tfjs regularizer objects registered for model save/load.
 *
 * One kind, one file: kinds/l1.ts, l2.ts, l1l2.ts, orthogonal.ts and custom.ts each hold their
 * spec, factory, validation, formula, Keras config and tfjs class; registry.ts lists them once.
 */
import { createRegularizer, specOf } from './create';
import { fromConfig, toConfig } from './keras-config';
import { computePenalty } from './penalty';
import { registerRegularizer } from './register';
import { regularizerFactories } from './registry';
import { validateSpec } from './validation';

export type { CustomSpec, L1L2Spec, L1Spec, L2Spec, OrthogonalSpec, RegularizerKind, RegularizerSpec } from './spec';
export { REGULARIZER_KINDS } from './spec';
export type { L1Args } from './kinds/l1';
export type { L2Args } from './kinds/l2';
export type { L1L2Args } from './kinds/l1l2';
export type { OrthogonalArgs } from './kinds/orthogonal';
export type { CustomArgs, CustomRegularizerFactory } from './kinds/custom';
export type { RegularizerKindDefinition } from './kind';
export type { RegularizerFactories } from './registry';
export type { KerasRegularizerConfig, RegularizerIdentifier } from './keras-config';
export type { RegularizerInput } from './create';
export type { RegularizerLocation } from './validation';
export type { TfjsRegularizer } from './tfjs-base';
export { l1, L1Regularizer } from './kinds/l1';
export { l2, L2Regularizer } from './kinds/l2';
export { l1l2 } from './kinds/l1l2';
export { orthogonal, OrthogonalRegularizer } from './kinds/orthogonal';
export { custom } from './kinds/custom';
export { fromConfig, toConfig, knownIdentifiers } from './keras-config';
export { computePenalty } from './penalty';
export { formatRegularizer } from './describe';
export { createRegularizer, specOf } from './create';
export { registerRegularizer } from './register';
export { isTfjsRegularizer, TfjsL1L2 } from './tfjs-base';
export { validateSpec, validateCoefficient } from './validation';

/**
 * The regularizer API in the argument style of `tf.regularizers`: one factory per kind (`l1`, `l2`,
 * `l1l2`, `orthogonal`, `custom`, derived from the kind list) plus `toConfig`, `fromConfig`,
 * `validate`, `create`, `register`, `penalty` and `specOf`.
 */
export const regularizers = {
  ...regularizerFactories(),
  toConfig,
  fromConfig,
  validate: validateSpec,
  create: createRegularizer,
  register: registerRegularizer,
  penalty: computePenalty,
  specOf,
};
