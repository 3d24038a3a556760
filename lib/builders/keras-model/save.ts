/**
 * `saveKerasModel(model, path)`: writes a tfjs model as a Keras 3 `.keras` archive (a zip with
 * `config.json`, `metadata.json` and `model.weights.h5`) that `keras.saving.load_model` opens.
 * Sequential models are written as Keras `Sequential` (InputLayer first), others as `Functional`
 * with Keras 3's `inbound_nodes` format. The weights go where Keras's loader looks for them
 * (weight-paths.ts). No optimizer state and no compile config are written: Keras loads the model
 * uncompiled.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { zipSync, strToU8 } from 'fflate';
import { describeValue, LayerwiseConfigError } from '../../errors/config-error';
import { exportLayer } from './layer-export';
import { writeWeightGroups, type WeightGroup } from './h5-weights';
import { float32Policy, toKerasObject, type KerasObject } from './keras-objects';
import { kerasWeightPaths } from './weight-paths';

/** The Keras version this format follows (written in metadata.json; Keras checks only the major). */
export const KERAS_FORMAT_VERSION = '3.15.1';

function layerObject(layer: tf.layers.Layer, extra: Record<string, unknown> = {}): KerasObject & { className: string } {
  const exported = exportLayer(layer);
  return { ...toKerasObject('keras.layers', exported.className, exported.config), ...extra, className: exported.className };
}

function inputLayerObject(name: string, shape: (number | null)[], dtype: string): KerasObject {
  return toKerasObject('keras.layers', 'InputLayer', { batch_shape: shape, dtype, sparse: false, ragged: false, name, optional: false });
}

function strip(object: KerasObject & { className?: string }): KerasObject {
  const { className: _className, ...rest } = object;
  return rest as KerasObject;
}

type Reference = [string, number, number];

function kerasTensor(reference: Reference, shape: (number | null)[], dtype: string): Record<string, unknown> {
  return { class_name: '__keras_tensor__', config: { shape, dtype, keras_history: reference } };
}

interface ModelDescription {
  config: Record<string, unknown>;
  /** Keras's `model.layers` order: the tfjs layer (null for an input) and the Keras class. */
  layers: { layer: tf.layers.Layer | null; className: string }[];
}

function describeSequential(model: tf.Sequential): ModelDescription {
  const input = model.inputs[0];
  const body = model.layers.filter((layer) => layer.getClassName() !== 'InputLayer');
  const objects = body.map((layer) => layerObject(layer));
  const inputName = model.layers.find((layer) => layer.getClassName() === 'InputLayer')?.name ?? `${model.name}_input`;
  return {
    config: {
      name: model.name,
      trainable: model.trainable,
      dtype: float32Policy(),
      layers: [inputLayerObject(inputName, input.shape, input.dtype), ...objects.map(strip)],
    },
    layers: body.map((layer, index) => ({ layer, className: objects[index].className })),
  };
}

function describeFunctional(model: tf.LayersModel): ModelDescription {
  const tfjsConfig = model.getConfig() as unknown as {
    layers: { name: string; className: string; inboundNodes: [string, number, number, unknown][][] }[];
    inputLayers: Reference[];
    outputLayers: Reference[];
  };
  const shapeOf = (reference: Reference): { shape: (number | null)[]; dtype: string } => {
    const source = model.getLayer(reference[0]);
    const output = source.inboundNodes[reference[1]]?.outputTensors[reference[2]];
    return { shape: output?.shape ?? [null], dtype: output?.dtype ?? 'float32' };
  };
  const layers: ModelDescription['layers'] = [];
  const objects = tfjsConfig.layers.map((entry) => {
    const layer = model.getLayer(entry.name);
    const inboundNodes = entry.inboundNodes.map((node) => {
      const tensors = node.map(([name, nodeIndex, tensorIndex]) => {
        const reference: Reference = [name, nodeIndex, tensorIndex];
        const { shape, dtype } = shapeOf(reference);
        return kerasTensor(reference, shape, dtype);
      });
      return { args: [tensors.length === 1 ? tensors[0] : tensors], kwargs: {} };
    });
    if (entry.className === 'InputLayer') {
      const input = layer as unknown as { batchInputShape: (number | null)[]; dtype: string };
      layers.push({ layer: null, className: 'InputLayer' });
      return { ...inputLayerObject(entry.name, input.batchInputShape, input.dtype), name: entry.name, inbound_nodes: [] };
    }
    const object = layerObject(layer, { name: entry.name, inbound_nodes: inboundNodes });
    layers.push({ layer, className: object.className });
    return strip(object);
  });
  const endpoints = (list: Reference[]): Reference | Reference[] => (list.length === 1 ? list[0] : list);
  return {
    config: {
      name: model.name,
      trainable: model.trainable,
      layers: objects,
      input_layers: endpoints(tfjsConfig.inputLayers.map((r) => [r[0], r[1], r[2]] as Reference)),
      output_layers: endpoints(tfjsConfig.outputLayers.map((r) => [r[0], r[1], r[2]] as Reference)),
    },
    layers,
  };
}

