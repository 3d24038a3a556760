/**
 * Float32 elementwise ops of a population step, run straight as TensorFlow eager ops on the native
 * backend: the kernels tfjs-node's own kernels run (`Add`, `Sub`, `Mul`, `Relu`, `Sigmoid`, `Log`, `Neg`,
 * `Equal`, `Cast`), so the numbers are the same, without tfjs's op and kernel dispatch (~5-10 µs
 * per call, as much as the kernel itself on a population's small tensors). Elsewhere tfjs's ops.
 * No gradient is recorded (the population's backward pass is hand-written).
 */
import * as tf from '@tensorflow/tfjs';
import { nativeBackend, type NativeBackend } from '../../backend/native-ops';

function floatOp(native: NativeBackend, name: string, inputs: tf.Tensor[]): tf.Tensor {
  return native.executeSingleOutput(name, [{ name: 'T', type: native.binding.TF_ATTR_TYPE, value: native.binding.TF_FLOAT }], inputs);
}

/** `a + b` (broadcasting). */
export function add(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  const native = nativeBackend();
  return native == null ? tf.add(a, b) : floatOp(native, 'Add', [a, b]);
}

/** `a − b` (broadcasting). */
export function sub(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  const native = nativeBackend();
  return native == null ? tf.sub(a, b) : floatOp(native, 'Sub', [a, b]);
}

/** `a · b` (broadcasting). */
export function mul(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  const native = nativeBackend();
  return native == null ? tf.mul(a, b) : floatOp(native, 'Mul', [a, b]);
}

/** `max(x, 0)`. */
export function relu(x: tf.Tensor): tf.Tensor {
  const native = nativeBackend();
  return native == null ? tf.relu(x) : floatOp(native, 'Relu', [x]);
}

/** `1 / (1 + e^−x)`. */
export function sigmoid(x: tf.Tensor): tf.Tensor {
  const native = nativeBackend();
  return native == null ? tf.sigmoid(x) : floatOp(native, 'Sigmoid', [x]);
}

/** 1 where `a == b`, else 0, as float32 (tfjs's `cast(equal(a, b), 'float32')`). */
export function equalAsFloat(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  const native = nativeBackend();
  if (native == null) return tf.cast(tf.equal(a, b), 'float32');
  const binding = native.binding as NativeBackend['binding'] & { TF_BOOL: number };
  const equal = floatOp(native, 'Equal', [a, b]);
  const cast = native.executeSingleOutput(
    'Cast',
    [
      { name: 'SrcT', type: binding.TF_ATTR_TYPE, value: binding.TF_BOOL },
      { name: 'DstT', type: binding.TF_ATTR_TYPE, value: binding.TF_FLOAT },
      { name: 'Truncate', type: binding.TF_ATTR_BOOL, value: false },
    ],
    [equal],
  );
  equal.dispose();
  return cast;
}

/** `ln x`. */
export function log(x: tf.Tensor): tf.Tensor {
  const native = nativeBackend();
  return native == null ? tf.log(x) : floatOp(native, 'Log', [x]);
}

/** `−x`. */
export function neg(x: tf.Tensor): tf.Tensor {
  const native = nativeBackend();
  return native == null ? tf.neg(x) : floatOp(native, 'Neg', [x]);
}
