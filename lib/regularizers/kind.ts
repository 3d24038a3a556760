/**
 * What a regularizer kind is: everything about one penalty in one object, in the spirit of a
 * Keras 3 regularizer class (`__call__`, `get_config`, `from_config`) plus the layerwise parts
 * (plain-data spec, validation with located errors, tfjs class for save/load). Each kind lives in
 * one file under kinds/ and is listed once in registry.ts; nothing else switches on a kind.
 */
import type * as tf from '@tensorflow/tfjs';
import type { KerasRegularizerConfig } from './keras-format';
import type { RegularizerLocation } from './location';
import type { TfjsRegularizer } from './tfjs-base';

/**
 * One regularizer kind.
 * @typeParam S the kind's spec (plain JSON with a literal `kind`).
 * @typeParam F the kind's factory, e.g. `l2(args?: L2Args): L2Spec`.
 */
export interface RegularizerKindDefinition<S extends { kind: string }, F extends (...args: never[]) => S = (...args: never[]) => S> {
  /** The spec's `kind` value, also the factory's name in `regularizers`. */
  readonly kind: S['kind'];
  /** Builds a validated spec from arguments in the style of `tf.regularizers`, with Keras 3 defaults. */
  readonly factory: F;
  /** Checks an object whose `kind` is this one; returns it typed, or throws naming the field and the allowed values. */
  validate(candidate: Record<string, unknown>, where?: RegularizerLocation): S;
  /** The penalty of a validated spec on `x` as a float32 scalar, Keras 3's formula; runs inside `tf.tidy`. */
  penalty(spec: S, x: tf.Tensor): tf.Scalar;
  /** A short text form for tables, e.g. `l2(l2=0.0001)`. */
  describe(spec: S): string;
  /** The Keras 3 serialized form of a validated spec. */
  toKerasConfig(spec: S): KerasRegularizerConfig;
  /** Whether a Keras class name or string identifier (`L2`, `l2`, a registered name) names this kind. */
  names(identifier: string): boolean;
  /** The identifiers listed when an identifier is unknown, in order. */
  identifiers(): string[];
  /**
   * The validated spec for a Keras config naming this kind (`identifier` is the class name or string
   * identifier; missing arguments take Keras 3's defaults; unknown arguments are errors).
   */
  fromKerasConfig(identifier: string, config: Record<string, unknown>, where?: RegularizerLocation): S;
  /** The tfjs regularizer object computing a validated spec, of a class registered for save/load. */
  toTfjs(spec: S): TfjsRegularizer;
  /** The tfjs class of `toTfjs`'s objects, registered for loading by `registerRegularizerClasses` (not on import). */
  readonly tfjsClass?: import('./tfjs-base').SerializableClass;
  /** The rank the weight must have (Keras's OrthogonalRegularizer raises for any rank but 2); absent when any rank works. */
  readonly weightRank?: number;
  /** The spec of a tfjs regularizer of this kind that does not carry one (tfjs's own classes); else undefined. */
  specOfForeign?(regularizer: unknown): S | undefined;
}
