/**
 * Loaded RNN layers keep their activity regularizer (part of `enableKerasSemantics()`).
 *
 * tfjs 4.22's SimpleRNN, LSTM, GRU and ConvLSTM2D write their cell's `activityRegularizer` in
 * `getConfig` (where lib/activity's `attachActivityRegularizer` puts the layer's) but their
 * constructors never read it back (recurrent.ts: "TODO(cais): Add activityRegularizer"), so after
 * `tf.loadLayersModel` (or `tf.models.modelFromJSON`, or Bidirectional rebuilding its copies) the
 * layer has none and its penalty silently disappears. `recurrentDeserializerPatches` replaces the
 * registry entries tfjs registered for those class names: the original builds the layer, then the
 * regularizer is read from the same config and attached (the layer carries it).
 */
import * as tf from '@tensorflow/tfjs';
import { attachActivityRegularizer } from '../activity/attach';
import { resolveActivityRegularizer } from '../activity/resolve';
import { deserializerMap, type DeserializerEntry } from './internals';
import { installPatch, type Patch } from './patches';

/** The tfjs classes whose constructors drop `activityRegularizer`. */
export const RECURRENT_CLASS_NAMES: readonly string[] = ['SimpleRNN', 'LSTM', 'GRU', 'ConvLSTM2D'];

/** Installs the wrapped deserializers of RECURRENT_CLASS_NAMES; returns their patches. */
export function installRecurrentDeserializers(): Patch[] {
  const map = deserializerMap();
  const patches: Patch[] = [];
  for (const className of RECURRENT_CLASS_NAMES) {
    const entry = map[className];
    if (entry == null) continue;
    const [cls, fromConfig] = entry;
    const restoring: DeserializerEntry[1] = (target, config, ...rest) => {
      const layer = fromConfig.call(cls, target, config, ...rest) as tf.layers.Layer;
      const identifier = config.activityRegularizer;
      if (identifier != null && layer.activityRegularizer == null) {
        attachActivityRegularizer(layer, resolveActivityRegularizer(identifier, layer.name));
      }
      return layer;
    };
    const ours: DeserializerEntry = [cls, restoring];
    patches.push(installPatch(map, className, ours, 'tf.serialization classNameMap'));
  }
  return patches;
}
