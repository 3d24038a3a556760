/**
 * Resolving a policy against a model: for every addressable layer, the penalty of each weight
 * slot, the decoupled decay rate of each slot and the activity regularizer. Precedence is in
 * selectors.ts; slot inclusion in types.ts.
 */
import * as tf from '@tensorflow/tfjs';
import { LayerwiseConfigError } from '../errors/config-error';
import type { RegularizerSpec } from '../regularizers/spec';
import { addressableLayers, type AddressableLayer } from './model-layers';
import { matchSelector, parseSelector, SELECTOR_RANK, selectorLabel } from './selectors';
import { validatePolicy } from './factories';
import { DEFAULT_INCLUDED_SLOTS, POLICY_WEIGHT_SLOTS, type LayerSettings, type Policy, type SlotInclusion, type WeightSlot } from './types';

/** What a policy decides for one layer. Missing keys mean the policy says nothing. */
export interface ResolvedLayer {
  name: string;
  className: string;
  index: number;
  /** Penalty per slot; `null` = explicitly none. */
  penalties: Partial<Record<WeightSlot, RegularizerSpec | null>>;
  /** Decoupled decay rate per slot; `null` = explicitly none. */
  weightDecay: Partial<Record<WeightSlot, number | null>>;
  /** Activity regularizer; `null` = explicitly none; absent = unspecified. */
  activity?: RegularizerSpec | null;
}

export interface ResolvedPolicy {
  policy: Policy;
  layers: ResolvedLayer[];
  /** The model's addressable layers, same order as `layers`. */
  addressable: AddressableLayer[];
}

/** The slots the generic `regularizer` / `weightDecay` reach. */
export function includedSlots(inclusion: SlotInclusion): Set<WeightSlot> {
  const slots = new Set<WeightSlot>(inclusion.slots ?? DEFAULT_INCLUDED_SLOTS);
  if (inclusion.includeBias) slots.add('bias');
  if (inclusion.includeNormalization) {
    slots.add('gamma');
    slots.add('beta');
  }
  return slots;
}

interface Candidate {
  settings: LayerSettings;
  rank: number;
  order: number;
  matched: Set<AddressableLayer>;
}

interface Pick<T> {
  value: T;
  key: [number, number, number];
}

function better(key: [number, number, number], than: [number, number, number] | undefined): boolean {
  if (than === undefined) return true;
  for (let i = 0; i < 3; i++) if (key[i] !== than[i]) return key[i] > than[i];
  return false;
}

function describeLayers(layers: Iterable<AddressableLayer>): string {
  return [...layers].map((layer) => `${layer.name} (${layer.className})`).join(', ');
}

function candidatesOf(policy: Policy, layers: AddressableLayer[]): Candidate[] {
  if (policy.kind === 'uniform') {
    return [{ settings: { regularizer: policy.regularizer, weightDecay: policy.weightDecay }, rank: SELECTOR_RANK.uniform, order: 0, matched: new Set(layers) }];
  }
  return policy.layers.map((entry, order) => {
    const label = JSON.stringify(selectorLabel(entry.select));
    const { matched, rank } = matchSelector(parseSelector(entry.select, `policy.perLayer[${label}].select`), layers);
    if (matched.length === 0) {
      throw new LayerwiseConfigError('policy.perLayer', `: no layer matches ${label}; layers are ${layers.map((layer) => layer.name).join(', ')}`);
    }
    return { settings: entry, rank, order, matched: new Set(matched as AddressableLayer[]) };
  });
}

/** Errors for settings that reach no weight of the layers they select. */
function checkReach(policy: Policy, candidates: Candidate[], included: Set<WeightSlot>): void {
  if (policy.kind !== 'perLayer') return;
  candidates.forEach((candidate, position) => {
    const where = `policy.perLayer[${JSON.stringify(selectorLabel(policy.layers[position].select))}]`;
    const layers = [...candidate.matched];
    for (const slot of POLICY_WEIGHT_SLOTS) {
      if (candidate.settings[slot] == null) continue;
      if (!layers.some((layer) => layer.slots.has(slot))) {
        throw new LayerwiseConfigError(`${where}.${slot}`, `: the selected layers have no ${slot} weight: ${describeLayers(layers)}`);
      }
    }
    for (const field of ['regularizer', 'weightDecay'] as const) {
      if (candidate.settings[field] == null) continue;
      if (!layers.some((layer) => [...layer.slots].some((slot) => included.has(slot)))) {
        throw new LayerwiseConfigError(
          `${where}.${field}`,
          `: the selected layers have no weight among the included slots ${[...included].join(', ')}: ${describeLayers(layers)}; ` +
            'select layers with weights, or opt slots in with includeBias, includeNormalization or slots',
        );
      }
    }
  });
}

/** Resolves `policy` against a built model. Throws for selectors matching nothing and unreachable settings. */
export function resolvePolicy(policy: Policy, model: tf.LayersModel): ResolvedPolicy {
  const checked = validatePolicy(policy);
  const addressable = addressableLayers(model);
  const included = includedSlots(checked);
  const candidates = candidatesOf(checked, addressable);
  checkReach(checked, candidates, included);
  const layers = addressable.map((layer): ResolvedLayer => {
    const matching = candidates.filter((candidate) => candidate.matched.has(layer));
    const resolved: ResolvedLayer = { name: layer.name, className: layer.className, index: layer.index, penalties: {}, weightDecay: {} };
    for (const slot of layer.slots) {
      let penalty: Pick<RegularizerSpec | null> | undefined;
      let decay: Pick<number | null> | undefined;
      for (const candidate of matching) {
        const { settings, rank, order } = candidate;
        const explicit = settings[slot];
        if (explicit !== undefined) {
          const key: [number, number, number] = [rank, order, 1];
          if (better(key, penalty?.key)) penalty = { value: explicit, key };
        } else if (included.has(slot) && settings.regularizer !== undefined) {
          const key: [number, number, number] = [rank, order, 0];
          if (better(key, penalty?.key)) penalty = { value: settings.regularizer, key };
        }
        if (included.has(slot) && settings.weightDecay !== undefined) {
          const key: [number, number, number] = [rank, order, 0];
          if (better(key, decay?.key)) decay = { value: settings.weightDecay, key };
        }
      }
      if (penalty !== undefined) resolved.penalties[slot] = penalty.value;
      if (decay !== undefined) resolved.weightDecay[slot] = decay.value;
    }
    let activity: Pick<RegularizerSpec | null> | undefined;
    for (const { settings, rank, order } of matching) {
      if (settings.activity === undefined) continue;
      const key: [number, number, number] = [rank, order, 0];
      if (better(key, activity?.key)) activity = { value: settings.activity, key };
    }
    if (activity !== undefined) resolved.activity = activity.value;
    return resolved;
  });
  return { policy: checked, layers, addressable };
}
