/**
 * TensorFlow kernels tfjs does not use, reached through tfjs-node's backend when it is active, with
 * pure tfjs fallbacks for the other backends (each backend stays bit-reproducible):
 *  - `ReluGrad(dy, y)`: ReLU's gradient in one kernel (tfjs builds it from Step + Cast + Multiply).
 *  - `SoftmaxCrossEntropyWithLogits(logits, labels)`: per-sample loss and its gradient
 *    `softmax(logits) − labels` in one kernel; what Keras uses for softmax + categorical
 *    cross-entropy (Keras computes the loss from the softmax's logits).
 *  - `BiasAdd` / `BiasAddGrad`: a channel bias and its gradient in one kernel each (tfjs uses a
 *    broadcasting Add and a Sum + Reshape).
 *  - 2-D products as one `MatMul` call with its transpose attributes (tfjs reshapes both operands
 *    to 3-D and back: 4 kernel calls), the op Keras's Dense runs. TensorFlow 2.21's eager `MatMul`
 *    kernel aborts the process (segfault, heap corruption) under V8's sampling profiler
 *    (`node --cpu-prof`, e.g. a loop of [128, 784]·[784, 256] products), with or without oneDNN, so a
 *    process started with a profiler flag gets `BatchMatMulV2` (same values, more CPU per call).
 *  - oneDNN max pooling (`_MklNativeMaxPool` with its workspace, `_MklNativeMaxPoolGrad`), the kernels
 *    Keras's graph runs after TensorFlow's oneDNN rewrite: the backward pass reads the workspace
 *    instead of recomputing the pooling (Eigen's `MaxPoolGrad`: ~3 ms vs ~0.2 ms on the bench CNN).
 *    Same first-maximum tie rule as `MaxPoolGrad`. Eager ops only reach these label-registered
 *    kernels with the `_kernel: MklNameChangeOp` attribute; whether the loaded libtensorflow has them
 *    is probed once per backend (`oneDnnPoolingAvailable`), else `MaxPool`/`MaxPoolGrad` are used.
 * All are wrapped in `tf.customGrad`, so they sit on the gradient tape like any op.
 */
import * as tf from '@tensorflow/tfjs';

import { nativeBackend, type NativeBackend } from '../backend/native-ops';

export { nativeBackend };

function floatAttr(native: NativeBackend): unknown[] {
  return [{ name: 'T', type: native.binding.TF_ATTR_TYPE, value: native.binding.TF_FLOAT }];
}

function stringAttr(native: NativeBackend, name: string, value: string): unknown {
  return { name, type: native.binding.TF_ATTR_STRING, value };
}

/** `tf.customGrad` with the inputs typed as tensors (tfjs types them as `Tensor | GradSaveFunc`). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function customGradient<F extends (...inputs: tf.Tensor[]) => tf.Tensor>(body: (...args: any[]) => { value: tf.Tensor; gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor | tf.Tensor[] }): F {
  return tf.customGrad(body as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as F;
}

/**
 * The body of a layer op with its own gradient: (input, kernel, bias or null, save) → its value and
 * a gradient function returning dInput (unless the input is data), dKernel, then dBias (with a bias).
 */
export type KernelOpBody = (
  input: tf.Tensor,
  weights: tf.Tensor,
  biasValue: tf.Tensor | null,
  save: tf.GradSaveFunc,
) => { value: tf.Tensor; gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor | tf.Tensor[] };

/**
 * Runs `body` on the gradient tape with the kernel and the bias (when given) as its inputs, and the
 * input too unless `inputIsData`: a first layer's input is data, whose gradient is never asked for,
 * so leaving it off the op saves the product that would compute it.
 */
