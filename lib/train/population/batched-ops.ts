/**
 * The kernels of a population step: the Dense-stack kernels of lib/train/native-kernels.ts with a
 * leading population dimension K (inputs [K, B, in], kernels [K, in, out], biases [K, 1, out]).
 * Each member's slice is the same computation as the single-model kernel on that member: on the
 * pure-JS backend a 2-D `matMul` IS a batched one with batch 1, so the numbers are the same; on the
 * native backend both are `BatchMatMulV2`.
 */
import * as tf from '@tensorflow/tfjs';
import { matMul2d, nativeBackend, reluGrad } from '../native-kernels';

/** `a·b` per member (rank-3 operands, optionally transposed): one `BatchMatMulV2` natively, else `tf.matMul`. */
export function batchedMatMul(a: tf.Tensor3D, b: tf.Tensor3D, transposeA = false, transposeB = false): tf.Tensor3D {
  // matMul2d's native branch is BatchMatMulV2, which takes any rank; its fallback is tf.matMul, which does too.
  return matMul2d(a as unknown as tf.Tensor2D, b as unknown as tf.Tensor2D, transposeA, transposeB) as unknown as tf.Tensor3D;
}

/** `x·W + b` per member, then ReLU when asked: [K, B, in] × [K, in, out] + [K, 1, out]. */
export function batchedDenseForward(x: tf.Tensor3D, kernel: tf.Tensor3D, bias: tf.Tensor | null, relu: boolean): tf.Tensor3D {
  if (nativeBackend() == null) {
    // The single-model path runs tfjs's fused matMul (product, bias add, activation): the same three steps.
    return tf.fused.matMul({ a: x, b: kernel, bias: bias ?? undefined, activation: relu ? 'relu' : 'linear' }) as tf.Tensor3D;
  }
  let z: tf.Tensor = batchedMatMul(x, kernel);
  if (bias != null) z = tf.add(z, bias);
  return (relu ? tf.relu(z) : z) as tf.Tensor3D;
}

/** ReLU's gradient (`dy` where y > 0): one `ReluGrad` natively. */
export function batchedReluGrad(dy: tf.Tensor, y: tf.Tensor): tf.Tensor {
  return reluGrad(dy, y);
}

/** The bias gradient per member: Σ over the batch axis of [K, B, out], kept as [K, 1, out]. */
export function batchedBiasGradient(dz: tf.Tensor3D): tf.Tensor3D {
  return tf.sum(dz, 1, true) as tf.Tensor3D;
}
