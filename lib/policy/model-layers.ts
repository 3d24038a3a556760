/**
 * The layers a policy addresses, and which weight of each sits in which slot.
 *
 * Layers are the model's layers in order, without input layers, with nested models replaced by
 * their own layers (so a policy can reach a layer inside a sub-model by its name). Wrappers
 * (TimeDistributed, Bidirectional) and RNN layers count as one layer; their weights live on the
 * wrapped layer or the cells, where tfjs puts them. A layer reached twice (shared) appears once.
 */
import * as tf from '@tensorflow/tfjs';
import type { LayerVariable } from '@tensorflow/tfjs-layers/dist/variables';
import { WEIGHT_SLOTS, type WeightSlot } from '../layers/slots';
import type { SelectableLayer } from './selectors';

/** One weight of an addressable layer. */
export interface LayerWeight {
  variable: LayerVariable;
  /** The slot of the weight, or null for weights no regularizer can reach (moving statistics, ...). */
  slot: WeightSlot | null;
  /** Whether the optimizer updates it. */
  trainable: boolean;
}

export interface AddressableLayer extends SelectableLayer {
  layer: tf.layers.Layer;
  weights: LayerWeight[];
  /** Slots this layer has a weight for. */
  slots: Set<WeightSlot>;
}

interface Composite {
  layers?: tf.layers.Layer[];
  layer?: tf.layers.Layer;
  forwardLayer?: tf.layers.Layer;
  backwardLayer?: tf.layers.Layer;
  cell?: tf.layers.Layer & { cells?: tf.layers.Layer[] };
}

export function isContainer(layer: tf.layers.Layer): boolean {
  return layer instanceof tf.LayersModel;
}

/** The objects that hold a layer's `<slot>Regularizer` / weight properties. */
function weightOwners(layer: tf.layers.Layer): object[] {
  const composite = layer as unknown as Composite;
  if (layer.getClassName() === 'Bidirectional' && composite.forwardLayer && composite.backwardLayer) {
    return [...weightOwners(composite.forwardLayer), ...weightOwners(composite.backwardLayer)];
  }
  if (composite.cell instanceof tf.layers.Layer) return Array.isArray(composite.cell.cells) ? composite.cell.cells : [composite.cell];
  if (composite.layer instanceof tf.layers.Layer) return weightOwners(composite.layer);
  return [layer];
}

function slotsOfVariables(layer: tf.layers.Layer): Map<LayerVariable, WeightSlot> {
  const slots = new Map<LayerVariable, WeightSlot>();
  for (const owner of weightOwners(layer)) {
    const fields = owner as Record<string, unknown>;
    for (const [slot, , weightProperty] of WEIGHT_SLOTS) {
      const variable = fields[weightProperty];
      if (variable != null && typeof variable === 'object' && 'originalName' in variable) slots.set(variable as LayerVariable, slot);
    }
  }
  return slots;
}

/** The addressable layers of a model (see the module comment). The model must be built. */
export function addressableLayers(model: tf.LayersModel): AddressableLayer[] {
  const found: AddressableLayer[] = [];
  const seen = new Set<tf.layers.Layer>();
  const visit = (layer: tf.layers.Layer): void => {
    if (seen.has(layer)) return;
    seen.add(layer);
    if (layer.getClassName() === 'InputLayer') return;
    if (isContainer(layer)) {
      (layer as tf.LayersModel).layers.forEach(visit);
      return;
    }
    const trainable = new Set<unknown>(layer.trainableWeights);
    const slotOf = slotsOfVariables(layer);
    const weights = layer.weights.map((variable) => ({ variable, slot: slotOf.get(variable) ?? null, trainable: trainable.has(variable) }));
    found.push({
      name: layer.name,
      className: layer.getClassName(),
      index: found.length,
      layer,
      weights,
      slots: new Set(weights.flatMap((weight) => (weight.slot == null ? [] : [weight.slot]))),
    });
  };
  model.layers.forEach(visit);
  return found;
}