export function kernelOpOnTape(body: KernelOpBody, x: tf.Tensor, kernel: tf.Tensor, bias: tf.Tensor | null, inputIsData: boolean): tf.Tensor {
  if (inputIsData) {
    return bias != null
      ? customGradient<(w: tf.Tensor, b: tf.Tensor) => tf.Tensor>((weights: tf.Tensor, biasValue: tf.Tensor, save: tf.GradSaveFunc) => body(x, weights, biasValue, save))(kernel, bias)
      : customGradient<(w: tf.Tensor) => tf.Tensor>((weights: tf.Tensor, save: tf.GradSaveFunc) => body(x, weights, null, save))(kernel);
  }
  return bias != null
    ? customGradient<(i: tf.Tensor, w: tf.Tensor, b: tf.Tensor) => tf.Tensor>((input: tf.Tensor, weights: tf.Tensor, biasValue: tf.Tensor, save: tf.GradSaveFunc) => body(input, weights, biasValue, save))(x, kernel, bias)
    : customGradient<(i: tf.Tensor, w: tf.Tensor) => tf.Tensor>((input: tf.Tensor, weights: tf.Tensor, save: tf.GradSaveFunc) => body(input, weights, null, save))(x, kernel);
}

/** ReLU's gradient: `dy` where `y > 0`, else 0 (y = relu output). */
export function reluGrad(dy: tf.Tensor, y: tf.Tensor): tf.Tensor {
  const native = nativeBackend();
  if (native != null) return native.executeSingleOutput('ReluGrad', floatAttr(native), [dy, y]);
  return tf.mul(dy, tf.step(y));
}

/** relu(x) whose gradient is one ReluGrad kernel on the native backend. */
export const fastRelu = customGradient<(x: tf.Tensor) => tf.Tensor>((x: tf.Tensor, save: tf.GradSaveFunc) => {
  const y = tf.relu(x);
  save([y]);
  return { value: y, gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => reluGrad(dy, saved[0]) };
});

/** Per-sample cross-entropy of softmax(logits) against `labels` (rows summing to 1), and its gradient w.r.t. the logits. */
export function softmaxCrossEntropyWithLogits(logits: tf.Tensor2D, labels: tf.Tensor2D): { loss: tf.Tensor1D; backprop: tf.Tensor2D } {
  const native = nativeBackend();
  if (native != null) {
    const [loss, backprop] = native.executeMultipleOutputs('SoftmaxCrossEntropyWithLogits', floatAttr(native), [logits, labels], 2);
    return { loss: loss as tf.Tensor1D, backprop: backprop as tf.Tensor2D };
  }
  const logProbabilities = tf.logSoftmax(logits);
  return {
    loss: tf.neg(tf.sum(tf.mul(labels, logProbabilities), -1)) as tf.Tensor1D,
    backprop: tf.sub(tf.exp(logProbabilities), labels) as tf.Tensor2D,
  };
}

/** `x + bias` over the last (channel) axis: one `BiasAdd` forward and one `BiasAddGrad` for the bias gradient on the native backend. */
export const biasAdd = customGradient<(x: tf.Tensor, bias: tf.Tensor) => tf.Tensor>((x: tf.Tensor, bias: tf.Tensor) => {
  const native = nativeBackend();
  const value = native != null
    ? native.executeSingleOutput('BiasAdd', [...floatAttr(native), stringAttr(native, 'data_format', 'NHWC')], [x, bias])
    : tf.add(x, bias);
  return {
    value,
    gradFunc: (dy: tf.Tensor) => [dy, biasGradient(dy)],
  };
});

/** Pooling window, strides and padding of a 2-D max pool over NHWC inputs. */
export interface MaxPoolArgs {
  /** Window height and width. */
  poolSize: [number, number];
  /** Steps between windows (height, width). */
  strides: [number, number];
  /** `valid` (windows inside the input) or `same` (output size ceil(input / stride)). */
  padding: 'valid' | 'same';
}

function poolAttrs(native: NativeBackend, args: MaxPoolArgs): unknown[] {
  return [
    ...floatAttr(native),
    { name: 'ksize', type: native.binding.TF_ATTR_INT, value: [1, args.poolSize[0], args.poolSize[1], 1] },
    { name: 'strides', type: native.binding.TF_ATTR_INT, value: [1, args.strides[0], args.strides[1], 1] },
    stringAttr(native, 'padding', args.padding.toUpperCase()),
    stringAttr(native, 'data_format', 'NHWC'),
    { name: 'workspace_enabled', type: native.binding.TF_ATTR_BOOL, value: true },
    // Routes the eager op to the oneDNN kernel, registered under this label (as TensorFlow's own oneDNN rewrite does).
    stringAttr(native, '_kernel', 'MklNameChangeOp'),
  ];
}

const oneDnnProbes = new WeakMap<object, boolean>();

