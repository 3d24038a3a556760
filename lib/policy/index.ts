/**
 * Regularization policies: one setting for every layer (`uniform`) or per layer (`perLayer`, by
 * name, glob, index or class), applied to a spec or an existing model (`applyPolicy`), with the
 * matching decoupled-weight-decay plan (`weightDecayRates`) and a printable description.
 */
export type { LayerEntry, LayerSettings, PerLayerPolicy, Policy, Selector, SlotInclusion, UniformPolicy, WeightSlot } from './types';
export { DEFAULT_INCLUDED_SLOTS, POLICY_WEIGHT_SLOTS } from './types';
export type { PerLayerArgs, UniformArgs } from './factories';
export { perLayer, policyFromConfig, policyToConfig, uniform, validatePolicy } from './factories';
export { SELECTOR_RANK, selectorLabel } from './selectors';
export type { ResolvedLayer, ResolvedPolicy } from './resolve';
export { includedSlots, resolvePolicy } from './resolve';
export type { AddressableLayer, LayerWeight } from './model-layers';
export { addressableLayers } from './model-layers';
export type { ApplyPolicyOptions } from './apply';
export { applyPolicy } from './apply';
export { weightDecayRates } from './weight-decay';
export type { PolicyRow } from './describe';
export { describePolicy, formatPolicyTable, formatRegularizer } from './describe';
