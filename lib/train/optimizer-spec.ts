/**
 * Optimizers as plain data. A spec is JSON (stored in trial configs and hashed into trial ids);
 * `createOptimizer` turns it into a fresh tfjs optimizer that the training loop owns and disposes.
 *
 * One spec, one meaning: every name gives Keras 3's update rule, in `train()` (lib/optimizers'
 * lean optimizers) and in plain `model.fit` (`createOptimizer` wraps the same lean optimizer in a
 * tfjs `Optimizer`, lib/optimizers/keras-optimizer.ts), not tfjs's own optimizers, which differ
 * from Keras (Adam's ε placement, Adagrad's ε, no schedules). `learningRate` may be a number, a
 * schedule spec (`{kind: 'cosineDecay', ...}`, lib/optimizers/schedules.ts) or a function of the
 * step `(step) => rate`; a function is not JSON, so `optimizerToConfig` refuses it.
 *
 * Why specs and not instances: tfjs keys optimizer state by the POSITION of each variable in the
 * gradient list, so one instance can never be shared between models, and an instance passed to
 * `compile` is not disposed with the model (14 tensors leak per model with Adam). Building a new
 * optimizer per run from a spec avoids both.
 *
 * Defaults are Keras 3's (learning rates, betas, epsilon 1e-7), not tfjs's, so a spec means the
 * same thing in both: e.g. Keras `Adam()` = `{name: 'adam'}` with learningRate 0.001.
 */
import { registerOnce, type SerializableClass } from '../regularizers/tfjs-base';
import * as tf from '@tensorflow/tfjs';
import { LayerwiseConfigError, describeValue } from '../errors/config-error';
import { createLeanOptimizer } from '../optimizers/create';
import { KerasOptimizer } from '../optimizers/keras-optimizer';
import { LearningRate, SCHEDULE_KINDS, resolveSchedule } from '../optimizers/schedules';

/** Keras `SGD`: `w ← w − lr·g`, or with momentum as `MomentumSpec`. */
export interface SgdSpec {
  name: 'sgd';
  /** Step size: number, schedule spec or function of the step. Default 0.01 (Keras 3). */
  learningRate?: LearningRate;
  /**
   * Keras `SGD(momentum=...)`: a momentum > 0 resolves to the `momentum` optimizer with the same
   * fields (so stored configs of plain SGD keep their form); 0 or absent: plain SGD.
   */
  momentum?: number;
  /** Keras `SGD(nesterov=...)`: needs a momentum > 0. */
  nesterov?: boolean;
}

/** SGD with (optionally Nesterov) momentum. */
export interface MomentumSpec {
  name: 'momentum';
  /** Step size: number, schedule spec or function of the step. Default 0.01. */
  learningRate?: LearningRate;
  /** Momentum coefficient in [0, 1). Default 0.9. */
  momentum?: number;
  /** Nesterov momentum. Default false. */
  nesterov?: boolean;
}

/** Adam (Kingma & Ba). */
export interface AdamSpec {
  name: 'adam';
  /** Step size: number, schedule spec or function of the step. Default 0.001. */
  learningRate?: LearningRate;
  /** Decay of the first moment. Default 0.9. */
  beta1?: number;
  /** Decay of the second moment. Default 0.999. */
  beta2?: number;
  /** Numerical stability term. Default 1e-7 (Keras 3). */
  epsilon?: number;
  /** AMSGrad: divide by the running maximum of v instead of v. Default false (written by toConfig only when true). */
  amsgrad?: boolean;
}

/** Keras `AdamW`: Adam with decoupled weight decay `w ← w − w·weightDecay·lr` before each update, on every trainable variable. */
export interface AdamwSpec {
  name: 'adamw';
  /** Step size: number, schedule spec or function of the step. Default 0.001. */
  learningRate?: LearningRate;
  /** Decoupled weight decay coefficient. Default 0.004 (Keras 3). */
  weightDecay?: number;
  /** Decay of the first moment. Default 0.9. */
  beta1?: number;
  /** Decay of the second moment. Default 0.999. */
  beta2?: number;
  /** Numerical stability term. Default 1e-7. */
  epsilon?: number;
  /** AMSGrad variant. Default false (written by toConfig only when true). */
  amsgrad?: boolean;
}

/** RMSProp. */
export interface RmspropSpec {
  name: 'rmsprop';
  /** Step size: number, schedule spec or function of the step. Default 0.001. */
  learningRate?: LearningRate;
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
  /** Step size: number, schedule spec or function of the step. Default 0.001 (Keras 3). */
  learningRate?: LearningRate;
  /** Starting value of the accumulators. Default 0.1. */
  initialAccumulatorValue?: number;
  /** Numerical stability term, added under the square root. Default 1e-7 (Keras 3; written by toConfig only when different). */
  epsilon?: number;
}