/**
 * Whether the loaded libtensorflow runs the oneDNN max pool and its gradient (TensorFlow builds
 * with oneDNN, x86-64 wheels since 2.9): probed once per backend on a 2x2 input whose values and
 * gradient are known (max 4 at the last position; the gradient goes there only).
 */
export function oneDnnPoolingAvailable(): boolean {
  const native = nativeBackend();
  if (native == null) return false;
  const known = oneDnnProbes.get(native);
  if (known != null) return known;
  let available = false;
  try {
    available = tf.tidy(() => {
      const args: MaxPoolArgs = { poolSize: [2, 2], strides: [2, 2], padding: 'valid' };
      const input = tf.tensor4d([1, 3, 2, 4], [1, 2, 2, 1]);
      const [output, workspace] = native.executeMultipleOutputs('_MklNativeMaxPool', poolAttrs(native, args), [input], 2);
      const gradient = native.executeSingleOutput('_MklNativeMaxPoolGrad', poolAttrs(native, args), [input, output, tf.ones([1, 1, 1, 1]), workspace]);
      const values = Array.from(gradient.dataSync());
      return output.dataSync()[0] === 4 && values.join(',') === '0,0,0,1';
    });
  } catch {
    available = false;
  }
  oneDnnProbes.set(native, available);
  return available;
}

/**
 * 2-D max pooling (NHWC) whose gradient is TensorFlow's oneDNN workspace kernel on the native
 * backend when available; elsewhere `tf.maxPool` with tfjs's own gradient.
 */
export function maxPool2d(x: tf.Tensor4D, args: MaxPoolArgs): tf.Tensor4D {
  const native = nativeBackend();
  if (native == null || !oneDnnPoolingAvailable()) return tf.maxPool(x, args.poolSize, args.strides, args.padding);
  const attrs = poolAttrs(native, args);
  const pool = customGradient<(input: tf.Tensor) => tf.Tensor>((input: tf.Tensor, save: tf.GradSaveFunc) => {
    const [output, workspace] = native.executeMultipleOutputs('_MklNativeMaxPool', attrs, [input], 2);
    save([input, output, workspace]);
    return {
      value: output,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => native.executeSingleOutput('_MklNativeMaxPoolGrad', attrs, [saved[0], saved[1], dy, saved[2]]),
    };
  });
  return pool(x) as tf.Tensor4D;
}

let profiler: boolean | undefined;
/**
 * Whether this process was started under V8's sampling profiler (`--cpu-prof`, `--prof`, on the
 * command line or in NODE_OPTIONS), where eager `MatMul` aborts the process (see the file comment).
 * A profiler started later through `node:inspector` is not seen: profile with the flags.
 */
export function profilerAttached(): boolean {
  if (profiler === undefined) {
    const flags = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)];
    profiler = flags.some((flag) => flag.startsWith('--cpu-prof') || flag === '--prof' || flag.startsWith('--prof-'));
  }
  return profiler;
}

/**
 * `a·b` over any leading batch dimensions (rank ≥ 2 operands, e.g. a population's [K, B, in]·[K, in, out]):
 * one `BatchMatMulV2` on the native backend, else `tf.matMul`. `matMul2d`'s `MatMul` takes rank 2 only.
 */
export function batchMatMul(a: tf.Tensor, b: tf.Tensor, transposeA = false, transposeB = false): tf.Tensor {
  const native = nativeBackend();
  if (native == null) return tf.matMul(a as tf.Tensor3D, b as tf.Tensor3D, transposeA, transposeB);
  const attrs = [
    ...floatAttr(native),
    { name: 'adj_x', type: native.binding.TF_ATTR_BOOL, value: transposeA },
    { name: 'adj_y', type: native.binding.TF_ATTR_BOOL, value: transposeB },
  ];
  return native.executeSingleOutput('BatchMatMulV2', attrs, [a, b]);
}

/**
 * `a·b` of 2-D tensors, optionally transposed: one `MatMul` on the native backend (`BatchMatMulV2`
 * under the sampling profiler), else `tf.matMul`. `MatMul` costs less CPU at every Dense size the
 * zoo runs (e.g. 306 vs 383 µs for [128, 784]·[784, 256], 12 vs 64 µs for [64, 32]·[32, 5]):
 * `BatchMatMulV2` has a fixed cost that only large products hide.
 */
