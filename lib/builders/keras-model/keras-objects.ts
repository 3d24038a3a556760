/**
 * Keras 3 serialized objects (`keras/src/saving/serialization_lib.py`) other than layers, both
 * ways: activations, initializers, constraints, dtype policies, and the `{module, class_name,
 * config, registered_name}` wrapping shared by all of them. Regularizers are handled by
 * lib/regularizers/keras-config.ts, which already reads and writes Keras 3's format.
 */
import * as tf from '@tensorflow/tfjs';
import { describeValue, LayerwiseConfigError } from '../../errors/config-error';

/** A Keras 3 serialized object as `serialize_keras_object` writes it. */
export interface KerasObject {
  module?: string | null;
  class_name: string;
  config: Record<string, unknown>;
  registered_name?: string | null;
  [extra: string]: unknown;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return value != null && typeof value === 'object' && !Array.isArray(value);
}

/** Reads `{class_name, config}` (Keras 3 or legacy Keras 2) and names the field when it is something else. */
export function kerasObject(value: unknown, field: string): KerasObject {
  if (!isRecord(value) || typeof value.class_name !== 'string') {
    throw new LayerwiseConfigError(field, `= ${describeValue(value)}: expected a Keras object {"class_name": ..., "config": {...}}`);
  }
  const config = value.config ?? {};
  if (!isRecord(config)) throw new LayerwiseConfigError(`${field}.config`, `= ${describeValue(config)}: expected an object`);
  return { ...value, class_name: value.class_name, config };
}

/** Wraps a class and config the way Keras 3 serializes built-in objects. */
export function toKerasObject(module: string, className: string, config: Record<string, unknown>): KerasObject {
  return { module, class_name: className, config, registered_name: null };
}

/** Keras's `to_snake_case` (keras/src/utils/naming.py), used for weight paths and config keys. */
export function toSnakeCase(name: string): string {
  return name
    .replace(/\W+/g, '')
    .replace(/(.)([A-Z][a-z]+)/g, '$1_$2')
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toLowerCase();
}

// ----- dtype policies -----

/** Only float32 computation is supported: tfjs layers compute in float32. Input layers may be int32. */
export function readDtype(value: unknown, field: string, allowed: readonly string[] = ['float32']): string {
  let name: unknown = value;
  if (isRecord(value)) {
    const policy = kerasObject(value, field);
    name = policy.config.name;
  }
  if (name == null) return allowed[0];
  if (typeof name !== 'string' || !allowed.includes(name)) {
    throw new LayerwiseConfigError(field, `= ${describeValue(name)}: unsupported dtype policy; allowed: ${allowed.join(', ')}`);
  }
  return name;
}

export function float32Policy(): KerasObject {
  return toKerasObject('keras', 'DTypePolicy', { name: 'float32' });
}

// ----- activations -----

/**
 * Keras 3 activation name -> tfjs activation name, for the activations whose formulas agree.
 * Not here on purpose: `hard_sigmoid` (Keras 3: relu6(x + 3) / 6; tfjs: 0.2 x + 0.5), `gelu`
 * (Keras defaults to the exact erf form), `leaky_relu`, `log_softmax`, `exponential`, `mish`.
 */
const ACTIVATIONS: Record<string, string> = {
  linear: 'linear',
  relu: 'relu',
  relu6: 'relu6',
  tanh: 'tanh',
  sigmoid: 'sigmoid',
  softmax: 'softmax',
  elu: 'elu',
  selu: 'selu',
  softplus: 'softplus',
  softsign: 'softsign',
  swish: 'swish',
  silu: 'swish',
};

export function readActivation(value: unknown, field: string): string {
  const name = isRecord(value) ? (value.config as Record<string, unknown> | undefined)?.name ?? value.class_name : value ?? 'linear';
  const translated = typeof name === 'string' ? ACTIVATIONS[name] : undefined;
  if (translated == null) {
    throw new LayerwiseConfigError(field, `= ${describeValue(name)}: unsupported activation; supported: ${Object.keys(ACTIVATIONS).join(', ')}`);
  }
  return translated;
}

