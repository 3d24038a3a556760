/**
 * The lean path for Sequential stacks of Dense layers with Dropout between them: a hand-written
 * forward and backward pass (no autodiff tape, fused native kernels) computing exactly the general
 * path's objective, `mean(loss(y, model.apply(x, {training: true}))) + penalties`:
 *
 *  - hidden layers: Dense(ReLU or linear); every Dense layer (the output layer too, on its
 *    activated output) optionally with an activity regularizer (L1, L2 or L1L2), divided by the
 *    batch size as Keras 3 does (lib/activity/penalty.ts);
 *  - Dropout layers anywhere before the output layer. The mask is drawn exactly as tfjs's `Dropout`
 *    layer draws it (`tf.dropout`: `floor(randomUniform(shape, 0, 1, seed) + keep) / keep`, the
 *    uniform numbers from one `Math.random()` draw per call when the layer has no seed), in the same
 *    order (layer order, once per step), so for the same training seed the lean and general paths
 *    drop the same units;
 *  - BatchNormalization layers (rank-2 inputs, features axis, scale and center, no gamma/beta
 *    penalties) before the output layer: training-mode batch statistics (`tf.moments`, biased
 *    variance), the moving mean and variance updated in the forward pass with tfjs's formula
 *    `moving − (moving − batch)·(1 − momentum)` (Keras's momentum 0.99 and ε 1e-3 are the layer's
 *    defaults, read from the layer); inference (evaluation) uses the moving statistics through
 *    tfjs's own layer. Backward: dγ = Σ dy·x̂, dβ = Σ dy, dx = (dx̂ − mean(dx̂) − x̂·mean(dx̂·x̂))/σ.
 *    On the native backend both directions are TensorFlow's fused kernels (`FusedBatchNormV3` /
 *    `FusedBatchNormGradV3` over the [N, 1, 1, C] view, lib/train/native-batch-norm.ts): the same
 *    formulas in 2 kernels instead of ~30;
 *  - activity penalties on ReLU outputs: Σ|h| is Σh (h >= 0), and the L1 gradient step(h, −1) is 1
 *    wherever ReLU's gradient lets it through, so it is added as the scalar l1/n (bit-identical);
 *  - the output layer and loss: Dense(softmax) + categorical cross-entropy on one-hot labels (the
 *    fused logits kernel with tfjs/Keras's probability clipping, lib/train/fast-objective.ts),
 *    Dense(sigmoid) + binary cross-entropy (tfjs's formula: p clipped to [ε, 1−ε], ε = 1e-7, then
 *    `sigmoidCrossEntropyWithLogits(y, log(p/(1−p)))`, mean over the last axis; its gradient with
 *    respect to the pre-sigmoid output is `(p − y)/units` where p is inside the clip range and 0
 *    where the clip is active), Dense(linear) + mean squared error (gradient `2(p − y)/units`);
 *  - kernel and bias penalties L1, L2 and L1L2 (layerwise's classes and tfjs's `L1L2`): value
 *    `l1·Σ|w| + l2·Σw²` (pure L2: the `L2Loss` kernel), gradient `l1·step(w, −1) + 2·l2·w`, where
 *    `step(w, −1)` is tfjs's gradient of `abs` (−1 at exactly 0, where TensorFlow's `sign` gives 0:
 *    the general path differentiates `tf.abs`, and the lean path must match it).
 *
 * The data loss value is the general path's own loss function, so the reported objective is the
 * same formula; only the gradient is written by hand. Labels whose shape differs from the output's
 * (class indices, `[n]` for a `[n, 1]` output) take the taped objective (same forward, tfjs
 * autodiff). Gradients are tested against autodiff of the general path in test/train/lean-dense-stack.test.ts.
 */
import * as tf from '@tensorflow/tfjs';
import seedrandom from 'seedrandom';
import type { LayerVariable } from '@tensorflow/tfjs-layers/dist/variables';
import { L1Regularizer, L2Regularizer, TfjsL1L2 } from '../regularizers';
import { weightPenaltyValue, type WeightRegularizer } from '../penalty';
import { biasGradient, customGradient, denseForward, l2PenaltyValue, matMul2d, mean as reduceMean, reluGrad } from './native-kernels';
import { ScalarCache } from './scalar-cache';
import { fusedBatchNormKernels, updateMovingStatistics, type FusedBatchNormSaved } from './native-batch-norm';

/** L1 and L2 coefficients of a penalty `l1·Σ|x| + l2·Σx²`. */
export interface PenaltyCoefficients {
  /** Coefficient of `Σ|x|` (0: none). */
  l1: number;
  /** Coefficient of `Σx²` (0: none). */
  l2: number;
}