export function matMul2d(a: tf.Tensor2D, b: tf.Tensor2D, transposeA = false, transposeB = false): tf.Tensor2D {
  const native = nativeBackend();
  if (native == null) return tf.matMul(a, b, transposeA, transposeB);
  if (!profilerAttached()) {
    const matMulAttrs = [
      ...floatAttr(native),
      { name: 'transpose_a', type: native.binding.TF_ATTR_BOOL, value: transposeA },
      { name: 'transpose_b', type: native.binding.TF_ATTR_BOOL, value: transposeB },
    ];
    return native.executeSingleOutput('MatMul', matMulAttrs, [a, b]) as tf.Tensor2D;
  }
  const attrs = [
    ...floatAttr(native),
    { name: 'adj_x', type: native.binding.TF_ATTR_BOOL, value: transposeA },
    { name: 'adj_y', type: native.binding.TF_ATTR_BOOL, value: transposeB },
  ];
  return native.executeSingleOutput('BatchMatMulV2', attrs, [a, b]) as tf.Tensor2D;
}

/**
 * Dense forward `x·W (+ b) (then ReLU)` without a gradient of its own (for use inside a custom
 * gradient): `BatchMatMulV2` + `BiasAdd` + `Relu` on the native backend, else tfjs's fused matMul.
 */
export function denseForward(x: tf.Tensor2D, weights: tf.Tensor2D, bias: tf.Tensor | undefined, relu: boolean): tf.Tensor2D {
  const native = nativeBackend();
  if (native == null) return tf.fused.matMul({ a: x, b: weights, bias, activation: relu ? 'relu' : 'linear' }) as tf.Tensor2D;
  let z = matMul2d(x, weights);
  if (bias != null) z = native.executeSingleOutput('BiasAdd', [...floatAttr(native), stringAttr(native, 'data_format', 'NHWC')], [z, bias]) as tf.Tensor2D;
  return relu ? (native.executeSingleOutput('Relu', floatAttr(native), [z]) as tf.Tensor2D) : z;
}

// `l2PenaltyValue` (the L2Loss kernel) lives with every other penalty formula in lib/penalty.
export { l2PenaltyValue } from '../penalty/weight-value';

/** Gradient of a bias added over the last axis: `BiasAddGrad` on the native backend, else the sum of `dy` over all other axes. */
export function biasGradient(dy: tf.Tensor): tf.Tensor1D {
  const native = nativeBackend();
  if (native != null) return native.executeSingleOutput('BiasAddGrad', [...floatAttr(native), stringAttr(native, 'data_format', 'NHWC')], [dy]) as tf.Tensor1D;
  return tf.sum(dy, Array.from({ length: dy.rank - 1 }, (_, axis) => axis)) as tf.Tensor1D;
}

/**
 * `tf.mean(x, axes)` of a float32 tensor: the native `Mean` kernel directly on the native backend
 * (tfjs-node's own Mean kernel first copies its input with a Cast to float32, a full pass).
 */
export function mean(x: tf.Tensor, axes: number[]): tf.Tensor {
  const native = nativeBackend();
  if (native == null || x.dtype !== 'float32') return tf.mean(x, axes);
  const axesTensor = tf.tensor1d(axes, 'int32');
  const attrs = [
    { name: 'keep_dims', type: native.binding.TF_ATTR_BOOL, value: false },
    ...floatAttr(native),
    { name: 'Tidx', type: native.binding.TF_ATTR_TYPE, value: (native.binding as unknown as { TF_INT32: number }).TF_INT32 },
  ];
  const result = native.executeSingleOutput('Mean', attrs, [x, axesTensor]);
  axesTensor.dispose();
  return result;
}

/**
 * The mean over the middle axes of a channels-last tensor ([N, T, C] → [N, C] or [N, H, W, C] →
 * [N, C]), as GlobalAveragePooling1D/2D compute it (`tf.mean(x, axes)`), with a cheap gradient:
 * `dy / count` on the small [N, C] tensor, then one `BroadcastTo` to the input's shape. tfjs's own
 * mean gradient builds a full-size `ones`, multiplies and divides over the whole activation (three
 * full passes; on the zoo's conv1d ~0.6 ms of an ~9 ms step). Same values: tfjs divides `dy·1` by
 * the count, element by element, as here.
 */
