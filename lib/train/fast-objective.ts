/**
 * A lean training objective for the common Sequential stacks (Dense, Conv2D, MaxPooling2D,
 * Flatten): the same mathematics as `model.apply(x, {training: true})` + data loss + penalty, with
 * far fewer eager kernel calls per step, which is what bounds tfjs-node's throughput (~20 µs per op).
 *
 *  - The layers' ops are called directly (no tfjs-layers `apply` bookkeeping: Identity, Reshape and
 *    Cast calls per layer); Dense is `MatMul` + `BiasAdd` (+ ReLU) forward and two
 *    `MatMul` + `BiasAddGrad` back on the native backend, with no reshapes (tfjs's fused
 *    matMul elsewhere); Conv2D's bias is one
 *    `BiasAdd` (gradient `BiasAddGrad`); max pooling runs TensorFlow's oneDNN kernels when the native
 *    library has them (lib/train/native-kernels).
 *  - Conv2D(ReLU or linear) directly followed by MaxPooling2D runs as conv → max pool → bias → ReLU:
 *    a per-channel bias and ReLU are non-decreasing, so they commute with the max, and float
 *    rounding is monotone, so the values are bit-identical to Keras's order (and ties choose the same
 *    window position except where adding the bias rounds two different values to one); the bias
 *    and ReLU then touch a pooled tensor (1/4 of the elements with 2x2 pooling), forward and back.
 *    On the native backend with oneDNN the bias is inside the convolution kernel instead
 *    (`_MklNativeConv2DWithBias`: conv + bias → pool → ReLU, one kernel fewer) and each such block is
 *    one taped op with a hand-written backward (lib/train/native-kernels `nativeConvolutionBlock`).
 *  - ReLU's gradient is TensorFlow's single `ReluGrad` kernel (lib/train/native-kernels).
 *  - A softmax output layer trained with categorical cross-entropy on one-hot labels is computed
 *    from its logits with `SoftmaxCrossEntropyWithLogits` (gradient in one kernel), then given the
 *    general path's probability clipping: Keras and tfjs clip p to [ε, 1−ε] before the log, which
 *    for a one-hot row is clipping −log p_true to [−log(1−ε), −log ε], with zero gradient where it
 *    clips. So turning the lean path off changes speed, never the objective (beyond float rounding).
 *    Soft labels take the general formula (softmax, normalize, clip, log) inside the lean path.
 *  - L2 weight penalties use kept scalars, one `L2Loss` kernel for the value on the native backend and
 *    a one-multiply gradient (`2·l2·w`).
 *  - Conv1D runs as a 2-D convolution over [N, 1, T, C] with the same bias/ReLU kernels and, when a
 *    MaxPooling1D follows, the same pooling-first fusion as Conv2D; MaxPooling1D alone uses the
 *    oneDNN pooling too. BatchNormalization (last axis, scale and center) runs TensorFlow's fused
 *    training-mode kernels on the native backend (lib/train/native-batch-norm.ts: one kernel
 *    forward, one back, moving statistics updated as tfjs does).
 *  - Channels-last GlobalAveragePooling1D/2D is `tf.mean` with a gradient that divides the small
 *    [N, C] upstream gradient and broadcasts it once (lib/train/native-kernels `globalAveragePool`).
 *  - Dropout (no noise shape) draws tfjs's multiplier in JS, bit-identical (`drawDropoutMultiplier`).
 *  - Dropout with a noise shape, Activation, 1D/2D average and global max pooling, and the Conv1D / BatchNormalization
 *    layers the above do not cover (causal padding, dilation, another axis, the pure-JS backend) run
 *    their own training-mode call (`LAYER_CALL_CLASSES`): tfjs's computation, so the same numbers
 *    (Dropout's draws and BatchNormalization's moving statistics included), while the Dense and
 *    Conv2D layers around them keep the lean kernels.
 *  - Stacks of Dense layers with Dropout, L1/L2/L1L2 kernel, bias and activity penalties, ending in
 *    softmax + categorical cross-entropy, sigmoid + binary cross-entropy or linear + mean squared
 *    error, get `valueAndGradients`: a hand-written backward pass, no autodiff tape (tfjs's tape is
 *    JS bookkeeping per op: it was ~1.4 of 6.7 ms per bench MLP step); see lib/train/lean-dense-stack.ts.
 *  - Functional models of Dense and Add layers (Dense layers may be shared) get the same kind of
 *    hand-written pass over their graph (lib/train/lean-dense-graph.ts).
 *  - A first LSTM or GRU layer followed by such a Dense stack gets a hand-written forward and
 *    backward through time on TensorFlow's fused recurrent kernels (lib/train/lean-recurrent-stack.ts).
 *
 * `planLeanObjective` says why it does not apply to anything else (other layers, activity
 * regularizers, frozen weights, other data formats or dilations...), naming layers by position and
 * class (`layer #2 is a Dropout`), never by their auto-generated names, so equal models give equal
 * reasons; the loop then uses the general `model.apply` path and `TrainResult.generalPathReason`
 * carries the reason. Both paths compute the
 * same function (test/train/fast-objective.test.ts, test/parity/lean-general-parity.test.ts).
 */