/** The coefficients of an L1, L2 or L1L2 regularizer (layerwise's or tfjs's), else null (custom, orthogonal...). */
export function penaltyCoefficientsOf(regularizer: unknown): PenaltyCoefficients | null {
  if (regularizer instanceof L2Regularizer) return { l1: 0, l2: (regularizer.spec as { l2: number }).l2 };
  if (regularizer instanceof L1Regularizer) return { l1: (regularizer.spec as { l1: number }).l1, l2: 0 };
  if (regularizer instanceof TfjsL1L2) {
    const { l1, l2 } = regularizer as unknown as { l1: number; l2: number };
    if (typeof l1 === 'number' && typeof l2 === 'number') return { l1, l2 };
  }
  return null;
}

/** The output layer's activation and loss pairs the hand-written backward pass supports. */
export type DenseStackHead = 'softmax-categorical-crossentropy' | 'sigmoid-binary-crossentropy' | 'linear-mean-squared-error';

/** One Dense layer of a stack. */
interface StackDense {
  kind: 'dense';
  layer: tf.layers.Layer;
  kernel: LayerVariable;
  bias: LayerVariable | null;
  /** ReLU after the affine map (hidden layers only; the output layer's activation is in the head). */
  relu: boolean;
  kernelPenalty: PenaltyCoefficients | null;
  biasPenalty: PenaltyCoefficients | null;
  kernelRegularizer: unknown;
  biasRegularizer: unknown;
  /** Activity penalty on the layer's output (after its activation). */
  activityPenalty: PenaltyCoefficients | null;
  activityRegularizer: unknown;
}

/** One Dropout layer of a stack. */
interface StackDropout {
  kind: 'dropout';
  /** Fraction dropped, in (0, 1) (a rate of 0 or 1 makes tfjs's layer the identity: not listed). */
  rate: number;
  /** The layer's seed (undefined: one `Math.random()` draw per call, as tfjs). */
  seed: number | undefined;
}

/** One BatchNormalization layer of a stack (rank-2 inputs, last axis, scale and center). */
interface StackBatchNorm {
  kind: 'batchNorm';
  layer: tf.layers.Layer;
  gamma: LayerVariable;
  beta: LayerVariable;
  movingMean: LayerVariable;
  movingVariance: LayerVariable;
  /** Keras/tfjs default 0.99: moving ← moving − (moving − batch)·(1 − momentum). */
  momentum: number;
  /** Keras/tfjs default 1e-3, added to the variance. */
  epsilon: number;
}

type StackItem = StackDense | StackDropout | StackBatchNorm;

/** A Dense stack the hand-written pass covers. */
export interface DenseStackPlan {
  items: StackItem[];
  head: DenseStackHead;
}

/** Internals of tfjs-layers layers read here (protected in the typings; stable in tfjs 4.x). */
interface LayerInternals {
  activation?: { getClassName(): string; apply(x: tf.Tensor): tf.Tensor };
  activityRegularizer?: unknown;
  kernel?: LayerVariable;
  bias?: LayerVariable;
  useBias?: boolean;
  kernelRegularizer?: unknown;
  biasRegularizer?: unknown;
  rate?: number;
  seed?: number;
  noiseShape?: unknown;
  axis?: number;
  momentum?: number;
  epsilon?: number;
  center?: boolean;
  scale?: boolean;
  gamma?: LayerVariable;
  beta?: LayerVariable;
  movingMean?: LayerVariable;
  movingVariance?: LayerVariable;
  gammaRegularizer?: unknown;
  betaRegularizer?: unknown;
}

const HEAD_OF: Record<string, { activation: string; head: DenseStackHead }> = {
  categoricalCrossentropy: { activation: 'softmax', head: 'softmax-categorical-crossentropy' },
  binaryCrossentropy: { activation: 'sigmoid', head: 'sigmoid-binary-crossentropy' },
  meanSquaredError: { activation: 'linear', head: 'linear-mean-squared-error' },
};

function activationName(layer: LayerInternals): string {
  return layer.activation?.getClassName() ?? 'linear';
}

/**
 * The stack plan of `model` for `lossName`, or the reason it is not a Dense stack the hand-written
 * pass covers (the caller then tries the taped lean objective, then the general path).
 * `oneHotLabels`: the training labels are one-hot rows (needed by the softmax head's fused kernel).
 */
