/**
 * `mlp(spec)`, `cnn(spec)` and `rnn(spec)`: ordinary Sequential `tf.LayersModel`s with the layer names the spec
 * promises (see spec.ts), seeded initializers, optional regularizers per layer, compiled for the
 * spec's task.
 *
 * Randomness:
 *  - kernels use Glorot-uniform (Keras's default) seeded per layer (`layerSeed`) when `seed` is
 *    given; biases start at 0, batch-norm gamma at 1 and beta at 0. Without a seed, initializers
 *    draw from `Math.random` (tfjs's behaviour) at build time, before `train` runs, so they are
 *    NOT reproducible: pass the run's seed here and to `train` (the sweep objective does both).
 *  - Dropout layers are built WITHOUT a seed on purpose: a seeded tfjs Dropout reuses one mask at
 *    every step (a frozen sub-network). Unseeded, each step draws a fresh mask from `Math.random`,
 *    which the training loop (lib/train) seeds per run, so runs stay reproducible.
 *
 * The model is compiled (unless `compile: false`) with `loss: lossFor(task)`, the optimizer
 * `'adam'` given by name (so the model owns and disposes it) and accuracy for classification; the
 * training loop reads the loss from there and brings its own optimizer.
 */
import * as tf from '@tensorflow/tfjs';
import { describeValue, LayerwiseConfigError } from '../errors/config-error';
import { layers as regularizedLayers } from '../layers';
import { setActivityRegularizer } from '../activity/set';
import { validateSpec } from '../regularizers';
import type { RegularizerSpec } from '../regularizers/spec';
import { checkSeed, layerSeed } from './seeds';
import type { CnnSpec, LayerRegularizers, MlpSpec, ModelSpec, RnnSpec } from './spec';
import { lossFor, outputActivationFor } from './task';
import { withDefaults } from './config';
import { validateModelSpec } from './validate';

/** Options of `buildModel`, `mlp` and `cnn`. */
export interface BuildOptions {
  /**
   * Model seed (integer >= 0): each layer's initializer seed is derived from it, distinct and never 0.
   * Default: unseeded, initializers draw from `Math.random`.
   */
  seed?: number;
  /**
   * Regularizers per layer name (`{dense_1: {kernel: l2({l2: 1e-4})}}`). A name that is not a layer
   * of the model, or a slot the layer lacks, is an error. Default none.
   */
  regularizers?: Record<string, LayerRegularizers>;
  /** Compile with `lossFor(task)`, optimizer 'adam' and accuracy for classification. Default true. */
  compile?: boolean;
  /** Model name. Default tfjs's automatic name. */
  name?: string;
}

type PlannedKind = 'dense' | 'conv' | 'recurrent' | 'batchNorm' | 'dropout' | 'pool' | 'flatten' | 'activation';

/** One layer of the model, before it is built. */
interface PlannedLayer {
  name: string;
  kind: PlannedKind;
  make: (regularizers: LayerRegularizers, seed: number | undefined) => tf.layers.Layer;
}

const SLOTS_BY_KIND: Record<PlannedKind, readonly (keyof LayerRegularizers)[]> = {
  dense: ['kernel', 'bias', 'activity'],
  conv: ['kernel', 'bias', 'activity'],
  recurrent: ['kernel', 'recurrent', 'bias', 'activity'],
  batchNorm: ['gamma', 'beta', 'activity'],
  dropout: ['activity'],
  pool: ['activity'],
  flatten: ['activity'],
  activation: ['activity'],
};

function kernelInitializer(seed: number | undefined): ReturnType<typeof tf.initializers.glorotUniform> {
  return tf.initializers.glorotUniform(seed === undefined ? {} : { seed });
}

function slotRegularizer(regularizers: LayerRegularizers, slot: 'kernel' | 'recurrent' | 'bias' | 'gamma' | 'beta') {
  const spec = regularizers[slot];
  return spec == null ? undefined : spec;
}

function denseLayer(name: string, units: number, activation: string, inputShape?: number[]): PlannedLayer {
  return {
    name,
    kind: 'dense',
    make: (regularizers, seed) =>
      regularizedLayers.dense({
        name,
        units,
        activation: activation as never,
        inputShape,
        kernelInitializer: kernelInitializer(seed),
        biasInitializer: 'zeros',
        kernelRegularizer: slotRegularizer(regularizers, 'kernel'),
        biasRegularizer: slotRegularizer(regularizers, 'bias'),
      }),
  };
}

function batchNormLayer(name: string): PlannedLayer {
  return {
    name,
    kind: 'batchNorm',
    make: (regularizers) =>
      regularizedLayers.batchNormalization({
        name,
        gammaRegularizer: slotRegularizer(regularizers, 'gamma'),
        betaRegularizer: slotRegularizer(regularizers, 'beta'),
      }),
  };
}

function dropoutLayer(name: string, rate: number): PlannedLayer {
  // No seed: see the module comment (a seeded tfjs Dropout freezes its mask).
  return { name, kind: 'dropout', make: () => tf.layers.dropout({ name, rate }) };
}