import * as tf from '@tensorflow/tfjs';
import type { LayerVariable } from '@tensorflow/tfjs-layers/dist/variables';
import { L2Regularizer, TfjsL1L2 } from '../regularizers';
import { weightPenaltyValue, type WeightRegularizer } from '../penalty';
import { biasAdd, biasGradient, customGradient, denseForward, fastRelu, globalAveragePool, kernelOpOnTape, type KernelOpBody, l2PenaltyValue, matMul2d, maxPool2d, MaxPoolArgs, mean, nativeBackend, nativeConvolutionBlock, reluGrad, softmaxCrossEntropyWithLogits } from './native-kernels';
import { ScalarCache } from './scalar-cache';
import { DENSE_STACK_COVERAGE, denseStackObjective, drawDropoutMultiplier, planDenseStack } from './lean-dense-stack';
import { fusedBatchNormStep, type FusedBatchNormArgs } from './native-batch-norm';
import { DENSE_GRAPH_COVERAGE, denseGraphObjective, planDenseGraph } from './lean-dense-graph';
import { trainingPenalty } from './penalty';
import { planRecurrentStack, RECURRENT_STACK_COVERAGE, recurrentStackObjective } from './lean-recurrent-stack';

/** Layer classes the recurrent pass plans for (a reason mentions it only for models starting with one). */
const RECURRENT_LAYERS = new Set(['LSTM', 'GRU']);

/** Where `planLeanObjective` landed: the lean objective, or why the general path must run. */
export type LeanPlan = { objective: FastObjective; reason?: undefined } | { objective: null; reason: string };

/** Options of {@link planLeanObjective}. */
export interface LeanPlanArgs {
  /**
   * The training labels are one-hot rows (every value 0 or 1, one 1 per row): lets a softmax +
   * categorical cross-entropy output use the fused logits kernel with per-row clipping. Default
   * false (the general cross-entropy formula, still on the lean path).
   */
  oneHotLabels?: boolean;
}

/** tfjs's `epsilon()` for float32 (tfjs-layers' categorical cross-entropy clips p to [ε, 1−ε]). */
const CLIP_EPSILON = 1e-7;
/** −log(1−ε) and −log(ε) as float32 computes them: the range of −log(clip(p, ε, 1−ε)). */
const LOWEST_CROSS_ENTROPY = -Math.log(Math.fround(1 - CLIP_EPSILON));
const HIGHEST_CROSS_ENTROPY = -Math.log(Math.fround(CLIP_EPSILON));

/**
 * Per-sample cross-entropy of softmax(logits) against one-hot labels with the general path's
 * clipping, and its gradient with respect to the logits (per sample, before the mean's 1/n).
 * Where the clip is active (p_true < ε or p_true > 1−ε) the loss is the clip bound and the
 * gradient is zero, as tfjs's `clipByValue` gradient gives on the general path.
 */
export function clippedSoftmaxCrossEntropy(logits: tf.Tensor2D, labels: tf.Tensor2D): { loss: tf.Tensor1D; backprop: tf.Tensor2D } {
  const { loss, backprop } = softmaxCrossEntropyWithLogits(logits, labels);
  const clipped = tf.clipByValue(loss, LOWEST_CROSS_ENTROPY, HIGHEST_CROSS_ENTROPY) as tf.Tensor1D;
  const inside = tf.reshape(tf.cast(tf.equal(clipped, loss), 'float32'), [-1, 1]);
  return { loss: clipped, backprop: tf.mul(backprop, inside) as tf.Tensor2D };
}

/** `(x, y) => objective` for one batch; `dispose()` frees the kept scalars. */
export interface FastObjective {
  objective(x: tf.Tensor, y: tf.Tensor): tf.Scalar;
  /**
   * The objective and its gradient per variable name (`tf.Variable.name`, as `tf.variableGrads`
   * keys them): for the Dense stacks, graphs and recurrent stacks a hand-written backward pass without
   * tfjs's autodiff tape; for the other lean stacks on the native backend with pure-L2 (or no)
   * penalties, autodiff of the data loss plus the penalties' closed-form gradients; else null (the
   * caller differentiates `objective`). Same function as the taped `objective`.
   */
  valueAndGradients: ((x: tf.Tensor, y: tf.Tensor) => { value: tf.Scalar; grads: Record<string, tf.Tensor> }) | null;
  dispose(): void;
}

