/**
 * A definition's `model` as one trial's `tf.LayersModel`. Three kinds:
 *
 *  - a builder spec (`{type: "mlp" | "cnn" | "rnn", ...}`, lib/builders), built with the trial's seed;
 *  - a Keras 3 model file (`{keras: "model.keras" | "model.json", initialWeights?, task?}`), read by
 *    `loadKerasModel` in every worker. A `.json` file has no weights: its initializers are seeded
 *    from the trial's seed. A `.keras` archive keeps the file's weights by default
 *    (`initialWeights: "file"`, fine-tuning: every trial starts from the same weights, and the seed
 *    varies only the data order and dropout); `initialWeights: "seed"` re-initializes them from the
 *    trial's seed like a `.json` model;
 *  - a factory a `--module` registered (`{registered: "name", task?, ...parameters}`, lib/builders
 *    `registerModel`), given the trial's seed and the data's sample shape and class count.
 *
 * Models of a file or a factory are compiled here with the loss of their task (given, or inferred
 * from the output: 1 unit → binary, more → multiclass), so the labels always match the loss; the
 * definition's `training.optimizer` trains them, as it trains builder models.
 */
import * as fs from 'fs';
import * as tf from '@tensorflow/tfjs';
import { unzipSync } from 'fflate';
import { buildModel, getRegisteredModel, layerNamesOf, layerSeed, loadKerasModel, lossFor, TASK_KINDS, validateModelSpec } from '../../builders';
import type { ModelSpec, TaskKind } from '../../builders';
import { buildKerasTopology } from '../../builders/keras-model/topology';
import { silenceCpuBanner } from '../../backend/cpu-banner';
import { registerKerasLayerClasses } from '../../builders/keras-model';
import type { Dataset } from '../../data';
import { describeValue, LayerwiseConfigError } from '../../errors/config-error';
import type { JsonObject } from '../definition';

/** `model` naming a Keras 3 model file. */
export interface KerasModelDefinition {
  /** `.keras` archive or `.json` file (`model.to_json()`); relative paths are resolved against the definition file's folder. */
  keras: string;
  /** `.keras` only: 'file' (default) starts every trial from the archive's weights; 'seed' re-initializes them from the trial's seed. */
  initialWeights?: 'file' | 'seed';
  /** What the output predicts (decides the loss). Default: 'binary' for one output unit, else 'multiclass'. */
  task?: TaskKind;
}

/** `model` naming a registered factory; every other field is a parameter of the factory. */
export interface RegisteredModelDefinition {
  registered: string;
  task?: TaskKind;
  [parameter: string]: unknown;
}

export type ModelKind = 'builder' | 'keras' | 'registered';

const KERAS_FIELDS = ['keras', 'initialWeights', 'task'];

/** Which kind of model a definition's `model` is. */
export function modelKind(model: JsonObject): ModelKind {
  if (model.keras !== undefined) return 'keras';
  if (model.registered !== undefined) return 'registered';
  return 'builder';
}

