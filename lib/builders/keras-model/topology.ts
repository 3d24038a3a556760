/**
 * A Keras 3 model config -> a tfjs model: `Sequential` to `tf.sequential`, `Functional` to
 * `tf.model`, with each layer built by layer-translate.ts.
 *
 * Keras 3 functional configs list, per layer, `inbound_nodes: [{"args": [...], "kwargs": {...}}]`
 * where each input tensor is `{"class_name": "__keras_tensor__", "config": {"keras_history":
 * [layer_name, node_index, tensor_index]}}`; the first positional argument holds the input (a
 * tensor or a list of tensors). Keras 2's `[[layer_name, node_index, tensor_index, kwargs], ...]`
 * is read too. A shared layer has one node per call; nodes are created as soon as their inputs
 * exist, so the order of the layer list does not matter.
 */
import * as tf from '@tensorflow/tfjs';
import { describeValue, LayerwiseConfigError } from '../../errors/config-error';
import { isRecord, kerasObject, readDtype } from './keras-objects';
import { translateLayer } from './layer-translate';

/** A layer entry of a model config, with its Keras class and config. */
export interface KerasLayerEntry {
  className: string;
  config: Record<string, unknown>;
  inboundNodes: unknown[];
  label: string;
}

/** The built model and, in order, the Keras class of each layer as Keras lists them in `model.layers`. */
export interface BuiltTopology {
  model: tf.LayersModel;
  /** Keras's `model.layers` order: name and class (Sequential: without its InputLayer). */
  kerasLayers: { name: string; className: string }[];
}

function layerEntries(modelConfig: Record<string, unknown>, field: string): KerasLayerEntry[] {
  const list = modelConfig.layers;
  if (!Array.isArray(list)) throw new LayerwiseConfigError(`${field}.layers`, `= ${describeValue(list)}: expected a list of layer configs`);
  return list.map((raw, index) => {
    const object = kerasObject(raw, `${field}.layers[${index}]`);
    const name = object.config.name ?? (raw as Record<string, unknown>).name;
    return {
      className: object.class_name,
      config: { ...object.config, name },
      inboundNodes: Array.isArray(object.inbound_nodes) ? object.inbound_nodes : [],
      label: `layers[${index}] ${describeValue(name)} (${object.class_name})`,
    };
  });
}

function inputShapeOf(entry: KerasLayerEntry): (number | null)[] {
  const shape = entry.config.batch_shape ?? entry.config.batch_input_shape;
  if (!Array.isArray(shape)) {
    throw new LayerwiseConfigError(`${entry.label}.batch_shape`, `= ${describeValue(shape)}: expected a list such as [null, 6]`);
  }
  return shape as (number | null)[];
}

function inputDtype(entry: KerasLayerEntry): 'float32' | 'int32' {
  const dtype = readDtype(entry.config.dtype, `${entry.label}.dtype`, ['float32', 'int32', 'int64']);
  if (entry.config.sparse === true || entry.config.ragged === true) {
    throw new LayerwiseConfigError(`${entry.label}.sparse`, '= true: sparse and ragged inputs are not supported; allowed: false');
  }
  return dtype === 'float32' ? 'float32' : 'int32';
}

function buildSequential(modelConfig: Record<string, unknown>, field: string): BuiltTopology {
  const entries = layerEntries(modelConfig, field);
  let batchInputShape: (number | null)[] | undefined;
  let body = entries;
  if (entries[0]?.className === 'InputLayer') {
    inputDtype(entries[0]);
    batchInputShape = inputShapeOf(entries[0]);
    body = entries.slice(1);
  } else if (entries[0] != null) {
    const build = entries[0].config.batch_input_shape ?? (entries[0].config as { build_config?: { input_shape?: unknown } }).build_config?.input_shape;
    if (Array.isArray(build)) batchInputShape = build as (number | null)[];
  }
  if (body.length === 0) throw new LayerwiseConfigError(`${field}.layers`, 'has no layers besides the input');
  const built = body.map((entry, index) =>
    translateLayer({ className: entry.className, config: entry.config, label: entry.label, batchInputShape: index === 0 ? batchInputShape : undefined }),
  );
  const model = tf.sequential({ name: modelConfig.name as string | undefined, layers: built });
  return { model, kerasLayers: body.map((entry) => ({ name: String(entry.config.name), className: entry.className })) };
}

type History = [string, number, number];

/** Reads one `keras_history` reference (Keras 3 tensor object or Keras 2 list). */
function historyOf(value: unknown, where: string): History {
  if (isRecord(value) && value.class_name === '__keras_tensor__' && isRecord(value.config) && Array.isArray(value.config.keras_history)) {
    return value.config.keras_history as History;
  }
  if (Array.isArray(value) && typeof value[0] === 'string') return [value[0], Number(value[1] ?? 0), Number(value[2] ?? 0)];
  throw new LayerwiseConfigError(where, `= ${describeValue(value)}: expected a Keras tensor reference {"class_name": "__keras_tensor__", "config": {"keras_history": [layer, node, tensor]}}`);
}