type Activation = 'linear' | 'relu' | 'softmax' | 'other';

/** Internals of tfjs-layers layers read here (protected in the typings; stable in tfjs 4.x). */
interface LayerInternals {
  activation?: { getClassName(): string; apply(x: tf.Tensor): tf.Tensor };
  activityRegularizer?: unknown;
  kernel?: LayerVariable;
  bias?: LayerVariable;
  useBias?: boolean;
  strides?: number[];
  padding?: 'valid' | 'same' | 'causal';
  dataFormat?: string;
  dilationRate?: number[] | number;
  poolSize?: number[];
  kernelRegularizer?: unknown;
  biasRegularizer?: unknown;
  gamma?: LayerVariable;
  beta?: LayerVariable;
  gammaRegularizer?: unknown;
  betaRegularizer?: unknown;
}

type Step = (x: tf.Tensor, first: boolean) => tf.Tensor;

/**
 * Layers the taped lean objective runs through their own `apply(x, {training: true})` (tfjs's
 * computation, so the numbers are the general path's by construction, Dropout's `Math.random` draws
 * and BatchNormalization's moving-average updates included); their weights' penalties are collected
 * like Dense's and Conv2D's. The stack around them keeps the lean kernels.
 */
const LAYER_CALL_CLASSES: readonly string[] = [
  'Dropout',
  'BatchNormalization',
  'Activation',
  'Conv1D',
  'MaxPooling1D',
  'AveragePooling1D',
  'GlobalAveragePooling1D',
  'GlobalMaxPooling1D',
  'AveragePooling2D',
  'GlobalAveragePooling2D',
  'GlobalMaxPooling2D',
];

function activationOf(layer: LayerInternals): Activation {
  const name = layer.activation?.getClassName();
  if (name == null || name === 'linear') return 'linear';
  if (name === 'relu') return 'relu';
  if (name === 'softmax') return 'softmax';
  return 'other';
}

/** Dense on rank-2 inputs: z = x·W + b, fused with ReLU when it has one. Gradient without dx for the first layer (data input). */
function denseStep(layer: LayerInternals, activation: Activation): Step {
  const kernel = layer.kernel as LayerVariable;
  const bias = layer.useBias ? (layer.bias as LayerVariable) : null;
  const fusedActivation = activation === 'relu' ? 'relu' : 'linear';
  return (x, first) => {
    const w = kernel.read();
    const b = bias?.read();
    const forward: KernelOpBody = (input, weights, biasValue, save) => {
      const y = denseForward(input as tf.Tensor2D, weights as tf.Tensor2D, biasValue ?? undefined, fusedActivation === 'relu');
      // Saved tensors are kept for the backward pass by the engine (a kernel's own inputs may be freed before it).
      save([y, input, weights]);
      return {
        value: y,
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
          const [output, savedInput, savedWeights] = saved as [tf.Tensor, tf.Tensor2D, tf.Tensor2D];
          const dz = fusedActivation === 'relu' ? reluGrad(dy, output) : dy;
          const dw = matMul2d(savedInput, dz as tf.Tensor2D, true, false);
          const grads: tf.Tensor[] = [];
          if (!first) grads.push(matMul2d(dz as tf.Tensor2D, savedWeights, false, true));
          grads.push(dw);
          if (biasValue != null) grads.push(biasGradient(dz));
          return grads;
        },
      };
    };
    // The data input gets no gradient (it is not an input of the custom op): saves one matmul per step.
    const y = kernelOpOnTape(forward, x, w, b ?? null, first);
    return activation === 'relu' || activation === 'linear' ? y : (layer.activation as { apply(x: tf.Tensor): tf.Tensor }).apply(y);
  };
}

/**
 * The native one-op convolution blocks of a layer (lib/train/native-kernels `nativeConvolutionBlock`),
 * for a data input (`first`) and for any other, or null (other activations, other backends).
 */
function convolutionBlocks(activation: Activation, strides: [number, number], padding: 'valid' | 'same', pooling: MaxPoolArgs | null, filterShape: [number, number, number, number]) {
  if (activation !== 'relu' && activation !== 'linear') return null;
  const relu = activation === 'relu';
  const inner = nativeConvolutionBlock({ strides, padding, pooling, relu, first: false }, filterShape);
  const first = nativeConvolutionBlock({ strides, padding, pooling, relu, first: true }, filterShape);
  return inner != null && first != null ? { inner, first } : null;
}

