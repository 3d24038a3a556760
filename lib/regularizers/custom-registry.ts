/**
 * Registry of user-defined regularizers. A custom regularizer is registered under a name so a spec
 * `{kind: 'custom', name, config}` (and a saved model) can be turned back into a penalty function.
 */
import type * as tf from '@tensorflow/tfjs';
import { LayerwiseConfigError } from '../errors/config-error';

/** Turns a custom spec's config into a penalty function `x -> scalar`. Called once per regularizer instance. */
export type CustomRegularizerFactory = (config: Record<string, unknown>) => (x: tf.Tensor) => tf.Scalar;

const factories = new Map<string, CustomRegularizerFactory>();

/** Names that built-in regularizers and their Keras identifiers already use. */
const RESERVED_NAMES = new Set([
  'l1', 'L1', 'l2', 'L2', 'l1l2', 'L1L2', 'orthogonal', 'orthogonal_regularizer', 'OrthogonalRegularizer',
  'Regularizer', 'regularizer',
]);

/**
 * Registers a custom regularizer under `name`. Registering the same name again replaces the factory
 * (useful in notebooks and tests); built-in names are refused.
 */
export function addCustomRegularizerFactory(name: string, factory: CustomRegularizerFactory): void {
  if (typeof name !== 'string' || !/^[A-Za-z_][A-Za-z0-9_.>-]*$/.test(name)) {
    throw new LayerwiseConfigError('registerRegularizer.name', `= ${JSON.stringify(name)}: expected an identifier (letters, digits, _ . > -)`);
  }
  if (RESERVED_NAMES.has(name)) {
    throw new LayerwiseConfigError('registerRegularizer.name', `= "${name}": this name is a built-in regularizer; choose another`);
  }
  if (typeof factory !== 'function') {
    throw new LayerwiseConfigError('registerRegularizer.factory', ': expected a function (config) => (x) => scalar');
  }
  factories.set(name, factory);
}

export function isRegisteredRegularizer(name: string): boolean {
  return factories.has(name);
}

export function registeredRegularizerNames(): string[] {
  return [...factories.keys()].sort();
}

export function customRegularizerFactory(name: string): CustomRegularizerFactory {
  const factory = factories.get(name);
  if (factory == null) {
    throw new LayerwiseConfigError('custom.name', `= "${name}": not registered; registered: ${registeredRegularizerNames().join(', ') || '(none)'}`);
  }
  return factory;
}
