/**
 * Optimizers as plain data. A spec is JSON (stored in trial configs and hashed into trial ids);
 * `createOptimizer` turns it into a fresh tfjs optimizer that the training loop owns and disposes.
 *
 * Why specs and not instances: tfjs keys optimizer state by the POSITION of each variable in the
 * gradient list, so one instance can never be shared between models, and an instance passed to
 * `compile` is not disposed with the model (14 tensors leak per model with Adam). Building a new
 * optimizer per run from a spec avoids both.
 *
 * Defaults are Keras 3's (learning rates, betas, epsilon 1e-7), not tfjs's, so a spec means the
 * same thing in both: e.g. Keras `Adam()` = `{name: 'adam'}` with learningRate 0.001.
 */
import * as tf from '@tensorflow/tfjs';
import { LayerwiseConfigError, describeValue } from '../errors/config-error';

/** Plain SGD: `w ← w − lr·g`. */
export interface SgdSpec {
  name: 'sgd';
  /** Step size. Default 0.01 (Keras 3). */
  learningRate?: number;
}

/** SGD with (optionally Nesterov) momentum. */
export interface MomentumSpec {
  name: 'momentum';
  /** Step size. Default 0.01. */
  learningRate?: number;
  /** Momentum coefficient in [0, 1). Default 0.9. */
  momentum?: number;
  /** Nesterov momentum. Default false. */
  nesterov?: boolean;
}

/** Adam (Kingma & Ba). */
export interface AdamSpec {
  name: 'adam';
  /** Step size. Default 0.001. */
  learningRate?: number;
  /** Decay of the first moment. Default 0.9. */
  beta1?: number;
  /** Decay of the second moment. Default 0.999. */
  beta2?: number;
  /** Numerical stability term. Default 1e-7 (Keras 3). */
  epsilon?: number;
}

/** RMSProp. */
export interface RmspropSpec {
  name: 'rmsprop';
  /** Step size. Default 0.001. */
  learningRate?: number;
  /** Discounting factor of the squared-gradient average (Keras `rho`). Default 0.9. */
  rho?: number;
  /** Momentum. Default 0. */
  momentum?: number;
  /** Numerical stability term. Default 1e-7. */
  epsilon?: number;
  /** Centered variant (normalizes by the gradient variance). Default false. */
  centered?: boolean;
}

/** Adagrad. */
export interface AdagradSpec {
  name: 'adagrad';
  /** Step size. Default 0.001 (Keras 3). */
  learningRate?: number;
  /** Starting value of the accumulators. Default 0.1. */
  initialAccumulatorValue?: number;
}

/** Any optimizer layerwise can build. */
export type OptimizerSpec = SgdSpec | MomentumSpec | AdamSpec | RmspropSpec | AdagradSpec;

export type OptimizerName = OptimizerSpec['name'];

/** Names accepted in `OptimizerSpec.name`. */
export const OPTIMIZER_NAMES: readonly OptimizerName[] = ['sgd', 'momentum', 'adam', 'rmsprop', 'adagrad'];

/** Every field of every spec with its default: `toConfig` writes them all so two equal configs hash equally. */
const DEFAULTS: { [N in OptimizerName]: Required<Extract<OptimizerSpec, { name: N }>> } = {
  sgd: { name: 'sgd', learningRate: 0.01 },
  momentum: { name: 'momentum', learningRate: 0.01, momentum: 0.9, nesterov: false },
  adam: { name: 'adam', learningRate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 },
  rmsprop: { name: 'rmsprop', learningRate: 0.001, rho: 0.9, momentum: 0, epsilon: 1e-7, centered: false },
  adagrad: { name: 'adagrad', learningRate: 0.001, initialAccumulatorValue: 0.1 },
};

/** Accepted spellings of each name (Keras class names, tfjs compile strings). */
const ALIASES: Record<string, OptimizerName> = {
  sgd: 'sgd',
  momentum: 'momentum',
  adam: 'adam',
  rmsprop: 'rmsprop',
  adagrad: 'adagrad',
};

type Range = { min: number; max: number; minOpen?: boolean; maxOpen?: boolean };
const RANGES: Record<string, Range> = {
  learningRate: { min: 0, max: Infinity, maxOpen: true },
  momentum: { min: 0, max: 1, maxOpen: true },
  beta1: { min: 0, max: 1, maxOpen: true },
  beta2: { min: 0, max: 1, maxOpen: true },
  rho: { min: 0, max: 1, maxOpen: true },
  epsilon: { min: 0, max: Infinity, minOpen: true, maxOpen: true },
  initialAccumulatorValue: { min: 0, max: Infinity, maxOpen: true },
};

function describeRange(range: Range): string {
  const low = `${range.minOpen ? '>' : '>='} ${range.min}`;
  return range.max === Infinity ? `a finite number ${low}` : `a number ${low} and ${range.maxOpen ? '<' : '<='} ${range.max}`;
}

