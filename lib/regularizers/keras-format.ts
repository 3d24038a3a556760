/**
 * The Keras 3 serialized form of a regularizer (`keras/src/saving/serialization_lib.py`) and the
 * helpers every kind uses to write and read it:
 *   {"module": "keras.regularizers", "class_name": "L2", "config": {"l2": 0.01}, "registered_name": null}
 */
import { LayerwiseConfigError } from '../errors/config-error';
import { locationPrefix, type RegularizerLocation } from './location';

/** A Keras 3 serialized regularizer. */
export interface KerasRegularizerConfig {
  /** `keras.regularizers` for built-in classes; null for custom objects. */
  module: string | null;
  /** The Keras class name (`L2`) or the custom regularizer's registered name. */
  class_name: string;
  /** Constructor arguments. */
  config: Record<string, unknown>;
  /** null for built-in classes; the registered name for custom objects. */
  registered_name: string | null;
}

/** The serialized form of a built-in Keras regularizer class. */
export function builtInKerasConfig(className: string, config: Record<string, unknown>): KerasRegularizerConfig {
  return { module: 'keras.regularizers', class_name: className, config, registered_name: null };
}

/** A config value, or `fallback` when it is missing or null (Keras constructors' defaults). */
export function configValue(config: Record<string, unknown>, key: string, fallback: unknown): unknown {
  return config[key] == null ? fallback : config[key];
}

/** Keras raises `TypeError: Argument(s) not recognized` for unknown constructor kwargs; so do we. */
export function rejectUnknownKeys(
  config: Record<string, unknown>,
  allowed: readonly string[],
  className: string,
  where?: RegularizerLocation,
): void {
  const unknown = Object.keys(config).filter((key) => !allowed.includes(key));
  if (unknown.length > 0) {
    const prefix = locationPrefix(where);
    throw new LayerwiseConfigError(
      `${prefix === '' ? '' : `${prefix}.`}${className}.config`,
      `: unknown argument(s) ${unknown.map((key) => `"${key}"`).join(', ')}; allowed: ${allowed.map((key) => `"${key}"`).join(', ')}`,
    );
  }
}

/** Whether `name` is one of `identifiers`, compared without case (Keras 3 lower-cases string identifiers). */
export function matchesIdentifier(name: string, identifiers: readonly string[]): boolean {
  const lower = name.toLowerCase();
  return identifiers.some((identifier) => identifier === name || identifier.toLowerCase() === lower);
}
