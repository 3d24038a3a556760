/**
 * `applyPolicy(modelOrSpec, policy)`: a NEW model carrying the policy's regularizers.
 *
 *  - For a `ModelSpec`, the model is built by lib/builders with the resolved regularizers.
 *  - For an existing, built `tf.LayersModel` (Sequential or functional, nested models included),
 *    the model is rebuilt from `model.getConfig()` with every regularizer slot replaced (our
 *    regularizer classes are registered with tfjs serialization, so the rebuilt layers hold real
 *    regularizers), then each layer receives a copy of the original layer's weight values. The
 *    original model is untouched and shares no variable with the new one. A compiled original
 *    yields a compiled copy: same loss and metrics, a fresh optimizer of the same class and
 *    config, owned (and disposed) by the new model.
 *
 * By default the new model carries exactly the policy's regularizers: slots the policy says
 * nothing about lose any regularizer the original had. `keepExisting: true` keeps those instead.
 *
 * Decoupled weight decay is not part of a model: pass `weightDecayRates(policy, model)` to the
 * training loop (`train(model, data, {weightDecay})`).
 */
import * as tf from '@tensorflow/tfjs';
import type { Regularizer } from '@tensorflow/tfjs-layers/dist/regularizers';
import { setActivityRegularizer } from '../activity/set';
import { buildModel } from '../builders/build';
import type { LayerRegularizers, ModelSpec } from '../builders/spec';
import { validateModelSpec } from '../builders/validate';
import { describeValue, LayerwiseConfigError } from '../errors/config-error';
import { forwardAllRecurrentLosses } from '../layers/recurrent';
import { WEIGHT_SLOTS } from '../layers/slots';
import { createRegularizer } from '../regularizers';
import type { RegularizerSpec } from '../regularizers/spec';
import { addressableLayers } from './model-layers';
import { resolvePolicy, type ResolvedPolicy } from './resolve';
import type { Policy, WeightSlot } from './types';

export interface ApplyPolicyOptions {
  /**
   * Keep the original's regularizers on slots (and activity) the policy says nothing about.
   * Default false: the new model carries exactly the policy's regularizers.
   */
  keepExisting?: boolean;
  /** Seed of the initializers when applying to a spec (see `mlp`). Ignored for models. Default unseeded. */
  seed?: number;
  /** When applying to a spec: compile the model (see `mlp`). Default true. */
  compile?: boolean;
}

type ConfigDict = Record<string, unknown>;

const REGULARIZER_PROPERTY = new Map<WeightSlot, string>(WEIGHT_SLOTS.map(([slot, property]) => [slot, property]));
const CONTAINER_CLASSES = new Set(['Sequential', 'Model', 'Functional', 'LayersModel']);

function isModel(value: unknown): value is tf.LayersModel {
  return value instanceof tf.LayersModel;
}

/** Every layer config inside a model config, by layer name; nested models are entered. */
function layerConfigsByName(modelConfig: ConfigDict, found = new Map<string, ConfigDict>()): Map<string, ConfigDict> {
  const entries = (Array.isArray(modelConfig) ? modelConfig : modelConfig.layers) as ConfigDict[] | undefined;
  for (const entry of entries ?? []) {
    const config = entry.config as ConfigDict;
    if (CONTAINER_CLASSES.has(entry.className as string)) {
      layerConfigsByName(config, found);
    } else if (typeof config?.name === 'string') {
      found.set(config.name, config);
    }
  }
  return found;
}

/** The config holding the regularizer arguments: the layer's own, or the wrapped layer's. */
function slotConfig(config: ConfigDict): ConfigDict {
  const inner = config.layer as ConfigDict | undefined;
  if (inner != null && typeof inner === 'object' && typeof inner.className === 'string') return slotConfig(inner.config as ConfigDict);
  return config;
}

/** Removes activity regularizers from every layer config (they are attached after construction). */
function stripActivity(value: unknown): void {
  if (Array.isArray(value)) {
    value.forEach(stripActivity);
  } else if (value != null && typeof value === 'object') {
    const record = value as ConfigDict;
    if ('activityRegularizer' in record) record.activityRegularizer = null;
    Object.values(record).forEach(stripActivity);
  }
}

function serialized(spec: RegularizerSpec, layer: string, slot: string): ConfigDict {
  const regularizer = createRegularizer(spec, { layer, slot });
  return { className: regularizer.getClassName(), config: regularizer.getConfig() };
}

function rebuild(model: tf.LayersModel, config: ConfigDict): tf.LayersModel {
  if (model instanceof tf.Sequential) {
    return tf.Sequential.fromConfig(tf.Sequential, config as tf.serialization.ConfigDict) as tf.Sequential;
  }
  return tf.LayersModel.fromConfig(tf.LayersModel, config as tf.serialization.ConfigDict) as tf.LayersModel;
}

interface CompiledState {
  loss?: unknown;
  metrics?: unknown;
  optimizer?: tf.Optimizer;
  isOptimizerOwned?: boolean;
}

