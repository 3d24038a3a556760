/**
 * `uniform(args)` and `perLayer(args)` build validated policies; `validatePolicy` checks any value
 * claiming to be one; `policyToConfig` / `policyFromConfig` round-trip them as JSON.
 *
 * Regularizer fields accept our specs (`l2({l2: 1e-4})`) and anything `regularizers.fromConfig`
 * reads (Keras configs, identifiers such as "l2"); policies store the normalized spec.
 */
import { describeValue, LayerwiseConfigError } from '../errors/config-error';
import { fromConfig, type RegularizerIdentifier } from '../regularizers';
import type { RegularizerSpec } from '../regularizers/spec';
import { parseSelector, selectorLabel } from './selectors';
import {
  LAYER_SETTING_FIELDS,
  POLICY_WEIGHT_SLOTS,
  type LayerEntry,
  type LayerSettings,
  type PerLayerPolicy,
  type Policy,
  type Selector,
  type SlotInclusion,
  type UniformPolicy,
  type WeightSlot,
} from './types';

/** Arguments of `uniform()`. */
export interface UniformArgs extends SlotInclusion {
  /** Penalty on every included weight, e.g. `l2({l2: 1e-4})`. Default none. */
  regularizer?: RegularizerSpec | RegularizerIdentifier;
  /** Decoupled weight-decay rate (>= 0) for every included trainable weight. Default none. */
  weightDecay?: number;
}

/** Arguments of `perLayer()`. */
export interface PerLayerArgs extends SlotInclusion {
  /**
   * Entries, either a list `[{select: "conv*", regularizer: l2({l2: 1e-3})}, ...]` or an object
   * keyed by string selectors `{"conv*": {...}, output: {...}}` (key order = entry order).
   * Precedence when entries overlap: exact name > index > glob > class; later entries win ties.
   */
  layers: LayerEntry[] | Record<string, LayerSettings>;
}

const UNIFORM_FIELDS = ['kind', 'regularizer', 'weightDecay', 'includeBias', 'includeNormalization', 'slots'];
const PER_LAYER_FIELDS = ['kind', 'layers', 'includeBias', 'includeNormalization', 'slots'];
const POLICY_KINDS = ['uniform', 'perLayer'];

function quoted(values: readonly string[]): string {
  return values.map((value) => `"${value}"`).join(', ');
}

function plainObject(value: unknown, field: string): Record<string, unknown> {
  if (value == null || typeof value !== 'object' || Array.isArray(value)) {
    throw new LayerwiseConfigError(field, `= ${describeValue(value)}: expected an object`);
  }
  return value as Record<string, unknown>;
}

function knownFields(record: Record<string, unknown>, allowed: readonly string[], where: string): void {
  for (const key of Object.keys(record)) {
    if (!allowed.includes(key)) throw new LayerwiseConfigError(`${where}.${key}`, `: unknown field; allowed: ${allowed.join(', ')}`);
  }
}

function regularizerValue(value: unknown, field: string, nullable: boolean): RegularizerSpec | null | undefined {
  if (value === undefined) return undefined;
  if (value === null) {
    if (nullable) return null;
    throw new LayerwiseConfigError(field, '= null: expected a regularizer spec such as {"kind": "l2", "l2": 0.0001}; omit the field for none');
  }
  return fromConfig(value as RegularizerIdentifier, { path: field });
}

function rateValue(value: unknown, field: string, nullable: boolean): number | null | undefined {
  if (value === undefined) return undefined;
  if (value === null && nullable) return null;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new LayerwiseConfigError(field, `= ${describeValue(value)}: expected a finite number >= 0 (decoupled decay rate; applied as w -= lr * rate * w)`);
  }
  return value;
}

function inclusion(record: Record<string, unknown>, where: string): SlotInclusion {
  const result: SlotInclusion = {};
  for (const key of ['includeBias', 'includeNormalization'] as const) {
    const value = record[key];
    if (value === undefined) continue;
    if (typeof value !== 'boolean') throw new LayerwiseConfigError(`${where}.${key}`, `= ${describeValue(value)}: expected true or false`);
    result[key] = value;
  }
  if (record.slots !== undefined) {
    if (!Array.isArray(record.slots)) {
      throw new LayerwiseConfigError(`${where}.slots`, `= ${describeValue(record.slots)}: expected an array of slot names from ${quoted(POLICY_WEIGHT_SLOTS)}`);
    }
    record.slots.forEach((slot, index) => {
      if (!POLICY_WEIGHT_SLOTS.includes(slot as WeightSlot)) {
        throw new LayerwiseConfigError(`${where}.slots[${index}]`, `= ${describeValue(slot)}: expected one of ${quoted(POLICY_WEIGHT_SLOTS)}`);
      }
    });
    result.slots = [...(record.slots as WeightSlot[])];
  }
  return result;
}

