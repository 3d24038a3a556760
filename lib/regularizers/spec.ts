/**
 * Regularizer specs: plain JSON data describing a penalty, the single vocabulary shared by layers,
 * policies, sweeps and saved configs. Each kind's spec is declared in its file under kinds/; the
 * union is derived from the kind list in registry.ts.
 *
 * Formulas follow Keras 3 (`keras/src/regularizers/regularizers.py`): sums, no 1/2 factor.
 */
export type { L1Spec } from './kinds/l1';
export type { L2Spec } from './kinds/l2';
export type { L1L2Spec } from './kinds/l1l2';
export type { OrthogonalSpec } from './kinds/orthogonal';
export type { CustomSpec } from './kinds/custom';
export type { RegularizerKind, RegularizerSpec } from './registry';
export { REGULARIZER_KINDS } from './registry';