/**
 * Checks a spec and fills in every default. Throws `LayerwiseConfigError` naming the field,
 * the bad value and what is allowed. `where` prefixes field paths (default `optimizer`).
 */
export function resolveOptimizerSpec(spec: OptimizerSpec | OptimizerName, where = 'optimizer'): Required<OptimizerSpec> {
  const raw = (typeof spec === 'string' ? { name: spec } : spec) as unknown;
  if (raw == null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new LayerwiseConfigError(where, `= ${describeValue(raw)}: expected an optimizer spec like {name: 'adam', learningRate: 0.001} or one of ${OPTIMIZER_NAMES.join(', ')}`);
  }
  const fields = raw as Record<string, unknown>;
  const name = typeof fields.name === 'string' ? ALIASES[fields.name.toLowerCase()] : undefined;
  if (name == null) {
    throw new LayerwiseConfigError(`${where}.name`, `= ${describeValue(fields.name)}: unknown optimizer; expected one of ${OPTIMIZER_NAMES.join(', ')}`);
  }
  const defaults = DEFAULTS[name] as unknown as Record<string, unknown>;
  const resolved: Record<string, unknown> = { ...defaults };
  for (const [key, value] of Object.entries(fields)) {
    if (key === 'name') continue;
    if (!(key in defaults)) {
      const allowed = Object.keys(defaults).filter((field) => field !== 'name');
      throw new LayerwiseConfigError(`${where}.${key}`, `is not a field of the '${name}' optimizer; its fields are ${allowed.join(', ')}`);
    }
    if (value === undefined) continue;
    if (typeof defaults[key] === 'boolean') {
      if (typeof value !== 'boolean') throw new LayerwiseConfigError(`${where}.${key}`, `= ${describeValue(value)}: expected true or false`);
    } else {
      const range = RANGES[key];
      const ok =
        typeof value === 'number' &&
        Number.isFinite(value) &&
        (range.minOpen ? value > range.min : value >= range.min) &&
        (range.maxOpen ? value < range.max : value <= range.max);
      if (!ok) throw new LayerwiseConfigError(`${where}.${key}`, `= ${describeValue(value)}: expected ${describeRange(range)}`);
    }
    resolved[key] = value;
  }
  resolved.name = name;
  return resolved as unknown as Required<OptimizerSpec>;
}

/** A fresh tfjs optimizer for the spec. The caller owns it and must `dispose()` it. */
export function createOptimizer(spec: OptimizerSpec | OptimizerName, where = 'optimizer'): tf.Optimizer {
  const resolved = resolveOptimizerSpec(spec, where);
  switch (resolved.name) {
    case 'sgd':
      return tf.train.sgd(resolved.learningRate);
    case 'momentum':
      return tf.train.momentum(resolved.learningRate, resolved.momentum, resolved.nesterov);
    case 'adam':
      return tf.train.adam(resolved.learningRate, resolved.beta1, resolved.beta2, resolved.epsilon);
    case 'rmsprop':
      return tf.train.rmsprop(resolved.learningRate, resolved.rho, resolved.momentum, resolved.epsilon, resolved.centered);
    case 'adagrad':
      return tf.train.adagrad(resolved.learningRate, resolved.initialAccumulatorValue);
  }
}

/** The spec with every default written out: plain JSON, stable for hashing. */
export function optimizerToConfig(spec: OptimizerSpec | OptimizerName): Required<OptimizerSpec> {
  return resolveOptimizerSpec(spec);
}

/** Reads a config written by `optimizerToConfig` (or any partial spec / name) back into a spec. */
export function optimizerFromConfig(config: unknown): Required<OptimizerSpec> {
  return resolveOptimizerSpec(config as OptimizerSpec);
}

/** The learning rate a tfjs optimizer currently uses (a protected field in tfjs's typings). */
export function currentLearningRate(optimizer: tf.Optimizer): number {
  const rate = (optimizer as unknown as { learningRate?: unknown }).learningRate;
  if (typeof rate !== 'number') {
    throw new LayerwiseConfigError('optimizer', `${optimizer.getClassName()} has no numeric learningRate; decoupled weight decay needs one`);
  }
  return rate;
}

/**
 * Disposes a tfjs optimizer completely. tfjs 4.22's `MomentumOptimizer.dispose` frees its
 * accumulators and momentum scalar but not the `-learningRate` scalar it inherits from SGD
 * (`this.c`), leaking one tensor per optimizer; this frees that one too.
 */
export function disposeOptimizer(optimizer: tf.Optimizer): void {
  optimizer.dispose();
  const inherited = (optimizer as unknown as { c?: tf.Tensor }).c;
  if (inherited instanceof tf.Tensor && !inherited.isDisposed) inherited.dispose();
}
