/**
 * BatchNormalization in training mode as TensorFlow's fused kernels, for the taped lean objective
 * (lib/train/fast-objective.ts): `FusedBatchNormV3` (is_training) forward and
 * `FusedBatchNormGradV3` backward, one kernel each, where tfjs's layer call runs `tf.moments`, the
 * normalization and, under autodiff, ~40 small kernels over the whole activation (the zoo's
 * cnn-bn spent ~70% of its step there).
 *
 * Same function as tfjs's (and Keras 3's) layer: y = γ·(x − μ)/√(σ² + ε) + β with μ, σ² the batch
 * mean and biased variance over every axis but the last (channels), and the moving statistics
 * updated in the forward pass with tfjs's formula `moving − (moving − batch)·(1 − momentum)`, mean
 * first, from the kernel's saved mean and biased variance (`reserve_space_1`, `reserve_space_2`;
 * its `batch_variance` output is the Bessel-corrected one, which Keras does not use). Inputs of any
 * rank >= 2 are viewed as NHWC ([N, 1, rest, C]). Gradients are tested against autodiff of the
 * general path in test/train/lean-layer-call.test.ts.
 */
import * as tf from '@tensorflow/tfjs';
import type { LayerVariable } from '@tensorflow/tfjs-layers/dist/variables';
import { nativeBackend, type NativeBackend } from '../backend/native-ops';
import { customGradient } from './native-kernels';

/** One BatchNormalization layer's weights and settings (last axis, scale and center). */
export interface FusedBatchNormArgs {
  gamma: LayerVariable;
  beta: LayerVariable;
  movingMean: LayerVariable;
  movingVariance: LayerVariable;
  /** Keras/tfjs default 0.99. */
  momentum: number;
  /** Keras/tfjs default 1e-3. */
  epsilon: number;
}

function attrs(native: NativeBackend, epsilon: number): unknown[] {
  const binding = native.binding as unknown as { TF_ATTR_FLOAT: number };
  return [
    { name: 'T', type: native.binding.TF_ATTR_TYPE, value: native.binding.TF_FLOAT },
    { name: 'U', type: native.binding.TF_ATTR_TYPE, value: native.binding.TF_FLOAT },
    { name: 'epsilon', type: binding.TF_ATTR_FLOAT, value: epsilon },
    { name: 'exponential_avg_factor', type: binding.TF_ATTR_FLOAT, value: 1 },
    { name: 'data_format', type: native.binding.TF_ATTR_STRING, value: 'NHWC' },
    { name: 'is_training', type: native.binding.TF_ATTR_BOOL, value: true },
  ];
}

/** The saved batch statistics of one fused forward, which its backward needs. */
export interface FusedBatchNormSaved {
  /** The input, as given to the forward ([N, H, W, C]). */
  x: tf.Tensor;
  /** Batch mean per channel (`reserve_space_1`). */
  mean: tf.Tensor;
  /** Biased batch variance per channel (`reserve_space_2`), the one tfjs and Keras use. */
  variance: tf.Tensor;
  /** The kernel's opaque workspace (`reserve_space_3`). */
  reserve: tf.Tensor;
}

/**
 * TensorFlow's training-mode BatchNormalization kernels without a gradient of their own, for
 * hand-written backward passes (lib/train/lean-dense-stack.ts) and the taped step below. Null off the
 * native backend. Inputs are NHWC ([N, H, W, C]); `dispose()` frees the kept empty statistics tensor.
 */
export function fusedBatchNormKernels(epsilon: number): {
  /** y = γ·(x − μ)/√(σ² + ε) + β with batch μ, σ²; the statistics are returned for the moving averages and the backward. */
  forward(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor): { y: tf.Tensor; saved: FusedBatchNormSaved };
  /** d/dx, d/dγ, d/dβ of Σ dy·y (μ and σ² depend on x). */
  backward(dy: tf.Tensor, gamma: tf.Tensor, saved: FusedBatchNormSaved): [tf.Tensor, tf.Tensor, tf.Tensor];
  dispose(): void;
} | null {
  const native = nativeBackend();
  if (native == null) return null;
  const attributes = attrs(native, epsilon);
  const gradAttributes = attributes.filter((attr) => (attr as { name: string }).name !== 'exponential_avg_factor');
  let empty: tf.Tensor | null = null;
  return {
    forward: (x, gamma, beta) => {
      empty ??= tf.keep(tf.tensor1d([], 'float32'));
      const [y, batchMean, batchVariance, mean, variance, reserve] = native.executeMultipleOutputs('FusedBatchNormV3', attributes, [x, gamma, beta, empty, empty], 6);
      tf.dispose([batchMean, batchVariance]);
      return { y, saved: { x, mean, variance, reserve } };
    },
    backward: (dy, gamma, saved) => {
      const outputs = native.executeMultipleOutputs('FusedBatchNormGradV3', gradAttributes, [dy, saved.x, gamma, saved.mean, saved.variance, saved.reserve], 5);
      tf.dispose(outputs.slice(3));
      return outputs.slice(0, 3) as [tf.Tensor, tf.Tensor, tf.Tensor];
    },
    dispose: () => {
      empty?.dispose();
      empty = null;
    },
  };
}

/** tfjs's moving-average update, same formula and order: moving − (moving − batch)·(1 − momentum), the mean first. */
export function updateMovingStatistics(args: Pick<FusedBatchNormArgs, 'movingMean' | 'movingVariance' | 'momentum'>, mean: tf.Tensor, variance: tf.Tensor): void {
  for (const [variable, batch] of [
    [args.movingMean, mean],
    [args.movingVariance, variance],
  ] as const) {
    tf.tidy(() => {
      const current = variable.read();
      variable.write(tf.sub(current, tf.mul(tf.sub(current, batch), 1 - args.momentum)));
    });
  }
}

/**
 * A training-mode BatchNormalization step on the native backend (null elsewhere: the caller runs the
 * layer's own call). `dispose()` frees the kept empty statistics tensor.
 */
export function fusedBatchNormStep(args: FusedBatchNormArgs): { step: (x: tf.Tensor) => tf.Tensor; dispose(): void } | null {
  const kernels = fusedBatchNormKernels(args.epsilon);
  if (kernels == null) return null;
  const op = customGradient<(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor) => tf.Tensor>((x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, save: tf.GradSaveFunc) => {
    const { y, saved } = kernels.forward(x, gamma, beta);
    updateMovingStatistics(args, saved.mean, saved.variance);
    save([x, gamma, saved.mean, saved.variance, saved.reserve]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, kept: tf.Tensor[]) => kernels.backward(dy, kept[1], { x: kept[0], mean: kept[2], variance: kept[3], reserve: kept[4] }),
    };
  });
  return {
    step: (x: tf.Tensor) => {
      const shape = x.shape;
      const channels = shape[shape.length - 1];
      const inner = shape.length === 4 ? x : tf.reshape(x, [shape[0], 1, shape.slice(1, -1).reduce((product, size) => product * size, 1), channels]);
      const y = op(inner, args.gamma.read(), args.beta.read());
      return shape.length === 4 ? y : tf.reshape(y, shape);
    },
    dispose: () => kernels.dispose(),
  };
}
