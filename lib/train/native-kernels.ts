/**
 * Two fused TensorFlow kernels tfjs does not use, reached through tfjs-node's backend when it is
 * active, with pure tfjs fallbacks for the other backends (each backend stays bit-reproducible):
 *  - `ReluGrad(dy, y)`: ReLU's gradient in one kernel (tfjs builds it from Step + Cast + Multiply).
 *  - `SoftmaxCrossEntropyWithLogits(logits, labels)`: per-sample loss and its gradient
 *    `softmax(logits) − labels` in one kernel; what Keras uses for softmax + categorical
 *    cross-entropy (Keras computes the loss from the softmax's logits).
 * Both are wrapped in `tf.customGrad`, so they sit on the gradient tape like any op.
 */
import * as tf from '@tensorflow/tfjs';

/** The slice of tfjs-node's NodeJSKernelBackend used here (checked at run time). */
interface NativeBackend {
  binding: { TF_ATTR_TYPE: number; TF_FLOAT: number };
  executeSingleOutput(name: string, attrs: unknown[], inputs: tf.Tensor[]): tf.Tensor;
  executeMultipleOutputs(name: string, attrs: unknown[], inputs: tf.Tensor[], outputs: number): tf.Tensor[];
}

/** tfjs-node's backend when it is the active one and exposes its eager-op entry points, else null. */
export function nativeBackend(): NativeBackend | null {
  if (tf.getBackend() !== 'tensorflow') return null;
  const backend = tf.engine().backend as unknown as Partial<NativeBackend>;
  if (typeof backend.executeSingleOutput !== 'function' || typeof backend.executeMultipleOutputs !== 'function' || backend.binding == null) return null;
  return backend as NativeBackend;
}

function floatAttr(native: NativeBackend): unknown[] {
  return [{ name: 'T', type: native.binding.TF_ATTR_TYPE, value: native.binding.TF_FLOAT }];
}

/** `tf.customGrad` with the inputs typed as tensors (tfjs types them as `Tensor | GradSaveFunc`). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function customGradient<F extends (...inputs: tf.Tensor[]) => tf.Tensor>(body: (...args: any[]) => { value: tf.Tensor; gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor | tf.Tensor[] }): F {
  return tf.customGrad(body as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as F;
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