function settings(record: Record<string, unknown>, where: string): LayerSettings {
  const result: LayerSettings = {};
  for (const field of LAYER_SETTING_FIELDS) {
    if (!(field in record)) continue;
    const value = record[field];
    if (field === 'weightDecay') {
      const rate = rateValue(value, `${where}.weightDecay`, true);
      if (rate !== undefined) result.weightDecay = rate;
    } else {
      const spec = regularizerValue(value, `${where}.${field}`, true);
      if (spec !== undefined) result[field] = spec;
    }
  }
  return result;
}

function entry(raw: unknown, index: number): LayerEntry {
  const record = plainObject(raw, `policy.perLayer.layers[${index}]`);
  parseSelector(record.select, `policy.perLayer.layers[${index}].select`);
  const select = record.select as Selector;
  const where = `policy.perLayer[${JSON.stringify(selectorLabel(select))}]`;
  knownFields(record, ['select', ...LAYER_SETTING_FIELDS], where);
  return { select: typeof select === 'string' ? select : { ...select }, ...settings(record, where) } as LayerEntry;
}

function validateUniform(record: Record<string, unknown>): UniformPolicy {
  knownFields(record, UNIFORM_FIELDS, 'policy.uniform');
  const policy: UniformPolicy = { kind: 'uniform' };
  const regularizer = regularizerValue(record.regularizer, 'policy.uniform.regularizer', false);
  if (regularizer != null) policy.regularizer = regularizer;
  const rate = rateValue(record.weightDecay, 'policy.uniform.weightDecay', false);
  if (rate != null) policy.weightDecay = rate;
  return { ...policy, ...inclusion(record, 'policy.uniform') };
}

function validatePerLayer(record: Record<string, unknown>): PerLayerPolicy {
  knownFields(record, PER_LAYER_FIELDS, 'policy.perLayer');
  const layers = record.layers;
  let entries: LayerEntry[];
  if (Array.isArray(layers)) {
    entries = layers.map(entry);
  } else if (layers != null && typeof layers === 'object') {
    entries = Object.entries(layers as Record<string, unknown>).map(([select, value], index) =>
      entry({ ...plainObject(value, `policy.perLayer[${JSON.stringify(select)}]`), select }, index),
    );
  } else {
    throw new LayerwiseConfigError('policy.perLayer.layers', `= ${describeValue(layers)}: expected a list of {select, ...settings} or an object {selector: settings}`);
  }
  return { kind: 'perLayer', layers: entries, ...inclusion(record, 'policy.perLayer') };
}

/** Checks a policy (or its config) and returns a normalized copy. */
export function validatePolicy(policy: unknown): Policy {
  const record = plainObject(policy, 'policy');
  switch (record.kind) {
    case 'uniform':
      return validateUniform(record);
    case 'perLayer':
      return validatePerLayer(record);
    default:
      throw new LayerwiseConfigError('policy.kind', `= ${describeValue(record.kind)}: expected one of ${quoted(POLICY_KINDS)}`);
  }
}

/**
 * One regularizer and/or one decoupled decay rate for every included weight of every layer
 * (kernels by default; see `SlotInclusion`).
 */
export function uniform(args: UniformArgs = {}): UniformPolicy {
  return validatePolicy({ ...args, kind: 'uniform' }) as UniformPolicy;
}

/** Settings per layer, chosen by selectors (see `PerLayerArgs` and lib/policy/selectors.ts for precedence). */
export function perLayer(args: PerLayerArgs): PerLayerPolicy {
  return validatePolicy({ ...args, kind: 'perLayer' }) as PerLayerPolicy;
}

/** A JSON-safe copy of a validated policy; `policyFromConfig(policyToConfig(p))` deep-equals `p`. */
export function policyToConfig(policy: Policy): Policy {
  return JSON.parse(JSON.stringify(validatePolicy(policy))) as Policy;
}

/** Reads a policy from its config (an object or JSON text). */
export function policyFromConfig(config: unknown): Policy {
  let value = config;
  if (typeof config === 'string') {
    try {
      value = JSON.parse(config);
    } catch (error) {
      throw new LayerwiseConfigError('policy', `= ${describeValue(config.slice(0, 80))}: not valid JSON (${(error as Error).message})`);
    }
  }
  return validatePolicy(value);
}