/** Checks a `model` of a file or a factory (a builder spec is checked by `validateModelSpec`). */
export function checkModelDefinition(model: JsonObject): void {
  const kind = modelKind(model);
  if (kind === 'builder') {
    validateModelSpec(model);
    return;
  }
  if (model.task !== undefined && !(TASK_KINDS as readonly unknown[]).includes(model.task)) {
    throw new LayerwiseConfigError('model.task', `= ${describeValue(model.task)}: expected one of ${TASK_KINDS.join(', ')}`);
  }
  if (kind === 'registered') {
    if (typeof model.registered !== 'string') throw new LayerwiseConfigError('model.registered', `= ${describeValue(model.registered)}: expected the name of a registered model`);
    getRegisteredModel(model.registered);
    return;
  }
  for (const key of Object.keys(model)) {
    if (!KERAS_FIELDS.includes(key)) throw new LayerwiseConfigError(`model.${key}`, `: unknown field of a Keras model; allowed: ${KERAS_FIELDS.join(', ')}`);
  }
  if (typeof model.keras !== 'string' || !/\.(keras|json)$/.test(model.keras)) {
    throw new LayerwiseConfigError('model.keras', `= ${describeValue(model.keras)}: expected the path of a .keras or .json file`);
  }
  if (!fs.existsSync(model.keras)) throw new LayerwiseConfigError('model.keras', `= ${describeValue(model.keras)}: no such file`);
  if (model.initialWeights !== undefined && model.initialWeights !== 'file' && model.initialWeights !== 'seed') {
    throw new LayerwiseConfigError('model.initialWeights', `= ${describeValue(model.initialWeights)}: expected "file" (start from the .keras weights) or "seed" (re-initialize from the trial's seed)`);
  }
  if (model.initialWeights === 'file' && model.keras.endsWith('.json')) {
    throw new LayerwiseConfigError('model.initialWeights', `= "file" but ${model.keras} is a .json file without weights; use a .keras archive or "seed"`);
  }
}

/** The Keras model config of a `.keras` archive or `.json` file, read synchronously (for checks before any trial). */
function kerasModelConfig(file: string): Record<string, unknown> {
  let text: string;
  if (file.endsWith('.keras')) {
    const entries = unzipSync(fs.readFileSync(file), { filter: (entry) => entry.name === 'config.json' });
    if (entries['config.json'] === undefined) throw new LayerwiseConfigError('model.keras', `= ${describeValue(file)}: the archive has no config.json; save it with Keras 3 model.save("model.keras")`);
    text = Buffer.from(entries['config.json']).toString('utf8');
  } else {
    text = fs.readFileSync(file, 'utf8');
  }
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch (error) {
    throw new LayerwiseConfigError('model.keras', `= ${describeValue(file)}: the model config is not valid JSON (${(error as Error).message})`);
  }
}

/**
 * Seeds every initializer of a Keras model config from `seed`, in the order they appear (layer by
 * layer, slot by slot), each with its own non-zero seed; string initializers become objects.
 */
export function seedKerasInitializers(config: unknown, seed: number): unknown {
  let position = 0;
  const visit = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(visit);
    if (value === null || typeof value !== 'object') return value;
    const result: Record<string, unknown> = {};
    for (const [key, entry] of Object.entries(value as Record<string, unknown>)) {
      if (key.endsWith('_initializer') && entry != null) {
        position += 1;
        const object =
          typeof entry === 'string'
            ? { module: 'keras.initializers', class_name: entry.split('_').map((part) => (part === 'he' ? 'He' : part[0].toUpperCase() + part.slice(1))).join(''), config: {} }
            : (entry as { config?: Record<string, unknown> });
        result[key] = { ...object, config: { ...(object.config ?? {}), seed: layerSeed(seed, position) } };
      } else {
        result[key] = visit(entry);
      }
    }
    return result;
  };
  return visit(config);
}

/** Input shape per sample, output units and task of a Keras file's or a factory's model (built once, then disposed). */
export function describeBuiltModel(model: JsonObject, data: Dataset): { inputShape: number[]; outputUnits: number; task: TaskKind } {
  const built = modelKind(model) === 'keras' ? buildKerasTopologyOf(model as unknown as KerasModelDefinition) : buildRegistered(model as RegisteredModelDefinition, 0, data);
  try {
    const output = built.outputs[0].shape;
    return { inputShape: modelInputShape(built), outputUnits: output[output.length - 1] ?? -1, task: taskOf(model, built) };
  } finally {
    built.dispose();
  }
}

/** The names of the model's layers, for checking arms' layer names before any trial. */
export function modelLayerNames(model: JsonObject, data: Dataset): string[] {
  const kind = modelKind(model);
  if (kind === 'builder') return layerNamesOf(validateModelSpec(model));
  const built = kind === 'keras' ? buildKerasTopologyOf(model as unknown as KerasModelDefinition) : buildRegistered(model as RegisteredModelDefinition, 0, data);
  try {
    return built.layers.map((layer) => layer.name);
  } finally {
    built.dispose();
  }
}