export function globalAveragePool(x: tf.Tensor): tf.Tensor2D {
  const axes = Array.from({ length: x.rank - 2 }, (_, index) => index + 1);
  const pool = customGradient<(input: tf.Tensor) => tf.Tensor>((input: tf.Tensor) => {
    const shape = input.shape;
    const count = axes.reduce((product, axis) => product * shape[axis], 1);
    return {
      value: mean(input, axes),
      gradFunc: (dy: tf.Tensor) => {
        const kept = [shape[0], ...axes.map(() => 1), shape[shape.length - 1]];
        return tf.broadcastTo(tf.div(tf.reshape(dy, kept), count), shape);
      },
    };
  });
  return pool(x) as tf.Tensor2D;
}

/** Settings of one convolution block run by {@link nativeConvolutionBlock} (NHWC, no dilation). */
export interface ConvolutionBlockArgs {
  /** Steps between windows (height, width). */
  strides: [number, number];
  padding: 'valid' | 'same';
  /** Max pooling right after the convolution, before the ReLU (and before the bias where the bias is not inside the convolution kernel: exact for ReLU/linear, both monotone per channel). */
  pooling: MaxPoolArgs | null;
  /** ReLU after the bias (else linear). */
  relu: boolean;
  /** The block's input is the data (no gradient needed for it: saves `Conv2DBackpropInput`). */
  first: boolean;
}

function convAttrs(native: NativeBackend, args: Pick<ConvolutionBlockArgs, 'strides' | 'padding'>, oneDnn: boolean): unknown[] {
  return [
    ...floatAttr(native),
    { name: 'strides', type: native.binding.TF_ATTR_INT, value: [1, args.strides[0], args.strides[1], 1] },
    stringAttr(native, 'padding', args.padding.toUpperCase()),
    stringAttr(native, 'data_format', 'NHWC'),
    { name: 'dilations', type: native.binding.TF_ATTR_INT, value: [1, 1, 1, 1] },
    ...(oneDnn ? [stringAttr(native, '_kernel', 'MklNameChangeOp')] : []),
  ];
}

const convWithBiasProbes = new WeakMap<object, boolean>();

/**
 * Whether the loaded libtensorflow runs oneDNN's convolution with the bias added in the same kernel
 * (`_MklNativeConv2DWithBias`, TensorFlow builds with oneDNN): probed once per backend on a 1x2x2x1
 * input, 1x1 filter of 2 and bias 1 (output 2x + 1).
 */
export function oneDnnConvWithBiasAvailable(): boolean {
  const native = nativeBackend();
  if (native == null) return false;
  const known = convWithBiasProbes.get(native);
  if (known != null) return known;
  let available = false;
  try {
    available = tf.tidy(() => {
      const output = native.executeSingleOutput('_MklNativeConv2DWithBias', convAttrs(native, { strides: [1, 1], padding: 'valid' }, true), [tf.tensor4d([1, 2, 3, 4], [1, 2, 2, 1]), tf.tensor4d([2], [1, 1, 1, 1]), tf.tensor1d([1])]);
      return Array.from(output.dataSync()).join(',') === '3,5,7,9';
    });
  } catch {
    available = false;
  }
  convWithBiasProbes.set(native, available);
  return available;
}

/**
 * A convolution block `conv(x, w) [→ max pool] [+ b] [→ ReLU]` over NHWC inputs as ONE taped op on the
 * native backend, with its backward written by hand (`ReluGrad`, `BiasAddGrad`, the oneDNN max-pool
 * gradient, `Conv2DBackpropFilter`, `Conv2DBackpropInput` unless `first`): the tape records one node
 * instead of four, and the bias joins the convolution (`_MklNativeConv2DWithBias`, same values as
 * `Conv2D` + `BiasAdd`, one kernel fewer) where the library has it; with pooling that is conv + bias →
 * pool → ReLU, the general path's order (max commutes with ReLU exactly), and the bias gradient is
 * `BiasAddGrad` of the pooled gradient (the pooling gradient only moves values). Null off the native
 * backend or when pooling is asked for and oneDNN pooling is missing (the caller keeps tfjs's ops).
 * The returned function takes x [N, H, W, C], w [kh, kw, C, F] and the bias [F] (or null); a kernel
 * of another shape (Conv1D's [k, C, F]) is viewed as `filterShape` inside the op and its gradient
 * given back in the kernel's own shape. Tested against autodiff of the general path in test/train/fast-objective.test.ts.
 */
