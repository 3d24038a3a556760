/**
 * Direct access to the native (tfjs-node) backend's eager-op entry points, for the kernels tfjs
 * does not use (lib/train/native-kernels.ts, lib/optimizers' fused Adam). Here, in lib/backend,
 * so that both folders reach it without importing each other.
 */
import * as tf from '@tensorflow/tfjs';

/** The slice of tfjs-node's NodeJSKernelBackend used by layerwise (checked at run time). */
export interface NativeBackend {
  binding: { TF_ATTR_TYPE: number; TF_ATTR_INT: number; TF_ATTR_STRING: number; TF_ATTR_BOOL: number; TF_FLOAT: number };
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
