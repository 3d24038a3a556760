/**
 * The penalty of a spec on a tensor, by the kind's own Keras 3 formula (see kinds/).
 */
import * as tf from '@tensorflow/tfjs';
import { definitionOf, type RegularizerSpec } from './registry';

/** Computes the spec's penalty on `x` as a float32 scalar. The caller owns the result. */
export function computePenalty(spec: RegularizerSpec, x: tf.Tensor): tf.Scalar {
  const definition = definitionOf(spec.kind);
  if (definition == null) throw new Error(`computePenalty: unknown regularizer kind ${JSON.stringify(spec.kind)}; validate the spec first`);
  return tf.tidy(() => definition.penalty(spec, x));
}
