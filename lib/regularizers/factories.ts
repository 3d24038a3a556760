/**
 * Factories in the argument style of `tf.regularizers` (`l2({l2: 0.01})`), returning plain specs.
 * Defaults are Keras 3's: L1 and L2 default to 0.01; L1L2 defaults to 0 for a missing coefficient
 * (tfjs's `l1l2({l1: 0.1})` silently adds l2 = 0.01 — we never invent a coefficient);
 * OrthogonalRegularizer defaults to factor 0.01 in 'rows' mode.
 */
import type { CustomSpec, L1L2Spec, L1Spec, L2Spec, OrthogonalSpec } from './spec';
import { validateSpec } from './validation';

export interface L1Args {
  /** L1 coefficient, finite and >= 0. Default 0.01 (Keras 3 `L1()`). */
  l1?: number;
}

export interface L2Args {
  /** L2 coefficient, finite and >= 0. Default 0.01 (Keras 3 `L2()`). The penalty is `l2 * sum(x^2)`, no 1/2. */
  l2?: number;
}

export interface L1L2Args {
  /** L1 coefficient. Default 0 (Keras 3 `L1L2()`; tfjs would use 0.01). */
  l1?: number;
  /** L2 coefficient. Default 0 (Keras 3 `L1L2()`; tfjs would use 0.01). */
  l2?: number;
}

export interface OrthogonalArgs {
  /** Multiplier of the mean absolute cosine similarity. Default 0.01 (Keras 3). */
  factor?: number;
  /** Compare rows (default, Keras 3) or columns of the rank-2 weight. */
  mode?: 'rows' | 'columns';
}

export interface CustomArgs {
  /** Name given to `registerRegularizer`. */
  name: string;
  /** JSON-serializable configuration passed to the registered factory. Default `{}`. */
  config?: Record<string, unknown>;
}

export function l1(args: L1Args = {}): L1Spec {
  return validateSpec({ kind: 'l1', l1: args.l1 ?? 0.01 }) as L1Spec;
}

export function l2(args: L2Args = {}): L2Spec {
  return validateSpec({ kind: 'l2', l2: args.l2 ?? 0.01 }) as L2Spec;
}

export function l1l2(args: L1L2Args = {}): L1L2Spec {
  return validateSpec({ kind: 'l1l2', l1: args.l1 ?? 0, l2: args.l2 ?? 0 }) as L1L2Spec;
}

export function orthogonal(args: OrthogonalArgs = {}): OrthogonalSpec {
  return validateSpec({ kind: 'orthogonal', factor: args.factor ?? 0.01, mode: args.mode ?? 'rows' }) as OrthogonalSpec;
}

export function custom(args: CustomArgs): CustomSpec {
  return validateSpec({ kind: 'custom', name: args.name, config: args.config ?? {} }) as CustomSpec;
}
