/**
 * Loaded RNN layers keep their activity regularizer.
 *
 * tfjs 4.22's SimpleRNN, LSTM, GRU and ConvLSTM2D write their cell's `activityRegularizer` in
 * `getConfig` (where `attachActivityRegularizer` puts the layer's) but their constructors never
 * read it back (recurrent.ts: "TODO(cais): Add activityRegularizer"), so
 * after `tf.loadLayersModel` (or `tf.models.modelFromJSON`, or Bidirectional rebuilding its
 * copies) the layer has none and its penalty silently disappears. `installRecurrentActivityLoading`
 * wraps the `fromConfig` tfjs registered for those class names: the original builds the layer,
 * then the regularizer is read from the same config. `uninstallRecurrentActivityLoading` puts the
 * original entries back. lib/activity's install/uninstall call both.
 */
import * as tf from '@tensorflow/tfjs';
import type { Regularizer } from '@tensorflow/tfjs-layers/dist/regularizers';
import { createRegularizer, type RegularizerInput } from '../regularizers';
import { attachActivityRegularizer } from './attach';

/** The tfjs classes whose constructors drop `activityRegularizer`. */
export const RECURRENT_CLASS_NAMES: readonly string[] = ['SimpleRNN', 'LSTM', 'GRU', 'ConvLSTM2D'];

type FromConfig = (cls: unknown, config: Record<string, unknown>, ...rest: unknown[]) => unknown;
type Entry = [unknown, FromConfig];

const originalEntries = new Map<string, Entry>();
const ourEntries = new Map<string, Entry>();

function classNameMap(): Record<string, Entry> {
  return tf.serialization.SerializationMap.getMap().classNameMap as unknown as Record<string, Entry>;
}

/**
 * Resolves a serialized regularizer like a tfjs layer constructor would, accepting in addition
 * everything our slots accept (Keras `L2`, our specs).
 */
function resolveRegularizer(identifier: unknown, layerName: string): Regularizer {
  try {
    return createRegularizer(identifier as RegularizerInput, { layer: layerName, slot: 'activityRegularizer' });
  } catch (error) {
    // A regularizer class registered with tf.serialization that our parser does not know.
    const config = identifier as { className?: string; config?: Record<string, unknown> };
    const entry = typeof config?.className === 'string' ? classNameMap()[config.className] : undefined;
    if (entry == null) throw error;
    return entry[1].call(entry[0], entry[0], config.config ?? {}) as Regularizer;
  }
}

/** Wraps the registered deserializers of RECURRENT_CLASS_NAMES. Idempotent. */
export function installRecurrentActivityLoading(): void {
  const map = classNameMap();
  for (const className of RECURRENT_CLASS_NAMES) {
    const entry = map[className];
    if (entry == null || ourEntries.get(className) === entry) continue;
    const [cls, fromConfig] = entry;
    const restoring: FromConfig = (target, config, ...rest) => {
      const layer = fromConfig.call(cls, target, config, ...rest) as tf.layers.Layer;
      const identifier = config.activityRegularizer;
      if (identifier != null && layer.activityRegularizer == null) {
        attachActivityRegularizer(layer, resolveRegularizer(identifier, layer.name));
      }
      return layer;
    };
    const ours: Entry = [cls, restoring];
    originalEntries.set(className, entry);
    ourEntries.set(className, ours);
    map[className] = ours;
  }
}

/** Restores tfjs's deserializers (only where ours are still registered). */
export function uninstallRecurrentActivityLoading(): void {
  const map = classNameMap();
  for (const [className, original] of originalEntries) {
    if (map[className] === ourEntries.get(className)) map[className] = original;
  }
  originalEntries.clear();
  ourEntries.clear();
}