function activationLayer(name: string, activation: string): PlannedLayer {
  return { name, kind: 'activation', make: () => tf.layers.activation({ name, activation: activation as never }) };
}

function mlpPlan(spec: Required<MlpSpec>): PlannedLayer[] {
  const plan: PlannedLayer[] = [];
  spec.hidden.forEach((units, index) => {
    const k = index + 1;
    const separate = (spec as MlpSpec).activationLayers === true;
    plan.push(denseLayer(`dense_${k}`, units, separate ? 'linear' : spec.activation, index === 0 ? [spec.inputSize] : undefined));
    if (separate) plan.push(activationLayer(`activation_${k}`, spec.activation));
    if (spec.batchNormalization) plan.push(batchNormLayer(`batch_norm_${k}`));
    if (spec.dropout > 0) plan.push(dropoutLayer(`dropout_${k}`, spec.dropout));
  });
  plan.push(denseLayer('output', spec.outputSize, outputActivationFor(spec.task), spec.hidden.length === 0 ? [spec.inputSize] : undefined));
  return plan;
}

function cnnPlan(spec: Required<CnnSpec>): PlannedLayer[] {
  const plan: PlannedLayer[] = [];
  spec.blocks.forEach((block, index) => {
    const k = index + 1;
    const name = `conv_${k}`;
    const full = block as Required<typeof block>;
    plan.push({
      name,
      kind: 'conv',
      make: (regularizers, seed) =>
        regularizedLayers.conv2d({
          name,
          filters: full.filters,
          kernelSize: full.kernelSize,
          padding: full.padding,
          activation: full.activation as never,
          inputShape: index === 0 ? [...spec.inputShape] : undefined,
          kernelInitializer: kernelInitializer(seed),
          biasInitializer: 'zeros',
          kernelRegularizer: slotRegularizer(regularizers, 'kernel'),
          biasRegularizer: slotRegularizer(regularizers, 'bias'),
        }),
    });
    if (spec.batchNormalization) plan.push(batchNormLayer(`batch_norm_${k}`));
    if (full.pool > 0) {
      const poolName = `pool_${k}`;
      plan.push({ name: poolName, kind: 'pool', make: () => tf.layers.maxPooling2d({ name: poolName, poolSize: full.pool }) });
    }
  });
  plan.push({ name: 'flatten', kind: 'flatten', make: () => tf.layers.flatten({ name: 'flatten' }) });
  spec.dense.forEach((units, index) => {
    const k = index + 1;
    plan.push(denseLayer(`dense_${k}`, units, spec.activation));
    if (spec.dropout > 0) plan.push(dropoutLayer(`dropout_${k}`, spec.dropout));
  });
  plan.push(denseLayer('output', spec.outputSize, outputActivationFor(spec.task)));
  return plan;
}

/**
 * Offset of a recurrent layer's recurrent-kernel seed from its kernel seed: a layer at position p
 * seeds its kernel with `layerSeed(seed, p)` and its recurrent kernel with
 * `layerSeed(seed, p + RECURRENT_SEED_OFFSET)`, distinct from every other layer's (positions < 2^15).
 */
const RECURRENT_SEED_OFFSET = 2 ** 15;

function rnnPlan(spec: Required<RnnSpec>): PlannedLayer[] {
  const plan: PlannedLayer[] = [];
  const factory = regularizedLayers[spec.cell];
  spec.units.forEach((units, index) => {
    const k = index + 1;
    const name = `recurrent_${k}`;
    // Every layer but the last hands its whole sequence to the next recurrent layer.
    const returnSequences = index < spec.units.length - 1;
    plan.push({
      name,
      kind: 'recurrent',
      make: (regularizers, seed) =>
        (factory as unknown as (args: Record<string, unknown>) => tf.layers.Layer)({
          name,
          units,
          returnSequences,
          inputShape: index === 0 ? [...spec.inputShape] : undefined,
          kernelInitializer: kernelInitializer(seed),
          recurrentInitializer: tf.initializers.orthogonal(seed === undefined ? { gain: 1 } : { gain: 1, seed: seed + RECURRENT_SEED_OFFSET }),
          biasInitializer: 'zeros',
          kernelRegularizer: slotRegularizer(regularizers, 'kernel'),
          recurrentRegularizer: slotRegularizer(regularizers, 'recurrent'),
          biasRegularizer: slotRegularizer(regularizers, 'bias'),
        }),
    });
    if (spec.batchNormalization) plan.push(batchNormLayer(`batch_norm_${k}`));
    if (spec.dropout > 0) plan.push(dropoutLayer(`dropout_${k}`, spec.dropout));
  });
  spec.dense.forEach((units, index) => plan.push(denseLayer(`dense_${index + 1}`, units, spec.activation)));
  plan.push(denseLayer('output', spec.outputSize, outputActivationFor(spec.task)));
  return plan;
}

