/**
 * Regularization policies: plain JSON data saying which weight of which layer gets which penalty
 * (and which decoupled weight-decay rate). Two kinds:
 *
 *  - `uniform`: one regularizer and/or one decay rate for every included weight of every layer;
 *  - `perLayer`: entries `{select, ...settings}` choosing layers by exact name, glob, index or class.
 *
 * Which weights are "included" (get the generic `regularizer` and `weightDecay`): by default the
 * kernels of every kind (`kernel`, `recurrent`, `depthwise`, `pointwise`, `embeddings`), never
 * biases, normalization gamma/beta or PReLU alpha. `includeBias`, `includeNormalization` and
 * `slots` opt more in. A per-layer entry can also set a slot explicitly (`bias: l2(...)`), which
 * opts that slot in for the penalty regardless of the defaults.
 */
import type { WeightSlot } from '../layers/slots';
import type { RegularizerSpec } from '../regularizers/spec';

export type { WeightSlot };

/** Every weight slot a policy can address, in display order. */
export const POLICY_WEIGHT_SLOTS: readonly WeightSlot[] = ['kernel', 'recurrent', 'depthwise', 'pointwise', 'embeddings', 'bias', 'gamma', 'beta', 'alpha'];

/** Slots included by default: kernels of every kind. */
export const DEFAULT_INCLUDED_SLOTS: readonly WeightSlot[] = ['kernel', 'recurrent', 'depthwise', 'pointwise', 'embeddings'];

/** Which weights the generic `regularizer` and `weightDecay` reach. */
export interface SlotInclusion {
  /** Also regularize/decay biases. Default false. */
  includeBias?: boolean;
  /** Also regularize/decay BatchNormalization/LayerNormalization gamma and beta. Default false. */
  includeNormalization?: boolean;
  /**
   * The base list of included slots, replacing the default kernel slots
   * (`kernel, recurrent, depthwise, pointwise, embeddings`); `includeBias` and
   * `includeNormalization` still add to it. Default: the kernel slots.
   */
  slots?: WeightSlot[];
}

/**
 * Layer selectors:
 *  - a string: `"#2"` / `"#-1"` is an index into the model's layers (input layers not counted,
 *    negative counts from the end); a string with `*` or `?` is a glob on layer names
 *    (`conv*`, `dense_?`); any other string is an exact layer name, or, when no layer has that
 *    name, a layer class (`Dense`, `Conv2D`, `BatchNormalization`);
 *  - `{name}`, `{glob}`, `{index}`, `{class}`: the same, unambiguous.
 */
export type Selector = string | { name: string } | { glob: string } | { index: number } | { class: string };

/** What a policy says about one layer. `undefined` = says nothing; `null` = explicitly none. */
export interface LayerSettings {
  /** Penalty on every included weight of the layer. */
  regularizer?: RegularizerSpec | null;
  /** Decoupled weight-decay rate (>= 0) for every included, trainable weight of the layer. */
  weightDecay?: number | null;
  /** Explicit penalty per slot; beats the generic `regularizer` of the same entry, and opts the slot in. */
  kernel?: RegularizerSpec | null;
  recurrent?: RegularizerSpec | null;
  depthwise?: RegularizerSpec | null;
  pointwise?: RegularizerSpec | null;
  embeddings?: RegularizerSpec | null;
  bias?: RegularizerSpec | null;
  gamma?: RegularizerSpec | null;
  beta?: RegularizerSpec | null;
  alpha?: RegularizerSpec | null;
  /** Activity regularizer on the layer's output (Keras semantics: penalty divided by batch size). */
  activity?: RegularizerSpec | null;
}

/** One per-layer entry. */
export interface LayerEntry extends LayerSettings {
  select: Selector;
}

/** The same penalty and decay on every included weight of every layer; made by `uniform()`. */
export interface UniformPolicy extends SlotInclusion {
  kind: 'uniform';
  /** Penalty on every included weight. Default none. */
  regularizer?: RegularizerSpec;
  /** Decoupled weight-decay rate for every included trainable weight. Default none. */
  weightDecay?: number;
}

/** Penalties and decay chosen per layer by selectors (name, index, glob, class); made by `perLayer()`. */
export interface PerLayerPolicy extends SlotInclusion {
  kind: 'perLayer';
  /** Entries in order; see `perLayer` for precedence. */
  layers: LayerEntry[];
}

/** A regularization policy as plain data (`policyToConfig`/`policyFromConfig` round-trip it). */
export type Policy = UniformPolicy | PerLayerPolicy;

/** Fields of `LayerSettings`, in order. */
export const LAYER_SETTING_FIELDS: readonly (keyof LayerSettings)[] = ['regularizer', 'weightDecay', ...POLICY_WEIGHT_SLOTS, 'activity'];