export function nativeConvolutionBlock(args: ConvolutionBlockArgs, filterShape: [number, number, number, number]): ((x: tf.Tensor4D, kernel: tf.Tensor, bias: tf.Tensor | null) => tf.Tensor4D) | null {
  const native = nativeBackend();
  if (native == null || (args.pooling != null && !oneDnnPoolingAvailable())) return null;
  const plain = convAttrs(native, args, false);
  const withBias = oneDnnConvWithBiasAvailable() ? convAttrs(native, args, true) : null;
  const poolAttributes = args.pooling != null ? poolAttrs(native, args.pooling) : null;
  const biasAttrs = [...floatAttr(native), stringAttr(native, 'data_format', 'NHWC')];
  const gradientAttrs = [...plain, { name: 'use_cudnn_on_gpu', type: native.binding.TF_ATTR_BOOL, value: true }];
  return (x, kernel, bias) => {
    const kernelShape = kernel.shape;
    const reshaped = kernelShape.length !== 4 || kernelShape.some((size, axis) => size !== filterShape[axis]);
    const body: KernelOpBody = (input, weights, biasValue, save) => {
      const w4 = reshaped ? tf.reshape(weights, filterShape) : weights;
      let z: tf.Tensor;
      let convolved: tf.Tensor | null = null;
      let pooled: tf.Tensor | null = null;
      let workspace: tf.Tensor | null = null;
      if (withBias != null && biasValue != null) {
        // The bias inside the convolution kernel, then the pooling: the general path's own order (conv + bias, pool).
        z = native.executeSingleOutput('_MklNativeConv2DWithBias', withBias, [input, w4, biasValue]);
        if (poolAttributes != null) {
          convolved = z;
          [pooled, workspace] = native.executeMultipleOutputs('_MklNativeMaxPool', poolAttributes, [z], 2);
          z = pooled;
        }
      } else {
        z = native.executeSingleOutput('Conv2D', plain, [input, w4]);
        if (poolAttributes != null) {
          convolved = z;
          [pooled, workspace] = native.executeMultipleOutputs('_MklNativeMaxPool', poolAttributes, [z], 2);
          z = pooled;
        }
        if (biasValue != null) z = native.executeSingleOutput('BiasAdd', biasAttrs, [z, biasValue]);
      }
      const y = args.relu ? native.executeSingleOutput('Relu', floatAttr(native), [z]) : z;
      save([input, w4, y, ...(convolved != null ? [convolved, pooled as tf.Tensor, workspace as tf.Tensor] : [])]);
      return {
        value: y,
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
          const [savedInput, savedWeights, savedOutput, savedConvolved, savedPooled, savedWorkspace] = saved;
          const dz = args.relu ? native.executeSingleOutput('ReluGrad', floatAttr(native), [dy, savedOutput]) : dy;
          const dBias = biasValue != null ? native.executeSingleOutput('BiasAddGrad', biasAttrs, [dz]) : null;
          const dConv = poolAttributes != null ? native.executeSingleOutput('_MklNativeMaxPoolGrad', poolAttributes, [savedConvolved, savedPooled, dz, savedWorkspace]) : dz;
          const filterSizes = tf.tensor1d(filterShape, 'int32');
          let dWeights = native.executeSingleOutput('Conv2DBackpropFilter', gradientAttrs, [savedInput, filterSizes, dConv]);
          filterSizes.dispose();
          if (reshaped) dWeights = tf.reshape(dWeights, kernelShape);
          const grads: tf.Tensor[] = [];
          if (!args.first) {
            const inputSizes = tf.tensor1d(savedInput.shape, 'int32');
            grads.push(native.executeSingleOutput('Conv2DBackpropInput', gradientAttrs, [inputSizes, savedWeights, dConv]));
            inputSizes.dispose();
          }
          grads.push(dWeights);
          if (dBias != null) grads.push(dBias);
          return grads;
        },
      };
    };
    return kernelOpOnTape(body, x, kernel, bias ?? null, args.first) as tf.Tensor4D;
  };
}