/** [N, T, C] as the [N, 1, T, C] view the 2-D kernels take (a 4-D tensor is already that view). */
function asImageRow(x: tf.Tensor): tf.Tensor4D {
  return (x.rank === 4 ? x : tf.reshape(x, [x.shape[0], 1, x.shape[1] as number, x.shape[2] as number])) as tf.Tensor4D;
}

/** A [N, 1, T, C] view back as [N, T, C], unless the next lean step takes the view (`keepView`). */
function fromImageRow(x: tf.Tensor, keepView: boolean): tf.Tensor {
  return keepView ? x : tf.reshape(x, [x.shape[0], x.shape[2] as number, x.shape[3] as number]);
}

function conv2dStep(layer: LayerInternals, activation: Activation, pooling: MaxPoolArgs | null): Step {
  const kernel = layer.kernel as LayerVariable;
  const bias = layer.useBias ? (layer.bias as LayerVariable) : null;
  const strides = layer.strides as [number, number];
  const padding = layer.padding as 'valid' | 'same';
  const blocks = convolutionBlocks(activation, strides, padding, pooling, kernel.shape as [number, number, number, number]);
  return (x, first) => {
    if (blocks != null) return (first ? blocks.first : blocks.inner)(x as tf.Tensor4D, kernel.read(), bias?.read() ?? null);
    let z: tf.Tensor = tf.conv2d(x as tf.Tensor4D, kernel.read() as tf.Tensor4D, strides, padding, 'NHWC');
    // Pooling first is exact for relu/linear (see the module comment); the planner only passes `pooling` then.
    if (pooling != null) z = maxPool2d(z as tf.Tensor4D, pooling);
    if (bias != null) z = biasAdd(z, bias.read());
    if (activation === 'relu') return fastRelu(z);
    if (activation === 'linear') return z;
    return (layer.activation as { apply(x: tf.Tensor): tf.Tensor }).apply(z);
  };
}

/**
 * Conv1D(ReLU or linear) as a 2-D convolution over [N, 1, T, C] (tfjs's conv1d does the same
 * reshape), then an optional fused MaxPooling1D (pooling before bias and ReLU, exact as for
 * Conv2D), `BiasAdd` and the one-kernel ReLU gradient; back to [N, T', F].
 */
function conv1dStep(layer: LayerInternals, activation: Activation, pooling: MaxPoolArgs | null, keepView: boolean): Step {
  const kernel = layer.kernel as LayerVariable;
  const bias = layer.useBias ? (layer.bias as LayerVariable) : null;
  const stride = (layer.strides as number[])[0];
  const padding = layer.padding as 'valid' | 'same';
  const [width, inputChannels, filters] = kernel.shape as [number, number, number];
  const blocks = convolutionBlocks(activation, [1, stride], padding, pooling, [1, width, inputChannels, filters]);
  return (x, first) => {
    // Consecutive lean 1-D steps pass the [N, 1, T, C] view along (no reshape there and back, forward or backward).
    const input = asImageRow(x);
    if (blocks != null) return fromImageRow((first ? blocks.first : blocks.inner)(input, kernel.read(), bias?.read() ?? null), keepView);
    const w = kernel.read();
    let z: tf.Tensor = tf.conv2d(input, tf.reshape(w, [1, width, inputChannels, filters]) as tf.Tensor4D, [1, stride], padding, 'NHWC');
    if (pooling != null) z = maxPool2d(z as tf.Tensor4D, pooling);
    if (bias != null) z = biasAdd(z, bias.read());
    if (activation === 'relu') z = fastRelu(z);
    else if (activation !== 'linear') z = (layer.activation as { apply(x: tf.Tensor): tf.Tensor }).apply(z);
    return fromImageRow(z, keepView);
  };
}

/** Whether the lean step of `layer` takes the [N, 1, T, C] view of a sequence (Conv1D, MaxPooling1D, GlobalAveragePooling1D, channels last). */
function takesImageRow(layer: (LayerInternals & tf.layers.Layer) | undefined): boolean {
  if (layer == null || layer.activityRegularizer != null) return false;
  const className = layer.getClassName();
  if (className === 'Conv1D') return conv1dLeanEligible(layer);
  if (className === 'MaxPooling1D') return maxPool1dArgsOf(layer) != null;
  return className === 'GlobalAveragePooling1D' && (layer.dataFormat == null || layer.dataFormat === 'channelsLast');
}

