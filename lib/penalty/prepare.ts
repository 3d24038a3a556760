/**
 * Getting a model ready for its penalties to be collected: every layer inside it that has an
 * `activityRegularizer` carries it (lib/activity/carry.ts), whoever built it (our factories,
 * `tf.layers.*`, `tf.loadLayersModel`). Per instance; nothing global changes.
 */
import * as tf from '@tensorflow/tfjs';
import { carryActivityRegularizer } from '../activity/carry';
import { clearLayerPenalties } from '../activity/records';
import { allLayers } from '../layers/walk';

/** Makes every layer of `root` with an activity regularizer carry it. Returns how many do. Idempotent. */
export function carryActivityRegularizers(root: tf.layers.Layer): number {
  let count = 0;
  for (const layer of allLayers(root)) {
    if (layer.activityRegularizer == null) continue;
    carryActivityRegularizer(layer);
    count++;
  }
  return count;
}

/**
 * Drops the recorded activity penalties of `target` and everything inside it. Only needed after
 * eager calls made outside any `tf.tidy` (those penalties are kept until the next call).
 */
export function clearActivityPenalties(target: tf.layers.Layer): void {
  allLayers(target).forEach(clearLayerPenalties);
}