function planFor(spec: ModelSpec): PlannedLayer[] {
  const full = withDefaults(spec);
  if (full.type === 'rnn') return rnnPlan(full as Required<RnnSpec>);
  return full.type === 'mlp' ? mlpPlan(full as Required<MlpSpec>) : cnnPlan(full as Required<CnnSpec>);
}

/** The layer names a spec's model will have, in order (no model is built). */
export function layerNamesOf(spec: ModelSpec): string[] {
  return planFor(spec).map((layer) => layer.name);
}

function checkRegularizers(plan: PlannedLayer[], regularizers: Record<string, LayerRegularizers> | undefined): Map<string, LayerRegularizers> {
  const byName = new Map<string, LayerRegularizers>();
  if (regularizers == null) return byName;
  if (typeof regularizers !== 'object' || Array.isArray(regularizers)) {
    throw new LayerwiseConfigError('options.regularizers', `= ${describeValue(regularizers)}: expected an object {layerName: {kernel?, bias?, activity?, gamma?, beta?}}`);
  }
  const kinds = new Map(plan.map((layer) => [layer.name, layer.kind] as const));
  for (const [name, slots] of Object.entries(regularizers)) {
    const kind = kinds.get(name);
    if (kind === undefined) {
      throw new LayerwiseConfigError('options.regularizers', `: no layer named ${JSON.stringify(name)}; layers are ${[...kinds.keys()].join(', ')}`);
    }
    const allowed = SLOTS_BY_KIND[kind];
    const checked: LayerRegularizers = {};
    for (const [slot, spec] of Object.entries(slots ?? {})) {
      if (!(allowed as readonly string[]).includes(slot)) {
        throw new LayerwiseConfigError(`options.regularizers.${name}.${slot}`, `: layer ${name} has no ${slot} slot; allowed: ${allowed.join(', ')}`);
      }
      if (spec == null) continue;
      checked[slot as keyof LayerRegularizers] = validateSpec(spec, { path: `options.regularizers.${name}.${slot}` });
    }
    byName.set(name, checked);
  }
  return byName;
}

/** Builds any model spec (see `mlp` and `cnn`). */
export function buildModel(spec: ModelSpec, options: BuildOptions = {}): tf.Sequential {
  const checked = validateModelSpec(spec);
  const seed = options.seed === undefined ? undefined : checkSeed(options.seed, 'options.seed');
  const plan = planFor(checked);
  const regularizers = checkRegularizers(plan, options.regularizers);
  const model = tf.sequential(options.name === undefined ? {} : { name: options.name });
  // Activation layers (mlp `activationLayers`) take no seed position, so weights match the fused model's.
  let position = 0;
  plan.forEach((planned) => {
    if (planned.kind !== 'activation') position += 1;
    const slots = regularizers.get(planned.name) ?? {};
    const layer = planned.make(slots, seed === undefined ? undefined : layerSeed(seed, position));
    if (slots.activity != null) setActivityRegularizer(layer, slots.activity as RegularizerSpec);
    model.add(layer);
  });
  // tfjs builds a Sequential's inner graph lazily; until then `calculateLosses()` returns [].
  model.build();
  if (options.compile !== false) {
    model.compile({
      optimizer: 'adam',
      loss: lossFor(checked.task),
      // Keras users compile regression with metrics=['mae']: fit and evaluate report MSE (the loss) and MAE.
      metrics: checked.task === 'regression' ? ['mae'] : ['accuracy'],
    });
  }
  return model;
}

/** A multilayer perceptron: `dense_1 .. dense_n` (each optionally followed by `batch_norm_k`, `dropout_k`), then `output`. */
export function mlp(spec: MlpSpec, options: BuildOptions = {}): tf.Sequential {
  if ((spec as { type?: unknown })?.type !== 'mlp') {
    throw new LayerwiseConfigError('mlp.type', `= ${describeValue((spec as { type?: unknown })?.type)}: expected "mlp"`);
  }
  return buildModel(spec, options);
}

/**
 * A recurrent network for sequences: per recurrent layer `recurrent_k` (+ `batch_norm_k`)
 * (+ `dropout_k`), then the dense head `dense_1 ..`, then `output`. Input [batch, timesteps, features].
 */
export function rnn(spec: RnnSpec, options: BuildOptions = {}): tf.Sequential {
  if ((spec as { type?: unknown })?.type !== 'rnn') {
    throw new LayerwiseConfigError('rnn.type', `= ${describeValue((spec as { type?: unknown })?.type)}: expected "rnn"`);
  }
  return buildModel(spec, options);
}

/**
 * A convolutional network: per block `conv_k` (+ `batch_norm_k`) (+ `pool_k`), then `flatten`,
 * dense head `dense_1 ..` (+ `dropout_k`), then `output`.
 */
export function cnn(spec: CnnSpec, options: BuildOptions = {}): tf.Sequential {
  if ((spec as { type?: unknown })?.type !== 'cnn') {
    throw new LayerwiseConfigError('cnn.type', `= ${describeValue((spec as { type?: unknown })?.type)}: expected "cnn"`);
  }
  return buildModel(spec, options);
}