/** Any optimizer layerwise can build. */
export type OptimizerSpec = SgdSpec | MomentumSpec | AdamSpec | AdamwSpec | RmspropSpec | AdagradSpec;

export type OptimizerName = OptimizerSpec['name'];

/** Names accepted in `OptimizerSpec.name`. */
export const OPTIMIZER_NAMES: readonly OptimizerName[] = ['sgd', 'momentum', 'adam', 'adamw', 'rmsprop', 'adagrad'];

/** Every field of every spec with its default: `toConfig` writes them all so two equal configs hash equally. */
const DEFAULTS: { [N in OptimizerName]: Record<string, unknown> & { name: N } } = {
  sgd: { name: 'sgd', learningRate: 0.01 },
  momentum: { name: 'momentum', learningRate: 0.01, momentum: 0.9, nesterov: false },
  adam: { name: 'adam', learningRate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 },
  adamw: { name: 'adamw', learningRate: 0.001, weightDecay: 0.004, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 },
  rmsprop: { name: 'rmsprop', learningRate: 0.001, rho: 0.9, momentum: 0, epsilon: 1e-7, centered: false },
  adagrad: { name: 'adagrad', learningRate: 0.001, initialAccumulatorValue: 0.1 },
};

/**
 * Fields added after configs were first stored, with their defaults: `toConfig` writes them only
 * when they differ from the default, so a config stored before they existed keeps its form and hash.
 */
const OPTIONAL_FIELDS: Partial<Record<OptimizerName, Record<string, boolean | number>>> = {
  adam: { amsgrad: false },
  adamw: { amsgrad: false },
  adagrad: { epsilon: 1e-7 },
};

/** The Keras 3 class each name follows. */
const KERAS_CLASS: Record<OptimizerName, string> = { sgd: 'SGD', momentum: 'SGD', adam: 'Adam', adamw: 'AdamW', rmsprop: 'RMSprop', adagrad: 'Adagrad' };

/** Accepted spellings of each name (Keras class names, tfjs compile strings). */
const ALIASES: Record<string, OptimizerName> = {
  sgd: 'sgd',
  momentum: 'momentum',
  adam: 'adam',
  adamw: 'adamw',
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
  weightDecay: { min: 0, max: Infinity, maxOpen: true },
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
  if (raw instanceof tf.Optimizer) {
    throw new LayerwiseConfigError(
      where,
      `= a tfjs ${raw.getClassName()} instance: layerwise takes an optimizer spec (plain data, so each run builds and disposes its own optimizer with Keras 3's update rule), e.g. {name: 'adam', learningRate: 0.001}; names: ${OPTIMIZER_NAMES.join(', ')}. For plain fit, pass createOptimizer(spec) to model.compile (a tfjs optimizer of your own can go to model.compile directly)`,
    );
  }
  if (raw == null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new LayerwiseConfigError(where, `= ${describeValue(raw)}: expected an optimizer spec like {name: 'adam', learningRate: 0.001} or one of ${OPTIMIZER_NAMES.join(', ')}`);
  }
  const fields = raw as Record<string, unknown>;
  const name = typeof fields.name === 'string' ? ALIASES[fields.name.toLowerCase()] : undefined;
  if (name == null) {
    throw new LayerwiseConfigError(`${where}.name`, `= ${describeValue(fields.name)}: unknown optimizer; expected one of ${OPTIMIZER_NAMES.join(', ')}`);
  }
  if (name === 'sgd' && (fields.momentum !== undefined || fields.nesterov !== undefined)) {
    // Keras spells momentum SGD as SGD(momentum=0.9); layerwise's form of it is the 'momentum' optimizer.
    const { momentum, nesterov, ...rest } = fields;
    const asMomentum = resolveOptimizerSpec({ ...rest, name: 'momentum', momentum: momentum ?? 0, nesterov: nesterov ?? false } as OptimizerSpec, where) as Required<MomentumSpec>;
    if (asMomentum.momentum > 0) return asMomentum;
    if (asMomentum.nesterov) throw new LayerwiseConfigError(`${where}.nesterov`, '= true with momentum 0: Nesterov needs a momentum > 0; set momentum (e.g. 0.9) or drop nesterov');
    return resolveOptimizerSpec(rest as unknown as OptimizerSpec, where);
  }
  const defaults = { ...(DEFAULTS[name] as unknown as Record<string, unknown>), ...(OPTIONAL_FIELDS[name] ?? {}) };
  const resolved: Record<string, unknown> = { ...(DEFAULTS[name] as unknown as Record<string, unknown>) };
  for (const [key, value] of Object.entries(fields)) {
    if (key === 'name') continue;
    if (!(key in defaults)) {
      const allowed = Object.keys(defaults).filter((field) => field !== 'name');
      throw new LayerwiseConfigError(`${where}.${key}`, `is not a field of the '${name}' optimizer; its fields are ${allowed.join(', ')}`);
    }
    if (value === undefined) continue;
    if (key === 'learningRate') {
      resolved[key] = resolveLearningRate(value, `${where}.learningRate`);
      continue;
    }
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
    // An optional field at its default is left out, so configs written before it existed keep their form (and hash).
    const optional = OPTIONAL_FIELDS[name];
    if (optional != null && key in optional && value === optional[key]) continue;
    resolved[key] = value;
  }
  resolved.name = name;
  return resolved as unknown as Required<OptimizerSpec>;
}