/** tfjs activation name -> Keras 3 name. */
export function writeActivation(tfjsName: unknown): string {
  const name = tfjsName == null ? 'linear' : String(tfjsName);
  const found = Object.entries(ACTIVATIONS).find(([, tfjs]) => tfjs === name);
  if (found == null) throw new LayerwiseConfigError('activation', `= ${describeValue(tfjsName)}: cannot be written for Keras; supported: ${Object.values(ACTIVATIONS).join(', ')}`);
  return found[0];
}

// ----- initializers -----

type Initializer = ReturnType<typeof tf.initializers.zeros>;

/** Keras 3 initializer class -> (tfjs className, Keras config -> tfjs initializer). */
const INITIALIZERS: Record<string, [string, (config: Record<string, unknown>) => Initializer]> = {
  Zeros: ['Zeros', () => tf.initializers.zeros()],
  Ones: ['Ones', () => tf.initializers.ones()],
  Constant: ['Constant', (c) => tf.initializers.constant({ value: Number(c.value ?? 0) })],
  GlorotUniform: ['GlorotUniform', (c) => tf.initializers.glorotUniform({ seed: seedOf(c) })],
  GlorotNormal: ['GlorotNormal', (c) => tf.initializers.glorotNormal({ seed: seedOf(c) })],
  HeUniform: ['HeUniform', (c) => tf.initializers.heUniform({ seed: seedOf(c) })],
  HeNormal: ['HeNormal', (c) => tf.initializers.heNormal({ seed: seedOf(c) })],
  LecunUniform: ['LeCunUniform', (c) => tf.initializers.leCunUniform({ seed: seedOf(c) })],
  LecunNormal: ['LeCunNormal', (c) => tf.initializers.leCunNormal({ seed: seedOf(c) })],
  RandomUniform: ['RandomUniform', (c) => tf.initializers.randomUniform({ minval: num(c.minval, -0.05), maxval: num(c.maxval, 0.05), seed: seedOf(c) })],
  RandomNormal: ['RandomNormal', (c) => tf.initializers.randomNormal({ mean: num(c.mean, 0), stddev: num(c.stddev, 0.05), seed: seedOf(c) })],
  TruncatedNormal: ['TruncatedNormal', (c) => tf.initializers.truncatedNormal({ mean: num(c.mean, 0), stddev: num(c.stddev, 0.05), seed: seedOf(c) })],
  Orthogonal: ['Orthogonal', (c) => tf.initializers.orthogonal({ gain: num(c.gain, 1), seed: seedOf(c) })],
  Identity: ['Identity', (c) => tf.initializers.identity({ gain: num(c.gain, 1) })],
  VarianceScaling: ['VarianceScaling', (c) => tf.initializers.varianceScaling(varianceScalingArgs(c))],
};

const FAN_MODES: Record<string, 'fanIn' | 'fanOut' | 'fanAvg'> = { fan_in: 'fanIn', fan_out: 'fanOut', fan_avg: 'fanAvg' };
/** tfjs's 'normal' draws from a truncated normal with Keras's 0.8796 correction: Keras's 'truncated_normal'. */
const DISTRIBUTIONS: Record<string, 'normal' | 'uniform'> = { truncated_normal: 'normal', normal: 'normal', uniform: 'uniform' };

function varianceScalingArgs(c: Record<string, unknown>): Parameters<typeof tf.initializers.varianceScaling>[0] {
  const mode = FAN_MODES[String(c.mode ?? 'fan_in')];
  const distribution = DISTRIBUTIONS[String(c.distribution ?? 'truncated_normal')];
  if (mode == null || distribution == null) {
    throw new LayerwiseConfigError('VarianceScaling', `mode = ${describeValue(c.mode)}, distribution = ${describeValue(c.distribution)}: supported modes ${Object.keys(FAN_MODES).join(', ')}; distributions truncated_normal, uniform`);
  }
  return { scale: num(c.scale, 1), mode, distribution, seed: seedOf(c) };
}

function num(value: unknown, fallback: number): number {
  return typeof value === 'number' ? value : fallback;
}

function seedOf(config: Record<string, unknown>): number | undefined {
  return typeof config.seed === 'number' ? config.seed : undefined;
}