/**
 * The definition's model built synchronously for checks before any trial (arms' selectors and
 * slots): a builder spec with seed 0, a Keras file's topology (not its weights), a factory's model
 * with seed 0. The caller disposes it.
 */
export function modelForChecks(model: JsonObject, data: Dataset): tf.LayersModel {
  // The checks run before the sweep chooses its backend, so they build on tfjs's default cpu
  // backend, whose first tensor prints an "install the node backend" banner: misleading when the
  // native backend is installed and about to be chosen.
  silenceCpuBanner();
  const kind = modelKind(model);
  if (kind === 'builder') return buildModel(validateModelSpec(model) as ModelSpec, { seed: 0, compile: false });
  return kind === 'keras' ? buildKerasTopologyOf(model as unknown as KerasModelDefinition) : buildRegistered(model as RegisteredModelDefinition, 0, data);
}

function buildKerasTopologyOf(model: KerasModelDefinition, seed?: number): tf.LayersModel {
  registerKerasLayerClasses();
  const config = kerasModelConfig(model.keras);
  return buildKerasTopology((seed === undefined ? config : seedKerasInitializers(config, seed)) as Record<string, unknown>).model;
}

/** Shape of one sample of `data`: its image shape, or `[features]`. */
export function sampleShapeOf(data: Dataset): number[] {
  return data.imageShape !== undefined ? [...data.imageShape] : [data.featureCount];
}

function buildRegistered(model: RegisteredModelDefinition, seed: number, data: Dataset): tf.LayersModel {
  const { registered, task: _task, ...parameters } = model;
  const built = getRegisteredModel(registered).build(parameters, { seed, sampleShape: sampleShapeOf(data), classCount: data.classCount });
  if (!(built instanceof tf.LayersModel)) {
    throw new LayerwiseConfigError('model.registered', `= ${describeValue(registered)}: the factory returned ${describeValue(built)}, not a tf.LayersModel`);
  }
  return built;
}

/** The task of a model: the spec's, the definition's `task`, or inferred from the output units. */
export function taskOf(model: JsonObject, built?: tf.LayersModel): TaskKind {
  if (typeof model.task === 'string') return model.task as TaskKind;
  const units = built?.outputs[0].shape[built.outputs[0].shape.length - 1];
  return units === 1 ? 'binary' : 'multiclass';
}

/** Per-sample input shape of a model (without the batch dimension). */
export function modelInputShape(model: tf.LayersModel): number[] {
  return model.inputs[0].shape.slice(1).map((size) => size ?? -1);
}

/**
 * A fresh, compiled model for one trial (builder specs without regularizers: the caller applies
 * the arm's policy). `data` is the train split (for a factory's sample shape and class count).
 */
export async function createTrialModel(model: JsonObject, seed: number, data: Dataset): Promise<{ model: tf.LayersModel; task: TaskKind }> {
  const kind = modelKind(model);
  if (kind === 'builder') {
    const spec = validateModelSpec(model) as ModelSpec;
    return { model: buildModel(spec, { seed }), task: spec.task };
  }
  let built: tf.LayersModel;
  if (kind === 'registered') {
    built = buildRegistered(model as RegisteredModelDefinition, seed, data);
  } else {
    const keras = model as unknown as KerasModelDefinition;
    const keepFileWeights = keras.keras.endsWith('.keras') && (keras.initialWeights ?? 'file') === 'file';
    built = keepFileWeights ? await loadKerasModel(keras.keras, { compile: false }) : buildKerasTopologyOf(keras, seed);
  }
  const task = taskOf(model, built);
  built.compile({ optimizer: 'adam', loss: lossFor(task), metrics: task === 'regression' ? ['mae'] : ['accuracy'] });
  return { model: built, task };
}
