/**
 * The model registry: a user module registers a model factory under a name (`registerModel`), and a
 * sweep definition refers to it as `model: {registered: "name", ...parameters}`. Like the dataset
 * registry, it is filled by modules as they load (`--module`), in every process that runs trials,
 * so pool and PostgreSQL workers find the same factories as the parent.
 */
import type * as tf from '@tensorflow/tfjs';
import { describeValue, LayerwiseConfigError } from '../errors/config-error';

/** What a factory is told about the trial it builds a model for. */
export interface ModelFactoryContext {
  /** The trial's seed (integer >= 0): derive every initializer seed from it, so trials are reproducible. */
  seed: number;
  /** Shape of one sample of the sweep's data: `[height, width, channels]` for images, else `[features]`. */
  sampleShape: number[];
  /** Number of classes of the sweep's data. */
  classCount: number;
}

/** One entry of the model registry. */
export interface ModelEntry {
  /** One line for listings and messages. */
  description?: string;
  /**
   * Builds a fresh model (built, i.e. with known input shape; compiled or not). `parameters` are the
   * definition's `model` fields other than `registered` and `task`. The sweep applies each arm's
   * regularization policy to a copy of it and disposes both after the trial.
   */
  build(parameters: Record<string, unknown>, context: ModelFactoryContext): tf.LayersModel;
}

const registry = new Map<string, ModelEntry>();

/**
 * Registers (or replaces) a model factory under `name`: a function `(parameters, context) => model`
 * or an entry `{description, build}`.
 */
export function registerModel(name: string, factory: ModelEntry | ModelEntry['build']): void {
  if (typeof name !== 'string' || !/^[A-Za-z][A-Za-z0-9_.-]*$/.test(name)) {
    throw new LayerwiseConfigError('registerModel.name', `= ${describeValue(name)}: expected letters, digits, '.', '_' or '-' starting with a letter`);
  }
  const entry = typeof factory === 'function' ? { build: factory } : factory;
  if (typeof entry?.build !== 'function') {
    throw new LayerwiseConfigError(`registerModel("${name}")`, `: expected a function (parameters, context) => model or {description?, build}, got ${describeValue(factory)}`);
  }
  registry.set(name, entry);
}

/** Registered model names, sorted. */
export function registeredModels(): string[] {
  return [...registry.keys()].sort();
}

/** The entry registered as `name`; the error names `field` and lists what is registered. */
export function getRegisteredModel(name: string, field = 'model.registered'): ModelEntry {
  const entry = registry.get(name);
  if (entry === undefined) {
    throw new LayerwiseConfigError(
      field,
      `= ${describeValue(name)}: no model is registered under this name; registered: ${registeredModels().join(', ') || '(none)'} (register it with registerModel in a module loaded with --module)`,
    );
  }
  return entry;
}
