/**
 * Regularizer specs: plain JSON data describing a penalty, the single vocabulary
 * shared by layers, policies, sweeps and saved configs.
 *
 * Formulas follow Keras 3 (`keras/src/regularizers/regularizers.py`): sums, no 1/2 factor.
 */

/** `l1 * sum(|x|)`. Keras 3 default `l1 = 0.01`. */
export interface L1Spec {
  kind: 'l1';
  l1: number;
}

/** `l2 * sum(x^2)` (no 1/2). Keras 3 default `l2 = 0.01`. */
export interface L2Spec {
  kind: 'l2';
  l2: number;
}

/** `l1 * sum(|x|) + l2 * sum(x^2)`. Keras 3 class defaults are 0 and 0 (tfjs invents 0.01; we never do). */
export interface L1L2Spec {
  kind: 'l1l2';
  l1: number;
  l2: number;
}

/** `factor * mean |cosine similarity|` over unordered pairs of rows (or columns) of a rank-2 weight. */
export interface OrthogonalSpec {
  kind: 'orthogonal';
  factor: number;
  mode: 'rows' | 'columns';
}

/** A user regularizer registered by name with `registerRegularizer`; `config` is passed back to its factory. */
export interface CustomSpec {
  kind: 'custom';
  name: string;
  config: Record<string, unknown>;
}

/** Any regularizer as plain JSON data; `kind` says which. */
export type RegularizerSpec = L1Spec | L2Spec | L1L2Spec | OrthogonalSpec | CustomSpec;

export type RegularizerKind = RegularizerSpec['kind'];

export const REGULARIZER_KINDS: readonly RegularizerKind[] = ['l1', 'l2', 'l1l2', 'orthogonal', 'custom'];
