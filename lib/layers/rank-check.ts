/**
 * Build-time check of regularizers that only accept weights of one rank.
 *
 * Keras's `OrthogonalRegularizer` needs a rank-2 weight and raises for any other rank. tfjs builds
 * such a layer without complaint and the penalty fails only later, inside `fit`, with
 * `inputs must have rank 2; received shape [4]`, naming neither the layer nor the slot. Checking
 * right after the layer's `build` (the first moment the weight shapes exist) turns that into an
 * error naming the layer, the slot and the weight's shape.
 */
import * as tf from '@tensorflow/tfjs';
import type { Regularizer } from '@tensorflow/tfjs-layers/dist/regularizers';
import type { LayerVariable } from '@tensorflow/tfjs-layers/dist/variables';
import { LayerwiseConfigError } from '../errors/config-error';
import { specOf } from '../regularizers';
import { definitionOf } from '../regularizers/registry';
import { WEIGHT_SLOTS } from './slots';
import { allLayers } from './walk';

/** The rank a regularizer requires of its weight, or null when any rank works. */
export function requiredWeightRank(regularizer: Regularizer): number | null {
  const spec = specOf(regularizer);
  return (spec != null ? definitionOf(spec.kind)?.weightRank : undefined) ?? null;
}

function isCell(layer: tf.layers.Layer): boolean {
  return layer.getClassName().endsWith('Cell') || layer.getClassName() === 'StackedRNNCells';
}

/**
 * Throws `LayerwiseConfigError` (`lstm_1.biasRegularizer: orthogonal needs a rank-2 weight; ...`)
 * for the first built weight inside `root` whose regularizer requires another rank. Weights that
 * do not exist yet (unbuilt layers) are skipped. A cell's weights are reported under the RNN
 * layer that owns it, the name the user gave.
 */
export function checkRegularizerRanks(root: tf.layers.Layer): void {
  const ownerOf = new Map<tf.layers.Layer, tf.layers.Layer>();
  for (const layer of allLayers(root)) {
    const cell = (layer as unknown as { cell?: tf.layers.Layer & { cells?: tf.layers.Layer[] } }).cell;
    if (cell != null) for (const inner of [cell, ...(cell.cells ?? [])]) ownerOf.set(inner, ownerOf.get(layer) ?? layer);
  }
  for (const layer of allLayers(root)) {
    const fields = layer as unknown as Record<string, unknown>;
    for (const [slot, regularizerProperty, weightProperty] of WEIGHT_SLOTS) {
      const regularizer = fields[regularizerProperty] as Regularizer | null | undefined;
      const variable = fields[weightProperty] as LayerVariable | null | undefined;
      if (regularizer == null || variable == null) continue;
      const rank = requiredWeightRank(regularizer);
      if (rank == null || variable.shape.length === rank) continue;
      const named = isCell(layer) ? ownerOf.get(layer) ?? layer : layer;
      throw new LayerwiseConfigError(
        `${named.name}.${regularizerProperty}`,
        `: the orthogonal regularizer needs a rank-${rank} weight (Keras raises for any other rank), but ${named.name}'s ${slot} weight has shape [${variable.shape.join(', ')}] (rank ${variable.shape.length}); use it on a rank-${rank} weight such as a Dense kernel, or choose l1/l2 for this slot`,
      );
    }
  }
}

const CHECKED = Symbol('layerwise.checksRegularizerRanks');

/**
 * Makes `layer.build` (per instance; nothing global changes) run `checkRegularizerRanks` once the
 * weights exist. Safe to call twice; returns the layer.
 */
export function checkRanksOnBuild<T extends tf.layers.Layer>(layer: T): T {
  const marked = layer as unknown as { [CHECKED]?: boolean; build: (shape: tf.Shape | tf.Shape[]) => void };
  if (marked[CHECKED]) return layer;
  const original = marked.build.bind(layer);
  marked.build = (inputShape: tf.Shape | tf.Shape[]): void => {
    original(inputShape);
    checkRegularizerRanks(layer);
  };
  Object.defineProperty(layer, CHECKED, { value: true });
  return layer;
}