export function planDenseStack(model: tf.LayersModel, lossName: string | undefined, oneHotLabels: boolean): { plan: DenseStackPlan; reason?: undefined } | { plan: null; reason: string } {
  const no = (reason: string) => ({ plan: null, reason }) as const;
  if (model.getClassName() !== 'Sequential') return no('not a Sequential');
  const expected = denseStackHeadOf(lossName, oneHotLabels);
  if (expected.head == null) return no(expected.reason);
  const layers = model.layers.filter((layer) => layer.getClassName() !== 'InputLayer');
  const planned = planDenseLayers(layers, (layer) => model.layers.indexOf(layer), expected.head);
  if (planned.plan == null) return planned;
  const { items } = planned.plan;
  // The only non-trainable weights allowed are the moving statistics of the stack's BatchNormalization layers.
  const statistics = new Set<unknown>(items.flatMap((item) => (item.kind === 'batchNorm' ? [item.movingMean, item.movingVariance] : [])));
  if (model.nonTrainableWeights.some((weight) => !statistics.has(weight))) return no('the model has frozen weights');
  return planned;
}

/** The head (output activation + loss) the hand-written pass has for `lossName`, or null (with the one-hot requirement of the softmax head). */
export function denseStackHeadOf(lossName: string | undefined, oneHotLabels: boolean): { head: DenseStackHead; reason?: undefined } | { head: null; reason: string } {
  const expected = lossName == null ? undefined : HEAD_OF[lossName];
  if (expected == null) return { head: null, reason: `loss ${lossName ?? '(custom function)'} has no hand-written head` };
  if (expected.head === 'softmax-categorical-crossentropy' && !oneHotLabels) return { head: null, reason: 'labels are not one-hot' };
  return { head: expected.head };
}

/**
 * The stack plan of a chain of layers (Dense, Dropout, BatchNormalization, ending in the Dense
 * output layer of `head`), e.g. the layers after a recurrent layer (lib/train/lean-recurrent-stack.ts).
 * `positionOf` gives a layer's index in its model, for reasons. Frozen weights are the caller's check.
 */
export function planDenseLayers(layers: tf.layers.Layer[], positionOf: (layer: tf.layers.Layer) => number, head: DenseStackHead): { plan: DenseStackPlan; reason?: undefined } | { plan: null; reason: string } {
  const no = (reason: string) => ({ plan: null, reason }) as const;
  const expected = Object.values(HEAD_OF).find((candidate) => candidate.head === head) as { activation: string; head: DenseStackHead };
  const items: StackItem[] = [];
  for (let index = 0; index < layers.length; index++) {
    const layer = layers[index] as unknown as LayerInternals & tf.layers.Layer;
    const className = layer.getClassName();
    const last = index === layers.length - 1;
    const position = positionOf(layer);
    if (className === 'Dropout') {
      if (last) return no(`layer #${position} (Dropout) is the output layer`);
      if (layer.noiseShape != null) return no(`layer #${position} (Dropout) has a noise shape`);
      if (layer.activityRegularizer != null) return no(`layer #${position} (Dropout) has an activity regularizer`);
      const rate = layer.rate as number;
      // tfjs's Dropout is the identity at rate 0 (and clamps 1 to 1, which it also passes through).
      if (rate > 0 && rate < 1) items.push({ kind: 'dropout', rate, seed: layer.seed });
      continue;
    }
    if (className === 'BatchNormalization') {
      if (last) return no(`layer #${position} (BatchNormalization) is the output layer`);
      if ((layer.input as tf.SymbolicTensor).shape.length !== 2 || (layer.axis !== -1 && layer.axis !== 1)) return no(`layer #${position} (BatchNormalization) normalizes other than the features of rank-2 inputs`);
      if (!layer.scale || !layer.center) return no(`layer #${position} (BatchNormalization) has no scale or no center`);
      if (layer.gammaRegularizer != null || layer.betaRegularizer != null || layer.activityRegularizer != null) return no(`layer #${position} (BatchNormalization) has a regularizer`);
      if (!layer.trainable) return no(`layer #${position} (BatchNormalization) is frozen`);
      items.push({
        kind: 'batchNorm',
        layer,
        gamma: layer.gamma as LayerVariable,
        beta: layer.beta as LayerVariable,
        movingMean: layer.movingMean as LayerVariable,
        movingVariance: layer.movingVariance as LayerVariable,
        momentum: layer.momentum as number,
        epsilon: layer.epsilon as number,
      });
      continue;
    }
    if (className !== 'Dense') return no(`layer #${position} is a ${className}`);
    if ((layer.input as tf.SymbolicTensor).shape.length !== 2) return no(`layer #${position} (Dense) has inputs of rank other than 2`);
    const activation = activationName(layer);
    if (last ? activation !== expected.activation : activation !== 'relu' && activation !== 'linear') return no(`layer #${position} (Dense) has activation ${activation}`);
    const kernelPenalty = layer.kernelRegularizer == null ? null : penaltyCoefficientsOf(layer.kernelRegularizer);
    const biasPenalty = layer.biasRegularizer == null || !layer.useBias ? null : penaltyCoefficientsOf(layer.biasRegularizer);
    const activityPenalty = layer.activityRegularizer == null ? null : penaltyCoefficientsOf(layer.activityRegularizer);
    if ((layer.kernelRegularizer != null && kernelPenalty == null) || (layer.useBias && layer.biasRegularizer != null && biasPenalty == null)) {
      return no(`layer #${position} (Dense) has a weight penalty other than L1, L2 or L1L2`);
    }
    if (layer.activityRegularizer != null && activityPenalty == null) return no(`layer #${position} (Dense) has an activity regularizer other than L1, L2 or L1L2`);
    items.push({
      kind: 'dense',
      layer,
      kernel: layer.kernel as LayerVariable,
      bias: layer.useBias ? (layer.bias as LayerVariable) : null,
      relu: !last && activation === 'relu',
      kernelPenalty,
      biasPenalty,
      kernelRegularizer: layer.kernelRegularizer,
      biasRegularizer: layer.biasRegularizer,
      activityPenalty,
      activityRegularizer: layer.activityRegularizer,
    });
  }
  if (items.length === 0 || items[items.length - 1].kind !== 'dense') return no('the stack does not end in a Dense layer');
  return { plan: { items, head: expected.head } };
}

