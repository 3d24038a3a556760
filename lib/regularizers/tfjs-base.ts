/**
 * The tfjs side shared by every kind: tfjs's `Regularizer` base class and `SpecRegularizer`, a tfjs
 * regularizer that carries its spec (so `specOf` reads it back and `getConfig` writes Keras's form).
 *
 * tfjs does not export its abstract `Regularizer` base class, but `getRegularizer` checks
 * `instanceof Regularizer`, so we reach the real base through the prototype chain of `L1L2`
 * (a deep import of `dist/regularizers.js` would load a second copy and break `instanceof`).
 */
import * as tf from '@tensorflow/tfjs';
import type { Regularizer } from '@tensorflow/tfjs-layers/dist/regularizers';

/** A tfjs-layers regularizer object, as layers take it in their `*Regularizer` slots. */
export type TfjsRegularizer = Regularizer;

type RegularizerBaseConstructor = abstract new () => Regularizer;

/** The tfjs `L1L2` class (tfjs 4.22 registers only this one). */
export const TfjsL1L2 = tf.regularizers.l1l2({ l1: 0, l2: 0 }).constructor as new (args: { l1: number; l2: number }) => Regularizer;

/** The tfjs-layers `Regularizer` base class (not exported by tfjs). */
export const TfjsRegularizerBase = Object.getPrototypeOf(TfjsL1L2) as RegularizerBaseConstructor;

/** Whether `value` is a tfjs regularizer object (ours or tfjs's own). */
export function isTfjsRegularizer(value: unknown): value is Regularizer {
  return value instanceof TfjsRegularizerBase;
}

/** A class tfjs can serialize (its static `className` is the name saved configs use). */
export type SerializableClass = tf.serialization.SerializableConstructor<tf.serialization.Serializable>;

/**
 * Registers `cls` with tfjs serialization unless it already is: done when an object of the class is
 * first made or a layerwise loader runs, never on import, so importing layerwise leaves tfjs's
 * registry as it was (test/architecture/import-side-effects.test.ts).
 */
export function registerOnce(cls: SerializableClass): void {
  const map = tf.serialization.SerializationMap.getMap().classNameMap as unknown as Record<string, [unknown, unknown]>;
  if (map[cls.className]?.[0] !== cls) tf.serialization.registerClass(cls);
}

/**
 * A tfjs regularizer that carries a validated layerwise spec. Each kind subclasses it with its
 * `className`, `apply` (its formula), `getConfig` and `fromConfig` (its Keras config), and
 * registers the subclass with tfjs serialization (on first construction) so saved models reload it.
 */
export abstract class SpecRegularizer<S extends { kind: string } = { kind: string }> extends TfjsRegularizerBase {
  /** The spec this regularizer computes; already validated by the subclass's constructor. */
  readonly spec: S;

  protected constructor(spec: S) {
    super();
    this.spec = spec;
    // A model holding this regularizer can be saved; its class must be known when that model is loaded again.
    registerOnce(this.constructor as SerializableClass);
  }
}

/** A tfjs config's number, or `fallback` when it is missing (Keras defaults). */
export function configNumber(config: tf.serialization.ConfigDict, key: string, fallback: number): number {
  const value = config[key];
  return value == null ? fallback : (value as number);
}