function conv1dLeanEligible(layer: LayerInternals & tf.layers.Layer): boolean {
  return (layer.dataFormat == null || layer.dataFormat === 'channelsLast') && isOne(layer.dilationRate) && (layer.padding === 'valid' || layer.padding === 'same');
}

/**
 * A Dropout layer (no noise shape, rate in (0, 1)) in training mode: tfjs's multiplier drawn in JS
 * with the same draws and float32 arithmetic (lib/train/lean-dense-stack `drawDropoutMultiplier`),
 * and a gradient that multiplies by it (tfjs's `mul` gradient also casts the multiplier: one copy
 * fewer). `keptValue`: the backend's float32 1/(1 − rate).
 */
function dropoutStep(rate: number, seed: number | undefined, keptValue: number): Step {
  const drop = customGradient<(x: tf.Tensor) => tf.Tensor>((x: tf.Tensor, save: tf.GradSaveFunc) => {
    const multiplier = drawDropoutMultiplier(x.shape, rate, seed, keptValue);
    save([multiplier]);
    return { value: tf.mul(x, multiplier), gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.mul(dy, saved[0]) };
  });
  return (x) => drop(x);
}

/** A MaxPooling1D layer's window as 2-D pooling arguments over [N, 1, T, C] (channels last, valid/same padding), else null. */
function maxPool1dArgsOf(layer: LayerInternals & tf.layers.Layer): MaxPoolArgs | null {
  if (layer.getClassName() !== 'MaxPooling1D' || layer.activityRegularizer != null) return null;
  if ((layer.dataFormat != null && layer.dataFormat !== 'channelsLast') || (layer.padding !== 'valid' && layer.padding !== 'same')) return null;
  return { poolSize: [1, (layer.poolSize as number[])[0]], strides: [1, (layer.strides as number[])[0]], padding: layer.padding };
}

/** The pooling arguments of a MaxPooling2D layer the lean objective supports, else null. */
function maxPoolArgsOf(layer: LayerInternals & tf.layers.Layer): MaxPoolArgs | null {
  if (layer.getClassName() !== 'MaxPooling2D' || layer.activityRegularizer != null) return null;
  if (layer.dataFormat !== 'channelsLast' || (layer.padding !== 'valid' && layer.padding !== 'same')) return null;
  return { poolSize: layer.poolSize as [number, number], strides: layer.strides as [number, number], padding: layer.padding };
}

/**
 * A BatchNormalization layer the fused kernels cover (normalizing the last axis, with scale and
 * center, trainable), else null (its own layer call then runs).
 */
function fusedBatchNormArgsOf(layer: LayerInternals & tf.layers.Layer): FusedBatchNormArgs | null {
  const internals = layer as unknown as { axis?: number; center?: boolean; scale?: boolean; momentum?: number; epsilon?: number; movingMean?: LayerVariable; movingVariance?: LayerVariable };
  const rank = (layer.input as tf.SymbolicTensor).shape.length;
  if (internals.axis !== -1 && internals.axis !== rank - 1) return null;
  if (!internals.center || !internals.scale || !layer.trainable || rank < 2) return null;
  return {
    gamma: layer.gamma as LayerVariable,
    beta: layer.beta as LayerVariable,
    movingMean: internals.movingMean as LayerVariable,
    movingVariance: internals.movingVariance as LayerVariable,
    momentum: internals.momentum as number,
    epsilon: internals.epsilon as number,
  };
}

function isOne(value: number[] | number | undefined): boolean {
  if (value == null) return true;
  return Array.isArray(value) ? value.every((item) => item === 1) : value === 1;
}

/** The l2 coefficient of a pure-L2 regularizer (layerwise's L2, or tfjs's L1L2 with l1 = 0), else null. */
function pureL2(regularizer: unknown): number | null {
  if (regularizer instanceof L2Regularizer) return (regularizer.spec as { l2: number }).l2;
  if (regularizer instanceof TfjsL1L2) {
    const { l1, l2 } = regularizer as unknown as { l1: number; l2: number };
    if (l1 === 0 && typeof l2 === 'number') return l2;
  }
  return null;
}

/**
 * The lean objective for `model` trained with `lossName`, or null when the model or loss is outside
 * what it supports (then use `model.apply`). `penaltyWeights` are the model's regularized weights:
 * `[variable, regularizer]` pairs as lib/loss counts them (trainable, once per variable).
 */
