/**
 * `layers.dense(args)`, `layers.conv2d(args)`, ...: the same arguments as `tf.layers.*`, except
 * that every `*Regularizer` slot also accepts our specs (`l2({l2: 1e-4})`), identifiers and Keras
 * configs, and that the result really applies every regularizer it was given:
 *  - specs become serializable tfjs regularizers (`createRegularizer`), validated with the layer
 *    and slot in the error (`dense_1.kernelRegularizer.l2 = -1: expected a finite number >= 0`),
 *    and never invent a coefficient (tfjs's `l1l2({l1})` adds l2 = 0.01);
 *  - `activityRegularizer` works on every layer: the layer carries it (lib/activity/carry.ts,
 *    per instance, nothing global), in plain `fit` too;
 *  - RNN layers and Bidirectional forward their cells' penalties (see recurrent.ts), so plain
 *    `fit` counts them; lib/penalty counts them for any model, built or loaded;
 *  - `*Constraint`s take effect after every optimizer update, in plain `fit` too (constraints.ts);
 *  - DepthwiseConv2D takes `kernelRegularizer` as its depthwise regularizer (tfjs silently drops it).
 * They return ordinary tfjs layers.
 */
import * as tf from '@tensorflow/tfjs';
import type { Regularizer } from '@tensorflow/tfjs-layers/dist/regularizers';
import { createRegularizer, type RegularizerInput } from '../regularizers';
import { LayerwiseConfigError } from '../errors/config-error';
import { setActivityRegularizer } from '../activity/set';
import { enforceConstraints } from './constraints';
import { forwardRecurrentLosses } from './recurrent';
import { checkRanksOnBuild } from './rank-check';
import { withKerasDefaults } from './keras-defaults';
import { gru as resetAfterGru } from './gru';

/** tfjs layer arguments with every `*Regularizer` slot also accepting layerwise specs. */
export type WithRegularizerSpecs<Args> = {
  [Key in keyof Args]: Key extends `${string}Regularizer` ? RegularizerInput | Regularizer | null | undefined : Args[Key];
};

type ArgsOf<Factory extends (args: never) => unknown> = WithRegularizerSpecs<NonNullable<Parameters<Factory>[0]>> & {
  /** Any layer may carry an activity regularizer: penalty on its output, divided by the batch size. */
  activityRegularizer?: RegularizerInput | Regularizer | null;
};

type TfjsArgs = Record<string, unknown>;

/** GRU arguments tfjs 4.22 lacks. */
interface GruKerasArgs {
  /**
   * Keras `reset_after`: apply the reset gate after the recurrent matmul, with separate input and
   * recurrent biases (bias shape [2, 3·units]). Default true (Keras 3); false is tfjs's GRU.
   */
  resetAfter?: boolean;
}

/** Replaces every `*Regularizer` value by a tfjs regularizer; `where` names the layer in errors. */
function convertSlots(args: TfjsArgs, layerLabel: string): TfjsArgs {
  const converted: TfjsArgs = { ...args };
  for (const [key, value] of Object.entries(args)) {
    if (!key.endsWith('Regularizer') || value == null) continue;
    converted[key] = createRegularizer(value as RegularizerInput, { layer: layerLabel, slot: key });
  }
  return converted;
}

function build<Factory extends (args: never) => tf.layers.Layer>(
  factory: Factory,
  label: string,
  prepare?: (args: TfjsArgs, layerLabel: string) => TfjsArgs,
): (args: ArgsOf<Factory>) => ReturnType<Factory> {
  return (args) => {
    // Keras 3's defaults where tfjs 4.22's differ (docs/keras-defaults.md); an explicit argument wins.
    const raw = withKerasDefaults(label, { ...((args ?? {}) as TfjsArgs) });
    const layerLabel = typeof raw.name === 'string' ? raw.name : label;
    const prepared = prepare ? prepare(raw, layerLabel) : raw;
    const converted = convertSlots(prepared, layerLabel);
    const activity = converted.activityRegularizer as Regularizer | undefined;
    delete converted.activityRegularizer; // Set after construction, so every layer type gets it.
    const layer = factory(converted as never) as ReturnType<Factory>;
    if (activity != null) setActivityRegularizer(layer, activity);
    enforceConstraints(layer);
    checkRanksOnBuild(layer);
    return forwardRecurrentLosses(layer) as ReturnType<Factory>;
  };
}

/**
 * tfjs's DepthwiseConv2D accepts `kernelRegularizer` in its type but never stores it (its weight
 * is the depthwise kernel). Keras names the slot `depthwise_regularizer`; we accept
 * `kernelRegularizer` as an alias and refuse both at once.
 */
function depthwiseAliases(args: TfjsArgs, layerLabel: string): TfjsArgs {
  if (args.kernelRegularizer == null) return args;
  if (args.depthwiseRegularizer != null) {
    throw new LayerwiseConfigError(
      `${layerLabel}.kernelRegularizer`,
      'is set together with depthwiseRegularizer: DepthwiseConv2D has one kernel, its depthwise kernel; set only depthwiseRegularizer',
    );
  }
  const { kernelRegularizer, ...rest } = args;
  return { ...rest, depthwiseRegularizer: kernelRegularizer };
}

/**
 * A tf.layers.bidirectional whose forward and backward RNNs contribute their weight penalties and
 * whose constraints take effect in training.
 */
function bidirectional(args: Parameters<typeof tf.layers.bidirectional>[0]): ReturnType<typeof tf.layers.bidirectional> {
  const layer = tf.layers.bidirectional(args);
  enforceConstraints(layer);
  checkRanksOnBuild(layer);
  return forwardRecurrentLosses(layer);
}

/** Layer factories with the same arguments as `tf.layers.*`; regularizer slots accept our specs. */
export const layers = {
  dense: build(tf.layers.dense, 'dense'),
  conv1d: build(tf.layers.conv1d, 'conv1d'),
  conv2d: build(tf.layers.conv2d, 'conv2d'),
  conv3d: build(tf.layers.conv3d, 'conv3d'),
  conv2dTranspose: build(tf.layers.conv2dTranspose, 'conv2dTranspose'),
  separableConv2d: build(tf.layers.separableConv2d, 'separableConv2d'),
  depthwiseConv2d: build(tf.layers.depthwiseConv2d, 'depthwiseConv2d', depthwiseAliases),
  embedding: build(tf.layers.embedding, 'embedding'),
  simpleRNN: build(tf.layers.simpleRNN, 'simpleRNN'),
  lstm: build(tf.layers.lstm, 'lstm'),
  // tfjs's GRU cannot do Keras 3's default resetAfter: true; gru.ts adds it.
  gru: build(resetAfterGru as unknown as (args: Parameters<typeof tf.layers.gru>[0] & GruKerasArgs) => ReturnType<typeof tf.layers.gru>, 'gru'),
  convLstm2d: build(tf.layers.convLstm2d, 'convLstm2d'),
  batchNormalization: build(tf.layers.batchNormalization, 'batchNormalization'),
  layerNormalization: build(tf.layers.layerNormalization, 'layerNormalization'),
  prelu: build(tf.layers.prelu, 'prelu'),
  bidirectional,
};
