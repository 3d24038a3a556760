/** Resolving a serialized activity regularizer as a tfjs layer constructor would. */
import * as tf from '@tensorflow/tfjs';
import type { Regularizer } from '@tensorflow/tfjs-layers/dist/regularizers';
import { createRegularizer, type RegularizerInput } from '../regularizers';

/**
 * Resolves a serialized regularizer (tfjs or Keras config, our specs, identifiers); a regularizer
 * class registered with tf.serialization that our parser does not know is built from its entry.
 */
export function resolveActivityRegularizer(identifier: unknown, layerName: string): Regularizer {
  try {
    return createRegularizer(identifier as RegularizerInput, { layer: layerName, slot: 'activityRegularizer' });
  } catch (error) {
    const config = identifier as { className?: string; class_name?: string; config?: Record<string, unknown> };
    const className = config?.className ?? config?.class_name;
    const map = tf.serialization.SerializationMap.getMap().classNameMap as unknown as Record<string, [unknown, (cls: unknown, config: object) => unknown]>;
    const entry = typeof className === 'string' ? map[className] : undefined;
    if (entry == null) throw error;
    return entry[1].call(entry[0], entry[0], config.config ?? {}) as Regularizer;
  }
}