export function planFastObjective(
  model: tf.LayersModel,
  lossName: string | undefined,
  lossFunction: (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Tensor,
  args: LeanPlanArgs = {},
): FastObjective | null {
  return planLeanObjective(model, lossName, lossFunction, args).objective;
}

/** As {@link planFastObjective}, with the reason when the lean objective does not apply. */
export function planLeanObjective(
  model: tf.LayersModel,
  lossName: string | undefined,
  lossFunction: (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Tensor,
  args: LeanPlanArgs = {},
): LeanPlan {
  const general = (reason: string): LeanPlan => ({ objective: null, reason });
  if (model.getClassName() !== 'Sequential') {
    // Functional Dense/Add graphs (shared Dense layers too) get the hand-written pass (lib/train/lean-dense-graph.ts).
    const graph = planDenseGraph(model, lossName, args.oneHotLabels === true);
    if (graph.plan == null) return general(`the model is a ${model.getClassName()}, not a Sequential stack, nor ${DENSE_GRAPH_COVERAGE} (here ${graph.reason})`);
    const pass = denseGraphObjective(graph.plan, lossFunction, clippedSoftmaxCrossEntropy);
    const variables = model.trainableWeights.map((weight) => weight.read() as tf.Variable);
    // Labels the hand-written head does not take: the general path's own objective under autodiff.
    const taped = (x: tf.Tensor, y: tf.Tensor): tf.Scalar => tf.add(tf.mean(lossFunction(y, model.apply(x, { training: true }) as tf.Tensor)), trainingPenalty(model)) as tf.Scalar;
    return {
      objective: {
        objective: taped,
        valueAndGradients: (x, y) => (pass.handlesLabels(x, y) ? pass.valueAndGradients(x, y) : tf.variableGrads(() => taped(x, y), variables)),
        dispose: pass.dispose,
      },
    };
  }
  const layers = model.layers;
  if (layers.length === 0) return general('the model has no layers');
  // Dense stacks (with Dropout, BatchNormalization, activity and L1/L2 penalties, softmax/sigmoid/linear heads) get the hand-written pass.
  const stack = planDenseStack(model, lossName, args.oneHotLabels === true);
  if (stack.plan != null) {
    const dense = denseStackObjective(stack.plan, lossFunction, clippedSoftmaxCrossEntropy);
    return { objective: { objective: dense.objective, valueAndGradients: dense.valueAndGradients, dispose: dense.dispose } };
  }
  // A first LSTM or GRU layer followed by such a stack gets the hand-written forward and backward through time.
  const recurrentStack = planRecurrentStack(model, lossName, args.oneHotLabels === true);
  if (recurrentStack.plan != null) {
    const recurrent = recurrentStackObjective(recurrentStack.plan, lossFunction, clippedSoftmaxCrossEntropy);
    return { objective: { objective: recurrent.objective, valueAndGradients: recurrent.valueAndGradients, dispose: recurrent.dispose } };
  }
  const recurrentNote = RECURRENT_LAYERS.has(layers.find((layer) => layer.getClassName() !== 'InputLayer')?.getClassName() ?? '')
    ? `; ${RECURRENT_STACK_COVERAGE} would too (here ${recurrentStack.reason})`
    : '';
  const stackNote = ` (a Dense stack would take the lean path: ${DENSE_STACK_COVERAGE}; here ${stack.reason}${recurrentNote})`;
  // Non-trainable weights: only the moving statistics of trainable BatchNormalization layers (run by their own call below).
  const statistics = new Set<unknown>(
    layers.filter((layer) => layer.getClassName() === 'BatchNormalization' && layer.trainable).flatMap((layer) => layer.nonTrainableWeights),
  );
  if (model.nonTrainableWeights.some((weight) => !statistics.has(weight))) return general(`the model has non-trainable weights (frozen layers)${stackNote}`);
  const steps: Step[] = [];
  // Kernels' kept tensors (the fused BatchNormalization's empty statistics input), freed with the objective.
  const disposers: Array<() => void> = [];
  const penalties: Array<{ variable: LayerVariable; regularizer: unknown; l2: number | null }> = [];
  let softmaxLogits = false;
  for (let index = 0; index < layers.length; index++) {
    const layer = layers[index] as unknown as LayerInternals & tf.layers.Layer;
    if (layer.activityRegularizer != null) return general(`layer #${index} (${layer.getClassName()}) has an activity regularizer${stackNote}`);
    const className = layer.getClassName();
    // An explicit input layer (tf.sequential with tf.layers.inputLayer) computes nothing.
    if (className === 'InputLayer') continue;
    const activation = activationOf(layer);
    const last = index === layers.length - 1;
    if (className === 'Dense') {
      const inputShape = layer.inputSpec?.[0]?.minNDim;
      if ((layer.input as tf.SymbolicTensor).shape.length !== 2 || (inputShape != null && inputShape !== 2)) return general(`layer #${index} (Dense) has inputs of rank other than 2`);
      if (activation === 'softmax' && last && lossName === 'categoricalCrossentropy' && args.oneHotLabels === true) {
        softmaxLogits = true;
        steps.push(denseStep(layer, 'linear'));
      } else {
        steps.push(denseStep(layer, activation));
      }
    } else if (className === 'Conv2D') {
      if (layer.dataFormat !== 'channelsLast' || !isOne(layer.dilationRate) || (layer.padding !== 'valid' && layer.padding !== 'same')) {
        return general(`layer #${index} (Conv2D) uses channels-first data, dilation or causal padding`);
      }
      const next = index + 1 < layers.length ? maxPoolArgsOf(layers[index + 1] as unknown as LayerInternals & tf.layers.Layer) : null;
      const fusePooling = next != null && (activation === 'relu' || activation === 'linear');
      steps.push(conv2dStep(layer, activation, fusePooling ? next : null));
      // The pooling layer has no weights (nothing to collect below); it is consumed by this step.
      if (fusePooling) index++;
    } else if (className === 'Conv1D' && conv1dLeanEligible(layer)) {
      const next = index + 1 < layers.length ? maxPool1dArgsOf(layers[index + 1] as unknown as LayerInternals & tf.layers.Layer) : null;
      const fusePooling = next != null && (activation === 'relu' || activation === 'linear');
      const consumer = layers[index + (fusePooling ? 2 : 1)] as unknown as (LayerInternals & tf.layers.Layer) | undefined;
      steps.push(conv1dStep(layer, activation, fusePooling ? next : null, takesImageRow(consumer)));
      if (fusePooling) index++;
    } else if (className === 'MaxPooling1D' && maxPool1dArgsOf(layer) != null) {
      const pooling = maxPool1dArgsOf(layer) as MaxPoolArgs;
      const keepView = takesImageRow(layers[index + 1] as unknown as (LayerInternals & tf.layers.Layer) | undefined);
      steps.push((x) => fromImageRow(maxPool2d(asImageRow(x), pooling), keepView));
    } else if (className === 'BatchNormalization' && fusedBatchNormArgsOf(layer) != null && nativeBackend() != null) {
      // TensorFlow's fused training-mode kernels (lib/train/native-batch-norm.ts); off the native backend, the layer's own call below.
      const fused = fusedBatchNormStep(fusedBatchNormArgsOf(layer) as FusedBatchNormArgs) as NonNullable<ReturnType<typeof fusedBatchNormStep>>;
      disposers.push(fused.dispose);
      steps.push(fused.step);
    } else if ((className === 'GlobalAveragePooling1D' || className === 'GlobalAveragePooling2D') && (layer.dataFormat == null || layer.dataFormat === 'channelsLast')) {
      // tfjs's call is `tf.mean` over the middle axes; the lean op has the same value and a gradient without full-size temporaries.
      steps.push((x) => globalAveragePool(x));
    } else if (className === 'Dropout' && (layer as unknown as { noiseShape?: unknown }).noiseShape == null) {
      const { rate, seed } = layer as unknown as { rate: number; seed?: number };
      // tfjs's layer passes its input through at rate 0 (and 1, which it clamps to).
      if (rate > 0 && rate < 1) steps.push(dropoutStep(rate, seed, tf.tidy(() => tf.div(tf.ones([1]), 1 - rate).dataSync()[0])));
    } else if (className === 'MaxPooling2D') {
      const pooling = maxPoolArgsOf(layer);
      if (pooling == null) return general(`layer #${index} (MaxPooling2D) uses channels-first data or an unsupported padding`);
      steps.push((x) => maxPool2d(x as tf.Tensor4D, pooling));
    } else if (className === 'Flatten') {
      if ((layer as unknown as { dataFormat?: string }).dataFormat === 'channelsFirst') return general(`layer #${index} (Flatten) uses channels-first data`);
      steps.push((x) => tf.reshape(x, [x.shape[0], -1]));
    } else if (LAYER_CALL_CLASSES.includes(className)) {
      // The layer's own training-mode call: the general path's computation exactly (Dropout's draws, BatchNormalization's moving statistics).
      steps.push((x) => layer.apply(x, { training: true }) as tf.Tensor);
    } else {
      return general(`layer #${index} is a ${className}; the lean path covers Dense, Conv2D, MaxPooling2D, Flatten and ${LAYER_CALL_CLASSES.join(', ')}${stackNote}`);
    }
    for (const [variable, regularizer] of [
      [layer.kernel, layer.kernelRegularizer],
      [layer.bias, layer.biasRegularizer],
      [layer.gamma, layer.gammaRegularizer],
      [layer.beta, layer.betaRegularizer],
    ] as const) {
      if (variable == null || regularizer == null) continue;
      penalties.push({ variable, regularizer, l2: pureL2(regularizer) });
    }
  }
  const scalars = new ScalarCache();

  const l2Penalty = (variable: LayerVariable, l2: number): tf.Scalar => {
    const coefficient = scalars.of(l2);
    const twice = scalars.of(2 * l2);
    const penalty = customGradient<(w: tf.Tensor) => tf.Scalar>((w: tf.Tensor, save: tf.GradSaveFunc) => {
      save([w]);
      return { value: l2PenaltyValue(w, coefficient, twice), gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.mul(saved[0], tf.mul(dy, twice)) };
    });
    return penalty(variable.read());
  };

  const meanCrossEntropyFromLogits = (logits: tf.Tensor, labels: tf.Tensor): tf.Scalar => {
    const inverseCount = scalars.of(1 / logits.shape[0]);
    const lossOf = customGradient<(z: tf.Tensor) => tf.Scalar>((z: tf.Tensor, save: tf.GradSaveFunc) => {
      const { loss, backprop } = clippedSoftmaxCrossEntropy(z as tf.Tensor2D, labels as tf.Tensor2D);
      save([backprop]);
      return { value: mean(loss, [0]), gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.mul(saved[0], tf.mul(dy, inverseCount)) };
    });
    return lossOf(logits);
  };

  const dataLoss = (x: tf.Tensor, y: tf.Tensor): tf.Scalar => {
    let output = x;
    steps.forEach((step, index) => {
      output = step(output, index === 0);
    });
    return softmaxLogits ? meanCrossEntropyFromLogits(output, y) : (tf.mean(lossFunction(y, output)) as tf.Scalar);
  };
  const variables = model.trainableWeights.map((weight) => weight.read() as tf.Variable);
  const onlyL2 = penalties.every((penalty) => penalty.l2 != null);
  const objective: FastObjective = {
    // Pure-L2 penalties stay off the tape on the native backend: value L2Loss, gradient 2·l2·w added to
    // the data gradient (what the tape computes, without its per-penalty reshapes and multiplies).
    valueAndGradients:
      nativeBackend() != null && onlyL2
        ? (x, y) => {
          const { value, grads } = tf.variableGrads(() => dataLoss(x, y), variables);
          // Σ l2·‖w‖² as 2·l2·Σ L2Loss(w) per distinct coefficient: one AddN and one multiply per
          // coefficient instead of one multiply and one add per penalized variable (the zoo's Conv1D:
          // 6 kernels instead of 9 per step); the same sum up to float32 summation order.
          const native = nativeBackend() as NonNullable<ReturnType<typeof nativeBackend>>;
          const halfSquares = new Map<number, tf.Tensor[]>();
          for (const { variable, l2 } of penalties) {
            const w = variable.read() as tf.Variable;
            const twice = scalars.of(2 * (l2 as number));
            const group = halfSquares.get(l2 as number) ?? [];
            group.push(native.executeSingleOutput('L2Loss', [{ name: 'T', type: native.binding.TF_ATTR_TYPE, value: native.binding.TF_FLOAT }], [w]));
            halfSquares.set(l2 as number, group);
            const penaltyGradient = tf.mul(w, twice);
            grads[w.name] = grads[w.name] == null ? penaltyGradient : tf.add(grads[w.name], penaltyGradient);
          }
          let total = value;
          for (const [l2, group] of halfSquares) {
            total = tf.add(total, tf.mul(group.length === 1 ? group[0] : tf.addN(group), scalars.of(2 * l2))) as tf.Scalar;
          }
          return { value: total, grads };
        }
        : null,
    objective(x: tf.Tensor, y: tf.Tensor): tf.Scalar {
      let total = dataLoss(x, y);
      for (const { variable, regularizer, l2 } of penalties) {
        const penalty = l2 != null ? l2Penalty(variable, l2) : weightPenaltyValue(regularizer as WeightRegularizer, variable.read());
        total = tf.add(total, penalty) as tf.Scalar;
      }
      return total;
    },
    dispose(): void {
      scalars.dispose();
      disposers.forEach((dispose) => dispose());
    },
  };
  return { objective };
}