/** What the hand-written Dense-stack pass covers, for `generalPathReason` messages. */
export const DENSE_STACK_COVERAGE =
  'Dense(ReLU or linear) layers with L1/L2/L1L2 kernel, bias and activity penalties, Dropout and BatchNormalization between them, ending in Dense(softmax) + categorical cross-entropy on one-hot labels, Dense(sigmoid) + binary cross-entropy or Dense(linear) + mean squared error';

/** tfjs's `epsilon()` (float32): binary and categorical cross-entropy clip p to [ε, 1−ε]. */
const CLIP_EPSILON = 1e-7;

/** What a training step needs from a planned stack; `dispose()` frees its kept scalars. */
export interface DenseStackObjective {
  /** The objective, taped (tfjs autodiff differentiates it): the general path's forward with the lean kernels. */
  objective(x: tf.Tensor, y: tf.Tensor): tf.Scalar;
  /** The objective and its gradient per variable name, by the hand-written backward pass. */
  valueAndGradients(x: tf.Tensor, y: tf.Tensor): { value: tf.Scalar; grads: Record<string, tf.Tensor> };
  /**
   * As `valueAndGradients`, plus d(objective)/d(stack input) (for a layer before the stack, e.g. a
   * recurrent layer). Labels must have the output's shape (`handlesLabels`).
   */
  valueGradientsAndInputGradient(input: tf.Tensor, y: tf.Tensor): { value: tf.Scalar; grads: Record<string, tf.Tensor>; inputGradient: tf.Tensor2D };
  /** Whether the hand-written pass takes these labels (shape of the output, float32); else only the taped `objective`. */
  handlesLabels(input: tf.Tensor, y: tf.Tensor): boolean;
  dispose(): void;
}

/**
 * The objective of a planned stack. `lossFunction`: the general path's loss (tfjs-layers' formula),
 * used for the value; `softmaxCrossEntropy`: the fused, clipped per-sample cross-entropy of the
 * softmax head and its gradient per sample (lib/train/fast-objective.ts).
 */