/** The input references of one inbound node: one tensor or a list. */
function nodeInputs(node: unknown, where: string): { references: History[]; isList: boolean } {
  if (isRecord(node) && Array.isArray(node.args)) {
    const first = node.args[0];
    const kwargs = isRecord(node.kwargs) ? node.kwargs : {};
    for (const [key, value] of Object.entries(kwargs)) {
      if (JSON.stringify(value ?? null).includes('__keras_tensor__')) {
        throw new LayerwiseConfigError(`${where}.kwargs.${key}`, 'passes a tensor as a keyword argument; only positional layer inputs are supported');
      }
    }
    if (node.args.length > 1) throw new LayerwiseConfigError(`${where}.args`, `has ${node.args.length} positional arguments; supported: 1 (the layer input)`);
    if (Array.isArray(first)) return { references: first.map((item, index) => historyOf(item, `${where}.args[0][${index}]`)), isList: true };
    return { references: [historyOf(first, `${where}.args[0]`)], isList: false };
  }
  if (Array.isArray(node)) {
    const references = node.map((item, index) => historyOf(item, `${where}[${index}]`));
    return { references, isList: references.length > 1 };
  }
  throw new LayerwiseConfigError(where, `= ${describeValue(node)}: expected {"args": [...], "kwargs": {...}}`);
}

/** `input_layers` / `output_layers`: one `[name, node, tensor]` or a list of them. */
function endpointList(value: unknown, where: string): History[] {
  if (!Array.isArray(value) || value.length === 0) throw new LayerwiseConfigError(where, `= ${describeValue(value)}: expected [layer, node, tensor] or a list of them`);
  if (typeof value[0] === 'string') return [historyOf(value, where)];
  return value.map((item, index) => historyOf(item, `${where}[${index}]`));
}

function buildFunctional(modelConfig: Record<string, unknown>, field: string): BuiltTopology {
  const entries = layerEntries(modelConfig, field);
  const outputs = new Map<string, tf.SymbolicTensor[][]>();
  const layersByName = new Map<string, tf.layers.Layer>();
  const pending: { entry: KerasLayerEntry; layer: tf.layers.Layer; nodeIndex: number }[] = [];
  for (const entry of entries) {
    const name = String(entry.config.name);
    if (entry.className === 'InputLayer') {
      const input = tf.input({ batchShape: inputShapeOf(entry), dtype: inputDtype(entry), name });
      outputs.set(name, [[input]]);
      continue;
    }
    const layer = translateLayer({ className: entry.className, config: entry.config, label: entry.label });
    layersByName.set(name, layer);
    outputs.set(name, []);
    entry.inboundNodes.forEach((_node, nodeIndex) => pending.push({ entry, layer, nodeIndex }));
  }
  const available = (reference: History): tf.SymbolicTensor | undefined => outputs.get(reference[0])?.[reference[1]]?.[reference[2]];
  while (pending.length > 0) {
    const ready = pending.findIndex(({ entry, nodeIndex }) => {
      const created = outputs.get(String(entry.config.name))!;
      if (created.length !== nodeIndex) return false; // a layer's nodes are created in order
      const { references } = nodeInputs(entry.inboundNodes[nodeIndex], `${entry.label}.inbound_nodes[${nodeIndex}]`);
      return references.every((reference) => available(reference) !== undefined);
    });
    if (ready < 0) {
      const stuck = pending[0];
      throw new LayerwiseConfigError(`${stuck.entry.label}.inbound_nodes[${stuck.nodeIndex}]`, 'refers to a layer output that no layer of the model produces');
    }
    const [{ entry, layer, nodeIndex }] = pending.splice(ready, 1);
    const { references, isList } = nodeInputs(entry.inboundNodes[nodeIndex], `${entry.label}.inbound_nodes[${nodeIndex}]`);
    const inputs = references.map((reference) => available(reference)!);
    const result = layer.apply(isList ? inputs : inputs[0]) as tf.SymbolicTensor | tf.SymbolicTensor[];
    outputs.get(String(entry.config.name))!.push(Array.isArray(result) ? result : [result]);
  }
  const resolve = (reference: History, where: string): tf.SymbolicTensor => {
    const tensor = available(reference);
    if (tensor == null) throw new LayerwiseConfigError(where, `= ${describeValue(reference)}: no such layer output`);
    return tensor;
  };
  const inputs = endpointList(modelConfig.input_layers, `${field}.input_layers`).map((reference) => resolve(reference, `${field}.input_layers`));
  const modelOutputs = endpointList(modelConfig.output_layers, `${field}.output_layers`).map((reference) => resolve(reference, `${field}.output_layers`));
  const model = tf.model({ inputs, outputs: modelOutputs.length === 1 ? modelOutputs[0] : modelOutputs, name: modelConfig.name as string | undefined });
  return { model, kerasLayers: entries.map((entry) => ({ name: String(entry.config.name), className: entry.className })) };
}

/** Builds the model a Keras 3 model config (`{class_name, config}`) describes. */
export function buildKerasTopology(modelObject: Record<string, unknown>): BuiltTopology {
  const model = kerasObject(modelObject, 'model');
  switch (model.class_name) {
    case 'Sequential':
      return buildSequential(model.config, 'model.config');
    case 'Functional':
    case 'Model':
      return buildFunctional(model.config, 'model.config');
    default:
      throw new LayerwiseConfigError('model.class_name', `= ${describeValue(model.class_name)}: unsupported model class; supported: Sequential, Functional (subclassed models have no config to rebuild from)`);
  }
}