/** Keras string identifiers ("glorot_uniform", "zeros") and objects. */
export function readInitializer(value: unknown, field: string): Initializer | undefined {
  if (value == null) return undefined;
  let className: string;
  let config: Record<string, unknown> = {};
  if (typeof value === 'string') {
    className = value.split('_').map((part) => (part === 'he' ? 'He' : part[0].toUpperCase() + part.slice(1))).join('');
  } else {
    const object = kerasObject(value, field);
    className = object.class_name;
    config = object.config;
  }
  const entry = INITIALIZERS[className];
  if (entry == null) {
    throw new LayerwiseConfigError(field, `= ${describeValue(className)}: unsupported initializer; supported: ${Object.keys(INITIALIZERS).join(', ')}`);
  }
  return entry[1](config);
}

/** tfjs initializer -> Keras 3 object. Unknown classes are refused, naming the field. */
export function writeInitializer(initializer: unknown, field: string): KerasObject {
  const serialized = initializer as { getClassName?: () => string; getConfig?: () => Record<string, unknown> } | null;
  const tfjsName = serialized?.getClassName?.();
  if (tfjsName === 'VarianceScaling' && serialized?.getConfig != null) {
    // tfjs's Glorot/He/LeCun initializers report themselves as VarianceScaling with their parameters.
    const c = serialized.getConfig() as { scale: number; mode: string; distribution: string; seed?: number };
    const mode = Object.entries(FAN_MODES).find(([, tfjs]) => tfjs === c.mode)?.[0] ?? 'fan_in';
    return toKerasObject('keras.initializers', 'VarianceScaling', {
      scale: c.scale,
      mode,
      distribution: c.distribution === 'uniform' ? 'uniform' : 'truncated_normal',
      seed: c.seed ?? null,
    });
  }
  const entry = Object.entries(INITIALIZERS).find(([, [tfjs]]) => tfjs === tfjsName);
  if (entry == null || serialized?.getConfig == null) {
    throw new LayerwiseConfigError(field, `= ${describeValue(tfjsName)}: initializer cannot be written for Keras; supported: ${Object.values(INITIALIZERS).map(([name]) => name).join(', ')}`);
  }
  const config: Record<string, unknown> = {};
  for (const [key, val] of Object.entries(serialized.getConfig())) config[toSnakeCase(key)] = val === undefined ? null : val;
  return toKerasObject('keras.initializers', entry[0], config);
}

// ----- constraints -----

type Constraint = ReturnType<typeof tf.constraints.nonNeg>;

const CONSTRAINTS: Record<string, (config: Record<string, unknown>) => Constraint> = {
  MaxNorm: (c) => tf.constraints.maxNorm({ maxValue: num(c.max_value, 2), axis: num(c.axis, 0) }),
  NonNeg: () => tf.constraints.nonNeg(),
  UnitNorm: (c) => tf.constraints.unitNorm({ axis: num(c.axis, 0) }),
  MinMaxNorm: (c) => tf.constraints.minMaxNorm({ minValue: num(c.min_value, 0), maxValue: num(c.max_value, 1), rate: num(c.rate, 1), axis: num(c.axis, 0) }),
};

export function readConstraint(value: unknown, field: string): Constraint | undefined {
  if (value == null) return undefined;
  const object = kerasObject(value, field);
  const make = CONSTRAINTS[object.class_name];
  if (make == null) {
    throw new LayerwiseConfigError(field, `= ${describeValue(object.class_name)}: unsupported constraint; supported: ${Object.keys(CONSTRAINTS).join(', ')}`);
  }
  return make(object.config);
}

export function writeConstraint(constraint: unknown, field: string): KerasObject | null {
  if (constraint == null) return null;
  const serialized = constraint as { getClassName(): string; getConfig(): Record<string, unknown> };
  const className = serialized.getClassName();
  if (!(className in CONSTRAINTS)) {
    throw new LayerwiseConfigError(field, `= ${describeValue(className)}: constraint cannot be written for Keras; supported: ${Object.keys(CONSTRAINTS).join(', ')}`);
  }
  const config: Record<string, unknown> = {};
  for (const [key, val] of Object.entries(serialized.getConfig())) config[toSnakeCase(key)] = val;
  return toKerasObject('keras.constraints', className, config);
}
