/**
 * The tfjs 4.22 internals layerwise's opt-in fixes reach, named in one place. tfjs-layers does
 * not export `Container` (the base of LayersModel and Sequential, which owns `calculateLosses`),
 * so it is reached here, and only here, through the prototype chain.
 */
import * as tf from '@tensorflow/tfjs';

/** `(this: Layer, inputs, kwargs) => outputs`, tfjs's `Layer.apply`. */
export type ApplyFunction = (this: tf.layers.Layer, inputs: unknown, kwargs?: unknown) => unknown;
/** `(this: Container) => Scalar[]`, tfjs's `Container.calculateLosses`. */
export type CalculateLossesFunction = (this: tf.layers.Layer) => tf.Scalar[];
/** A `SerializationMap.classNameMap` entry: `[class, fromConfig]`. */
export type DeserializerEntry = [unknown, (cls: unknown, config: Record<string, unknown>, ...rest: unknown[]) => unknown];

/** `tf.layers.Layer.prototype`, typed for the method we patch. */
export function layerPrototype(): { apply: ApplyFunction } {
  return tf.layers.Layer.prototype as unknown as { apply: ApplyFunction };
}

/** tfjs-layers' `Container.prototype` (LayersModel's parent). */
export function containerPrototype(): { calculateLosses: CalculateLossesFunction; constructor: abstract new (...args: never[]) => tf.layers.Layer } {
  return Object.getPrototypeOf(tf.LayersModel.prototype) as ReturnType<typeof containerPrototype>;
}

/** The registry `tf.loadLayersModel` / `modelFromJSON` deserialize layers with: class name -> entry. */
export function deserializerMap(): Record<string, DeserializerEntry> {
  return tf.serialization.SerializationMap.getMap().classNameMap as unknown as Record<string, DeserializerEntry>;
}