export function denseStackObjective(
  plan: DenseStackPlan,
  lossFunction: (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Tensor,
  softmaxCrossEntropy: (logits: tf.Tensor2D, labels: tf.Tensor2D) => { loss: tf.Tensor1D; backprop: tf.Tensor2D },
): DenseStackObjective {
  const scalars = new ScalarCache();
  const { items, head } = plan;
  const denseItems = items.filter((item): item is StackDense => item.kind === 'dense');
  const variables = items.flatMap((item) => {
    if (item.kind === 'dense') return [item.kernel.read() as tf.Variable, ...(item.bias != null ? [item.bias.read() as tf.Variable] : [])];
    if (item.kind === 'batchNorm') return [item.gamma.read() as tf.Variable, item.beta.read() as tf.Variable];
    return [];
  });
  const hasBatchNorm = items.some((item) => item.kind === 'batchNorm');
  // On the native backend each BatchNormalization is TensorFlow's fused pair of kernels (one forward,
  // one backward, over the [N, 1, 1, C] view) instead of ~30 small ops; elsewhere the formulas below.
  const fusedNorms = new Map<StackBatchNorm, NonNullable<ReturnType<typeof fusedBatchNormKernels>>>();
  for (const item of items) {
    if (item.kind !== 'batchNorm') continue;
    const kernels = fusedBatchNormKernels(item.epsilon);
    if (kernels != null) fusedNorms.set(item, kernels);
  }
  /** The first layer with weights: the backward pass stops there (the data input needs no gradient). */
  const firstWeighted = items.findIndex((item) => item.kind !== 'dropout');

  // Per Dropout rate, 1/keep as this backend's float32 division gives it (one read, at planning).
  const keptValues = new Map<number, number>();
  const dropoutMultiplier = (shape: number[], item: StackDropout): tf.Tensor => {
    let kept = keptValues.get(item.rate);
    if (kept == null) {
      kept = tf.tidy(() => tf.div(tf.ones([1]), 1 - item.rate).dataSync()[0]);
      keptValues.set(item.rate, kept);
    }
    return drawDropoutMultiplier(shape, item.rate, item.seed, kept);
  };

  /** `nonNegative`: w >= 0 everywhere (a ReLU output), so Σ|w| is Σw (one kernel fewer, the same sum). */
  const penaltyValue = (w: tf.Tensor, coefficients: PenaltyCoefficients, nonNegative = false): tf.Scalar => {
    const { l1, l2 } = coefficients;
    let value: tf.Scalar | null = null;
    if (l1 !== 0) value = tf.mul(tf.sum(nonNegative ? w : tf.abs(w)), scalars.of(l1)) as tf.Scalar;
    if (l2 !== 0) {
      const squares = l2PenaltyValue(w, scalars.of(l2), scalars.of(2 * l2));
      value = value == null ? squares : (tf.add(value, squares) as tf.Scalar);
    }
    return value ?? (scalars.of(0) as tf.Scalar);
  };

  /** `d(l1·Σ|w| + l2·Σw²)/dw · scale`, with tfjs's abs gradient (step(w, −1)). */
  const penaltyGradient = (w: tf.Tensor, coefficients: PenaltyCoefficients, scale = 1): tf.Tensor | null => {
    const { l1, l2 } = coefficients;
    let gradient: tf.Tensor | null = null;
    if (l1 !== 0) gradient = tf.mul(tf.step(w, -1), scalars.of(l1 * scale));
    if (l2 !== 0) {
      const squares = tf.mul(w, scalars.of(2 * l2 * scale));
      gradient = gradient == null ? squares : tf.add(gradient, squares);
    }
    return gradient;
  };

  const objective = (x: tf.Tensor, y: tf.Tensor): tf.Scalar => {
    // The general path's forward, op by op (autodiff-able): the fallback for labels of another shape.
    let h = x;
    const penalties: tf.Scalar[] = [];
    for (const item of items) {
      if (item.kind === 'dropout') {
        h = tf.mul(h, dropoutMultiplier(h.shape, item));
        continue;
      }
      if (item.kind === 'batchNorm') {
        // tfjs's own training-mode call: batch statistics and the moving-average updates.
        h = item.layer.apply(h, { training: true }) as tf.Tensor;
        continue;
      }
      let z = tf.matMul(h as tf.Tensor2D, item.kernel.read() as tf.Tensor2D);
      if (item.bias != null) z = tf.add(z, item.bias.read());
      h = (item.layer as unknown as LayerInternals).activation?.apply(z) ?? z;
      if (item.activityRegularizer != null) penalties.push(tf.div(weightPenaltyValue(item.activityRegularizer as WeightRegularizer, h), scalars.of(h.shape[0] || 1)) as tf.Scalar);
    }
    let total = tf.mean(lossFunction(y, h)) as tf.Scalar;
    for (const item of denseItems) {
      if (item.kernelRegularizer != null) total = tf.add(total, weightPenaltyValue(item.kernelRegularizer as WeightRegularizer, item.kernel.read())) as tf.Scalar;
      if (item.bias != null && item.biasRegularizer != null) total = tf.add(total, weightPenaltyValue(item.biasRegularizer as WeightRegularizer, item.bias.read())) as tf.Scalar;
    }
    for (const penalty of penalties) total = tf.add(total, penalty) as tf.Scalar;
    return total;
  };

  const handWritten = (x: tf.Tensor, y: tf.Tensor, wantInputGradient = false): { value: tf.Scalar; grads: Record<string, tf.Tensor>; inputGradient?: tf.Tensor2D } => {
    const count = x.shape[0];
    // Forward: each Dense layer's input and output, each Dropout's multiplier.
    const inputs: tf.Tensor2D[] = [];
    const outputs: tf.Tensor2D[] = [];
    const multipliers: tf.Tensor[] = [];
    // Per BatchNormalization layer, in order: the normalized input x̂ and 1/√(σ² + ε), or the fused kernel's saved statistics.
    const normalized: Array<{ xHat: tf.Tensor2D; inverseDeviation: tf.Tensor } | { fused: FusedBatchNormSaved }> = [];
    let h = x as tf.Tensor2D;
    let penaltyTotal: tf.Scalar | null = null;
    const addPenalty = (value: tf.Scalar) => {
      penaltyTotal = penaltyTotal == null ? value : (tf.add(penaltyTotal, value) as tf.Scalar);
    };
    for (const item of items) {
      if (item.kind === 'dropout') {
        const multiplier = dropoutMultiplier(h.shape, item);
        multipliers.push(multiplier);
        h = tf.mul(h, multiplier);
        continue;
      }
      if (item.kind === 'batchNorm') {
        const kernels = fusedNorms.get(item);
        if (kernels != null) {
          const [rows, channels] = h.shape;
          const { y, saved } = kernels.forward(tf.reshape(h, [rows, 1, 1, channels]), item.gamma.read(), item.beta.read());
          updateMovingStatistics(item, saved.mean, saved.variance);
          normalized.push({ fused: saved });
          h = tf.reshape(y, [rows, channels]) as tf.Tensor2D;
          continue;
        }
        const { mean, variance } = tf.moments(h, 0);
        const inverseDeviation = tf.rsqrt(tf.add(variance, scalars.of(item.epsilon)));
        const xHat = tf.mul(tf.sub(h, mean), inverseDeviation) as tf.Tensor2D;
        normalized.push({ xHat, inverseDeviation });
        h = tf.add(tf.mul(xHat, item.gamma.read()), item.beta.read()) as tf.Tensor2D;
        // tfjs's update, same formula and order: moving − (moving − batch)·(1 − momentum), mean first.
        for (const [variable, value] of [
          [item.movingMean, mean],
          [item.movingVariance, variance],
        ] as const) {
          tf.tidy(() => {
            const current = variable.read();
            variable.write(tf.sub(current, tf.mul(tf.sub(current, value), 1 - item.momentum)));
          });
        }
        continue;
      }
      inputs.push(h);
      h = denseForward(h, item.kernel.read() as tf.Tensor2D, item.bias?.read(), item.relu);
      outputs.push(h);
    }
    const last = outputs.length - 1;
    const units = h.shape[1];
    // The data loss and its gradient with respect to the output layer's pre-activation.
    let dataLoss: tf.Scalar;
    let dz: tf.Tensor2D;
    const outputPenalty = denseItems[last].activityPenalty;
    // The activated output, needed by the sigmoid head and by an activity penalty on the output layer.
    let outputActivation: tf.Tensor | null = head === 'linear-mean-squared-error' ? h : null;
    if (head === 'softmax-categorical-crossentropy') {
      if (outputPenalty != null) outputActivation = tf.softmax(h);
      const { loss, backprop } = softmaxCrossEntropy(h, y as tf.Tensor2D);
      dataLoss = reduceMean(loss, [0]) as tf.Scalar;
      dz = tf.mul(backprop, scalars.of(1 / count));
    } else if (head === 'sigmoid-binary-crossentropy') {
      const p = tf.sigmoid(h);
      outputActivation = p;
      dataLoss = tf.mean(lossFunction(y, p)) as tf.Scalar;
      const clipped = tf.clipByValue(p, CLIP_EPSILON, 1 - CLIP_EPSILON);
      // tfjs's clipByValue passes the gradient where min <= p <= max (inclusive), else 0.
      const inside = tf.cast(tf.equal(clipped, p), 'float32');
      dz = tf.mul(tf.mul(tf.sub(p, y), inside), scalars.of(1 / (count * units))) as tf.Tensor2D;
    } else {
      dataLoss = tf.mean(lossFunction(y, h)) as tf.Scalar;
      dz = tf.mul(tf.sub(h, y), scalars.of(2 / (count * units))) as tf.Tensor2D;
    }
    if (outputPenalty != null) {
      // d(activity penalty)/d(pre-activation): the penalty's gradient on the activated output, back through the activation.
      const p = outputActivation as tf.Tensor2D;
      const g = penaltyGradient(p, outputPenalty, count === 0 ? 0 : 1 / count) as tf.Tensor2D;
      let dActivity: tf.Tensor = g;
      if (head === 'sigmoid-binary-crossentropy') dActivity = tf.mul(g, tf.mul(p, tf.sub(scalars.of(1), p)));
      // Softmax's vector-Jacobian product, as tfjs's softmax gradient: (g − Σ g·p) · p per row.
      else if (head === 'softmax-categorical-crossentropy') dActivity = tf.mul(tf.sub(g, tf.sum(tf.mul(g, p), -1, true)), p);
      dz = tf.add(dz, dActivity) as tf.Tensor2D;
    }
    // Penalties: weights in layer order (kernel, bias), then activity, as the general path sums them.
    for (const item of denseItems) {
      if (item.kernelPenalty != null) addPenalty(penaltyValue(item.kernel.read(), item.kernelPenalty));
      if (item.bias != null && item.biasPenalty != null) addPenalty(penaltyValue(item.bias.read(), item.biasPenalty));
    }
    // The output layer's activity penalty is on its activated output (probabilities for softmax/sigmoid).
    const activated = (index: number): tf.Tensor2D => (index === last ? (outputActivation as tf.Tensor2D) : outputs[index]);
    denseItems.forEach((item, index) => {
      if (item.activityPenalty != null) addPenalty(tf.mul(penaltyValue(activated(index), item.activityPenalty, index !== last && item.relu), scalars.of(count === 0 ? 0 : 1 / count)) as tf.Scalar);
    });
    const value = (penaltyTotal == null ? dataLoss : tf.add(dataLoss, penaltyTotal)) as tf.Scalar;

    // Backward, from the output layer to the first; `upstream` is d(objective)/d(current tensor).
    const grads: Record<string, tf.Tensor> = {};
    const withPenalty = (gradient: tf.Tensor, w: tf.Tensor, coefficients: PenaltyCoefficients | null): tf.Tensor => {
      const extra = coefficients == null ? null : penaltyGradient(w, coefficients);
      return extra == null ? gradient : tf.add(gradient, extra);
    };
    let denseIndex = last;
    let dropoutIndex = multipliers.length - 1;
    let normalizedIndex = normalized.length - 1;
    let upstream: tf.Tensor2D | null = null;
    // Nothing before the first layer with weights needs a gradient (the data input), unless the caller asks for the input's.
    const lowest = wantInputGradient ? 0 : firstWeighted;
    const needsUpstream = (position: number) => wantInputGradient || position > firstWeighted;
    for (let position = items.length - 1; position >= lowest; position--) {
      const item = items[position];
      if (item.kind === 'dropout') {
        upstream = tf.mul(upstream as tf.Tensor2D, multipliers[dropoutIndex--]) as tf.Tensor2D;
        continue;
      }
      if (item.kind === 'batchNorm') {
        // y = γ·x̂ + β with x̂ = (x − μ)/σ over the batch: dγ = Σ dy·x̂, dβ = Σ dy,
        // dx = (1/σ)·(dx̂ − mean(dx̂) − x̂·mean(dx̂·x̂)) with dx̂ = dy·γ (μ and σ depend on x).
        const saved = normalized[normalizedIndex--];
        const dy = upstream as tf.Tensor2D;
        const gamma = item.gamma.read() as tf.Variable;
        if ('fused' in saved) {
          const [rows, channels] = dy.shape;
          const [dx, dGamma, dBeta] = (fusedNorms.get(item) as NonNullable<ReturnType<typeof fusedBatchNormKernels>>).backward(tf.reshape(dy, [rows, 1, 1, channels]), gamma, saved.fused);
          grads[gamma.name] = dGamma;
          grads[(item.beta.read() as tf.Variable).name] = dBeta;
          if (needsUpstream(position)) upstream = tf.reshape(dx, [rows, channels]) as tf.Tensor2D;
          continue;
        }
        const { xHat, inverseDeviation } = saved;
        grads[gamma.name] = tf.sum(tf.mul(dy, xHat), 0);
        grads[(item.beta.read() as tf.Variable).name] = tf.sum(dy, 0);
        if (needsUpstream(position)) {
          const dXHat = tf.mul(dy, gamma);
          upstream = tf.mul(tf.sub(tf.sub(dXHat, tf.mean(dXHat, 0)), tf.mul(xHat, tf.mean(tf.mul(dXHat, xHat), 0))), inverseDeviation) as tf.Tensor2D;
        }
        continue;
      }
      let dOutput: tf.Tensor2D;
      if (denseIndex === last) dOutput = dz;
      else {
        let dActivation = upstream as tf.Tensor2D;
        if (item.activityPenalty != null) {
          const scale = count === 0 ? 0 : 1 / count;
          let activityGradient: tf.Tensor | null;
          if (item.relu) {
            // ReluGrad below keeps only the entries where the output is > 0, and there tfjs's abs
            // gradient step(h, −1) is 1: the L1 term is the scalar l1·scale (bit-identical after ReluGrad).
            const { l1, l2 } = item.activityPenalty;
            const l1Term = l1 !== 0 ? scalars.of(l1 * scale) : null;
            const l2Term = l2 !== 0 ? tf.mul(outputs[denseIndex], scalars.of(2 * l2 * scale)) : null;
            activityGradient = l2Term != null && l1Term != null ? tf.add(l1Term, l2Term) : (l2Term ?? l1Term);
          } else {
            activityGradient = penaltyGradient(outputs[denseIndex], item.activityPenalty, scale);
          }
          if (activityGradient != null) dActivation = tf.add(dActivation, activityGradient);
        }
        dOutput = item.relu ? (reluGrad(dActivation, outputs[denseIndex]) as tf.Tensor2D) : dActivation;
      }
      const kernel = item.kernel.read() as tf.Variable;
      grads[kernel.name] = withPenalty(matMul2d(inputs[denseIndex], dOutput, true, false), kernel, item.kernelPenalty);
      if (item.bias != null) {
        const bias = item.bias.read() as tf.Variable;
        grads[bias.name] = withPenalty(biasGradient(dOutput), bias, item.biasPenalty);
      }
      if (needsUpstream(position)) upstream = matMul2d(dOutput, kernel as unknown as tf.Tensor2D, false, true);
      denseIndex--;
    }
    if (wantInputGradient) return { value, grads, inputGradient: upstream as tf.Tensor2D };
    return { value, grads };
  };

  return {
    objective: (x, y) => {
      // The hand-written pass as one taped op when the labels fit it; else the op-by-op forward.
      // (BatchNormalization writes its moving statistics in the forward pass: not inside a custom op.)
      if (!sameShape(x, y, plan) || hasBatchNorm) return objective(x, y);
      const op = customGradient<(...weights: tf.Tensor[]) => tf.Scalar>((...args: unknown[]) => {
        const save = args[args.length - 1] as tf.GradSaveFunc;
        const { value, grads } = handWritten(x, y);
        // Saved: the engine keeps them for the backward pass (the forward's scope frees everything else).
        save(variables.map((variable) => grads[variable.name]));
        return { value, gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => saved.map((gradient) => tf.mul(gradient, dy)) };
      });
      return op(...variables);
    },
    valueAndGradients: (x, y) => {
      if (sameShape(x, y, plan)) return handWritten(x, y);
      const { value, grads } = tf.variableGrads(() => objective(x, y), variables);
      return { value, grads };
    },
    valueGradientsAndInputGradient: (input, y) => {
      if (!sameShape(input, y, plan)) throw new Error('valueGradientsAndInputGradient: the labels must have the output\'s shape (check handlesLabels first)');
      return handWritten(input, y, true) as { value: tf.Scalar; grads: Record<string, tf.Tensor>; inputGradient: tf.Tensor2D };
    },
    handlesLabels: (input, y) => sameShape(input, y, plan),
    dispose: () => {
      scalars.dispose();
      fusedNorms.forEach((kernels) => kernels.dispose());
    },
  };
}

/**
 * tfjs's Dropout multiplier `floor(u + keep) / keep` (`tf.dropout`: u = `tf.randomUniform(shape, 0, 1,
 * 'float32', seed)`, keep = 1 − rate), computed in JS while the uniform numbers are drawn, with the
 * same draws (seedrandom's alea seeded with `seed`, or one `Math.random()` draw when it is undefined,
 * as tfjs's UniformRandom does) and the same float32 arithmetic: u is rounded to float32, the floor of
 * u + keep rounded to float32 is 1 exactly when u clears a threshold (below), and the quotient is
 * `keptValue`, the backend's own float32 1/keep. Bit-identical to tfjs's
 * three kernels (test/train/lean-dense-stack.test.ts), without them: one tensor made from JS instead.
 */
export function drawDropoutMultiplier(shape: number[], rate: number, seed: number | undefined, keptValue: number): tf.Tensor {
  const random = seedrandom.alea(String(seed ?? Math.random()));
  const keep = Math.fround(1 - rate);
  // fround(u + keep) >= 1 exactly when the real sum is >= 1 − 2^−25 (the midpoint below 1, which
  // rounds up: ties to even), i.e. u >= threshold, computed exactly in double. Branch-free: a
  // data-dependent branch here costs more than TensorFlow's three kernels.
  const threshold = 1 - 2 ** -25 - keep;
  const size = shape.reduce((product, length) => product * length, 1);
  const values = new Float32Array(size);
  for (let index = 0; index < size; index++) values[index] = +(Math.fround(random()) >= threshold) * keptValue;
  return tf.tensor(values, shape, 'float32');
}

/** Whether the labels have the output's shape (the hand-written loss gradients assume no broadcasting). */
function sameShape(x: tf.Tensor, y: tf.Tensor, plan: DenseStackPlan): boolean {
  const last = plan.items[plan.items.length - 1] as StackDense;
  const units = (last.kernel.shape as number[])[1];
  return y.rank === 2 && y.shape[0] === x.shape[0] && y.shape[1] === units && y.dtype === 'float32';
}