/** Each layer's variables where Keras's loader looks for them; RNN variables on the layer's `cell`. */
function weightGroups(description: ModelDescription): WeightGroup[] {
  const paths = kerasWeightPaths(description.layers.map((entry) => entry.className));
  const groups: WeightGroup[] = [];
  description.layers.forEach(({ layer }, index) => {
    if (layer == null) {
      groups.push({ path: paths[index], name: undefined, arrays: [] });
      return;
    }
    const arrays = layer.weights.map((weight) => ({ shape: weight.shape as number[], values: weight.read().dataSync() as Float32Array }));
    if (layer instanceof tf.RNN) {
      groups.push({ path: paths[index], name: layer.name, arrays: [] });
      groups.push({ path: `${paths[index]}/cell`, name: `${layer.name}_cell`, arrays });
    } else {
      groups.push({ path: paths[index], name: layer.name, arrays });
    }
  });
  return groups.filter((group) => group.name != null);
}

/**
 * Writes `model` as a Keras 3 `.keras` archive at `file` (parent folders created). Layers, their
 * regularizers (layerwise specs), activity regularizers, constraints, initializers and weights
 * are written; anything Keras would compute differently is refused naming the layer and field.
 */
export async function saveKerasModel(model: tf.LayersModel, file: string): Promise<void> {
  if (!(model instanceof tf.LayersModel)) {
    throw new LayerwiseConfigError('saveKerasModel.model', `= ${describeValue(typeof model)}: expected a tf.LayersModel`);
  }
  if (typeof file !== 'string' || !file.endsWith('.keras')) {
    throw new LayerwiseConfigError('saveKerasModel.path', `= ${describeValue(file)}: expected a path ending in .keras (Keras 3 requires the extension)`);
  }
  if (model.inputs.some((input) => input.dtype !== 'float32' && input.dtype !== 'int32')) {
    throw new LayerwiseConfigError('saveKerasModel.model.inputs', 'have a dtype other than float32 / int32');
  }
  const description = model instanceof tf.Sequential ? describeSequential(model) : describeFunctional(model);
  const className = model instanceof tf.Sequential ? 'Sequential' : 'Functional';
  const modelObject = {
    module: model instanceof tf.Sequential ? 'keras' : 'keras.src.models.functional',
    class_name: className,
    config: description.config,
    registered_name: className === 'Functional' ? 'Functional' : null,
    build_config: { input_shape: model.inputs.length === 1 ? model.inputs[0].shape : model.inputs.map((input) => input.shape) },
    compile_config: null,
  };
  const weights = await writeWeightGroups(weightGroups(description), model.name);
  const metadata = { keras_version: KERAS_FORMAT_VERSION, date_saved: new Date().toISOString().replace('T', '@').slice(0, 19), layerwise: true };
  const archive = zipSync({
    'metadata.json': strToU8(JSON.stringify(metadata)),
    'config.json': strToU8(JSON.stringify(modelObject)),
    'model.weights.h5': weights,
  });
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const partial = `${file}.partial`;
  fs.writeFileSync(partial, archive);
  fs.renameSync(partial, file);
}
