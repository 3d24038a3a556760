/**
 * Which weight of which layer carries which regularizer, for every tfjs layer type.
 *
 * tfjs stores a weight penalty only as an anonymous closure on the layer (and, for RNNs, on a cell
 * the model never asks), so the variable and the slot are lost. tfjs names both consistently,
 * though: the regularizer `<prefix>Regularizer` guards the weight property below, on the layer or
 * on its RNN cell. That covers Dense, Conv1D/2D/3D, Conv2DTranspose, SeparableConv2D,
 * DepthwiseConv2D, Embedding, SimpleRNN/LSTM/GRU/ConvLSTM2D cells, BatchNormalization,
 * LayerNormalization and PReLU.
 */
import * as tf from '@tensorflow/tfjs';
import type { Regularizer } from '@tensorflow/tfjs-layers/dist/regularizers';
import type { LayerVariable } from '@tensorflow/tfjs-layers/dist/variables';
import { allLayers } from './walk';

/** A slot name as used in `layerName.slot` keys. */
export type WeightSlot = 'kernel' | 'bias' | 'recurrent' | 'depthwise' | 'pointwise' | 'embeddings' | 'gamma' | 'beta' | 'alpha';

/** slot -> [regularizer property, weight property], as tfjs names them. */
export const WEIGHT_SLOTS: ReadonlyArray<readonly [WeightSlot, string, string]> = [
  ['kernel', 'kernelRegularizer', 'kernel'],
  ['recurrent', 'recurrentRegularizer', 'recurrentKernel'],
  ['depthwise', 'depthwiseRegularizer', 'depthwiseKernel'],
  ['pointwise', 'pointwiseRegularizer', 'pointwiseKernel'],
  ['embeddings', 'embeddingsRegularizer', 'embeddings'],
  ['gamma', 'gammaRegularizer', 'gamma'],
  ['beta', 'betaRegularizer', 'beta'],
  ['alpha', 'alphaRegularizer', 'alpha'],
  ['bias', 'biasRegularizer', 'bias'],
];

/** One regularized variable. */
export interface RegularizedWeight {
  /** `layerName.slot`, e.g. `dense_1.kernel`, `lstm.recurrent`. */
  key: string;
  /** The user-facing layer the weight belongs to (the RNN layer, not its cell). */
  layer: tf.layers.Layer;
  slot: WeightSlot;
  regularizer: Regularizer;
  variable: LayerVariable;
  /** Whether the optimizer updates it (it is in the model's `trainableWeights`). */
  trainable: boolean;
}

interface WithCell {
  cell?: tf.layers.Layer & { cells?: tf.layers.Layer[] };
}

/** The objects holding a layer's regularizer and weight properties: the layer, or its RNN cell(s). */
function propertyOwners(layer: tf.layers.Layer): object[] {
  const cell = (layer as unknown as WithCell).cell;
  if (cell == null) return [layer];
  return Array.isArray(cell.cells) ? cell.cells : [cell];
}

/**
 * Every regularized weight inside `root` (a model or a layer), each variable once even when its
 * layer is shared by several calls or sub-models (Keras counts each variable once; tfjs's
 * `Container.calculateLosses` counts it once per call). Unbuilt layers have no weights yet and are
 * skipped; so is a regularizer whose weight does not exist (e.g. `biasRegularizer` with `useBias: false`).
 */
export function regularizedWeights(root: tf.layers.Layer): RegularizedWeight[] {
  const trainable = new Set<unknown>(root.trainableWeights);
  const seen = new Set<LayerVariable>();
  const found: RegularizedWeight[] = [];
  for (const layer of allLayers(root)) {
    if (isCell(layer)) continue; // Reached through its RNN layer, which names the key.
    for (const owner of propertyOwners(layer)) {
      const fields = owner as Record<string, unknown>;
      for (const [slot, regularizerProperty, weightProperty] of WEIGHT_SLOTS) {
        const regularizer = fields[regularizerProperty] as Regularizer | null | undefined;
        const variable = fields[weightProperty] as LayerVariable | null | undefined;
        if (regularizer == null || variable == null || seen.has(variable)) continue;
        seen.add(variable);
        found.push({ key: `${layer.name}.${slot}`, layer, slot, regularizer, variable, trainable: trainable.has(variable) });
      }
    }
  }
  return found;
}

function isCell(layer: tf.layers.Layer): boolean {
  return layer.getClassName().endsWith('Cell') || layer.getClassName() === 'StackedRNNCells';
}
