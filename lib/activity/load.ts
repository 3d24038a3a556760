/**
 * Loading a saved model whose layers have activity regularizers, without any global hook.
 *
 * tfjs 4.22 cannot load such a model: building it calls `Layer.apply` on symbolic inputs, which
 * throws `NotImplementedError` for a layer with an `activityRegularizer`, and the RNN constructors
 * drop the regularizer anyway. `loadLayersModel` / `modelFromJSON` take the regularizers out of
 * the topology, let tfjs build the model, then attach each one to its layer (which carries it,
 * `carry.ts`; RNN cells get their copy so `model.save` writes it again). Layers are matched by
 * name, nested models included. (Process-wide alternative: `enableKerasSemantics()`, after which
 * `tf.loadLayersModel` itself works.)
 */
import * as tf from '@tensorflow/tfjs';
import { registerRegularizerClasses } from '../regularizers/registry';
import { attachActivityRegularizer } from './attach';
import { resolveActivityRegularizer } from './resolve';

type Json = Record<string, unknown>;

/** One activity regularizer taken out of a topology: the layer-name path to its layer, and the identifier. */
interface Taken {
  path: string[];
  identifier: unknown;
}

const MODEL_CLASSES = new Set(['Sequential', 'Model', 'Functional']);

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Walks a model config (pythonic or camelCase), nulling activity regularizers and noting them. */
function takeFromModel(modelConfig: Json, path: string[], taken: Taken[]): void {
  const config = modelConfig.config;
  const layerList = Array.isArray(config) ? config : isObject(config) && Array.isArray(config.layers) ? config.layers : [];
  for (const entry of layerList) {
    if (!isObject(entry)) continue;
    const layerConfig = isObject(entry.config) ? entry.config : null;
    if (layerConfig == null) continue;
    const name = (typeof layerConfig.name === 'string' ? layerConfig.name : entry.name) as string;
    const className = (entry.class_name ?? entry.className) as string;
    if (MODEL_CLASSES.has(className)) {
      takeFromModel(entry, [...path, name], taken);
      continue;
    }
    for (const key of ['activity_regularizer', 'activityRegularizer']) {
      if (layerConfig[key] != null) {
        taken.push({ path: [...path, name], identifier: layerConfig[key] });
        layerConfig[key] = null;
      }
    }
  }
}

function findLayer(model: tf.LayersModel, path: string[]): tf.layers.Layer {
  let current: tf.layers.Layer = model;
  for (const name of path) current = (current as tf.LayersModel).getLayer(name);
  return current;
}

/** Takes the activity regularizers out of a topology (a deep copy); returns the copy and what was taken. */
function strip(topology: unknown): { topology: Json; taken: Taken[] } {
  const copy = JSON.parse(JSON.stringify(topology)) as Json;
  const modelConfig = isObject(copy.model_config) ? copy.model_config : copy;
  const taken: Taken[] = [];
  takeFromModel(modelConfig, [], taken);
  return { topology: copy, taken };
}

function reattach(model: tf.LayersModel, taken: readonly Taken[]): tf.LayersModel {
  for (const { path, identifier } of taken) {
    const layer = findLayer(model, path);
    attachActivityRegularizer(layer, resolveActivityRegularizer(identifier, layer.name));
  }
  return model;
}

/** `tf.loadLayersModel` for models with activity regularizers (see the file comment). Same arguments. */
export async function loadLayersModel(source: string | tf.io.IOHandler, options?: tf.io.LoadOptions): Promise<tf.LayersModel> {
  let handler: tf.io.IOHandler;
  if (typeof source === 'string') {
    const handlers = tf.io.getLoadHandlers(source, options);
    if (handlers.length !== 1) throw new Error(`loadLayersModel: ${handlers.length === 0 ? 'no' : 'more than one'} IO handler for ${JSON.stringify(source)}`);
    handler = handlers[0];
  } else {
    handler = source;
  }
  if (handler.load == null) throw new Error('loadLayersModel: the IO handler has no load()');
  const artifacts = await handler.load();
  registerRegularizerClasses();
  const { topology, taken } = strip(artifacts.modelTopology);
  const model = await tf.loadLayersModel(tf.io.fromMemory({ ...artifacts, modelTopology: topology }), { ...options, strict: options?.strict });
  return reattach(model, taken);
}

/** `tf.models.modelFromJSON` for models with activity regularizers (see the file comment). */
export async function modelFromJSON(json: object | string): Promise<tf.LayersModel> {
  const parsed = typeof json === 'string' ? (JSON.parse(json) as Json) : (json as Json);
  registerRegularizerClasses();
  const { topology, taken } = strip(parsed);
  const model = (await tf.models.modelFromJSON(topology as never)) as tf.LayersModel;
  return reattach(model, taken);
}