/** A number (>= 0), a schedule spec (validated, defaults filled) or a function of the step. */
function resolveLearningRate(value: unknown, where: string): LearningRate {
  if (typeof value === 'function') return value as LearningRate;
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value;
  if (value != null && typeof value === 'object' && !Array.isArray(value) && 'kind' in value) return resolveSchedule(value as never, where);
  throw new LayerwiseConfigError(
    where,
    `= ${describeValue(value)}: expected a finite number >= 0, a schedule spec ({kind: ${SCHEDULE_KINDS.map((kind) => `'${kind}'`).join(' | ')}, ...}) or a function (step) => rate`,
  );
}

/**
 * A fresh tfjs optimizer for the spec with Keras 3's update rule (the same arithmetic `train()`
 * uses), for `model.compile({optimizer})` and `fit`. The caller owns it and must `dispose()` it;
 * use it for one model only (its state is kept per variable of the first model it updates).
 */
export function createOptimizer(spec: OptimizerSpec | OptimizerName, where = 'optimizer'): tf.Optimizer {
  const resolved = resolveOptimizerSpec(spec, where);
  registerOptimizerClasses();
  const lean = createLeanOptimizer(resolved as unknown as Parameters<typeof createLeanOptimizer>[0]);
  if (lean == null) throw new LayerwiseConfigError(`${where}.name`, `= ${describeValue(resolved.name)}: no implementation; expected one of ${OPTIMIZER_NAMES.join(', ')}`);
  const config = { ...resolved } as Record<string, unknown>;
  // A function has no JSON form; the marker makes a saved model's optimizer fail clearly on load.
  if (typeof config.learningRate === 'function') config.learningRate = 'function';
  return new KerasOptimizer(lean, config as tf.serialization.ConfigDict, KERAS_CLASS[resolved.name]);
}

/**
 * Loads the optimizer of a model saved with `includeOptimizer: true`: its config is the resolved
 * spec, so the same update rule is rebuilt (fresh moments: like Keras's, they are not saved).
 */
class SavedSpecOptimizer extends KerasOptimizer {
  static override fromConfig<T extends tf.serialization.Serializable>(_cls: tf.serialization.SerializableConstructor<T>, config: tf.serialization.ConfigDict): T {
    if (config.learningRate === 'function') {
      throw new LayerwiseConfigError('optimizer.learningRate', 'was a function when the model was saved and cannot be restored: create the optimizer again with createOptimizer and compile the model with it');
    }
    // tfjs's deserializer adds its own `customObjects` entry to the config.
    const { customObjects: _customObjects, ...spec } = config;
    return createOptimizer(spec as unknown as OptimizerSpec, 'saved optimizer') as unknown as T;
  }
}

/**
 * Registers the class saved models name their layerwise optimizer by (`LayerwiseOptimizer`), so a
 * model saved with `includeOptimizer: true` reloads; `createOptimizer` calls it, never an import.
 */
export function registerOptimizerClasses(): void {
  registerOnce(SavedSpecOptimizer as unknown as SerializableClass);
}

/** The spec with every default written out: plain JSON, stable for hashing. A function learning rate is refused (not JSON). */
export function optimizerToConfig(spec: OptimizerSpec | OptimizerName): Required<OptimizerSpec> {
  const resolved = resolveOptimizerSpec(spec);
  if (typeof resolved.learningRate === 'function') {
    throw new LayerwiseConfigError('optimizer.learningRate', 'is a function, which has no JSON form: use a schedule spec ({kind: ...}) where the spec is stored or hashed');
  }
  return resolved;
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