/** Compiles `copy` like `original`, with a fresh optimizer of the same class and config. */
function compileLike(original: tf.LayersModel, copy: tf.LayersModel): void {
  const state = original as unknown as CompiledState;
  if (state.optimizer == null || state.loss == null) return;
  const OptimizerClass = state.optimizer.constructor as unknown as tf.serialization.SerializableConstructor<tf.Optimizer> & {
    fromConfig: (cls: unknown, config: tf.serialization.ConfigDict) => tf.Optimizer;
  };
  const optimizer = OptimizerClass.fromConfig(OptimizerClass, state.optimizer.getConfig());
  copy.compile({ optimizer, loss: state.loss as string, metrics: state.metrics as string[] | undefined });
  // The copy created this optimizer, so it must dispose it (tfjs only disposes optimizers it got by name).
  (copy as unknown as CompiledState).isOptimizerOwned = true;
}

function applyToModel(model: tf.LayersModel, resolved: ResolvedPolicy, keepExisting: boolean): tf.LayersModel {
  const config = JSON.parse(JSON.stringify(model.getConfig())) as ConfigDict;
  const configs = layerConfigsByName(config);
  resolved.layers.forEach((layer, position) => {
    const layerConfig = configs.get(layer.name);
    if (layerConfig == null) throw new Error(`applyPolicy: layer ${layer.name} is missing from the model config`);
    const target = slotConfig(layerConfig);
    for (const slot of resolved.addressable[position].slots) {
      const property = REGULARIZER_PROPERTY.get(slot) as string;
      const spec = layer.penalties[slot];
      if (spec === undefined && keepExisting) continue;
      if (spec == null && !(property in target)) continue;
      target[property] = spec == null ? null : serialized(spec, layer.name, property);
    }
  });
  stripActivity(config);
  const copy = rebuild(model, config);
  // tfjs builds a Sequential's inner graph lazily; until then `calculateLosses()` returns [].
  if (copy instanceof tf.Sequential) copy.build();
  forwardAllRecurrentLosses(copy);
  const newLayers = new Map(addressableLayers(copy).map((layer) => [layer.name, layer.layer] as const));
  resolved.layers.forEach((layer, position) => {
    const original = resolved.addressable[position].layer;
    const target = newLayers.get(layer.name);
    if (target == null) throw new Error(`applyPolicy: layer ${layer.name} is missing from the rebuilt model`);
    // Copies of the values: assign shares the immutable buffer, and later updates of either
    // variable replace its own buffer, never the other's.
    target.setWeights(original.getWeights());
    const activity =
      layer.activity !== undefined ? layer.activity : keepExisting ? ((original.activityRegularizer as Regularizer | null) ?? null) : null;
    if (activity != null) setActivityRegularizer(target, activity);
  });
  compileLike(model, copy);
  return copy;
}

function layerRegularizersOf(resolved: ResolvedPolicy): Record<string, LayerRegularizers> {
  const result: Record<string, LayerRegularizers> = {};
  for (const layer of resolved.layers) {
    const slots: LayerRegularizers = {};
    for (const slot of ['kernel', 'recurrent', 'bias', 'gamma', 'beta'] as const) {
      const spec = layer.penalties[slot];
      if (spec != null) slots[slot] = spec;
    }
    if (layer.activity != null) slots.activity = layer.activity;
    if (Object.keys(slots).length > 0) result[layer.name] = slots;
  }
  return result;
}

/**
 * Resolves `policy` against a spec (building the model) or a built model, and returns a new model
 * with its regularizers (see the module comment). Throws `LayerwiseConfigError` for selectors that
 * match no layer and for settings that reach no weight.
 */
export function applyPolicy(target: tf.LayersModel | ModelSpec, policy: Policy, options: ApplyPolicyOptions = {}): tf.LayersModel {
  if (isModel(target)) {
    if (target.layers.length === 0 || target.layers.some((layer) => !layer.built)) {
      throw new LayerwiseConfigError('applyPolicy.model', ': the model is not built yet; give its first layer an inputShape or call it once');
    }
    return applyToModel(target, resolvePolicy(policy, target), options.keepExisting === true);
  }
  if (target == null || typeof target !== 'object') {
    throw new LayerwiseConfigError('applyPolicy.model', `= ${describeValue(target)}: expected a tf.LayersModel or a model spec`);
  }
  const spec = validateModelSpec(target);
  const plain = buildModel(spec, { seed: options.seed, compile: false });
  let resolved: ResolvedPolicy;
  try {
    resolved = resolvePolicy(policy, plain);
  } finally {
    plain.dispose();
  }
  return buildModel(spec, { seed: options.seed, compile: options.compile, regularizers: layerRegularizersOf(resolved) });
}

/** Resolves against a model or (temporarily built) spec and hands the resolution to `use`. */
export function withResolvedPolicy<T>(target: tf.LayersModel | ModelSpec, policy: Policy, use: (resolved: ResolvedPolicy) => T): T {
  if (isModel(target)) return use(resolvePolicy(policy, target));
  const plain = buildModel(validateModelSpec(target), { compile: false, seed: 0 });
  try {
    return use(resolvePolicy(policy, plain));
  } finally {
    plain.dispose();
  }
}
