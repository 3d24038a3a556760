import * as tf from '@tensorflow/tfjs';

/** Arguments of {@link bridgeMissingKernels}. */
export interface BridgeMissingKernelsArgs {
  /** Backend that lacks kernels (e.g. `wasm`). Must already be registered and initialized. */
  target: string;
  /** Backend whose implementations are borrowed. Default `cpu` (the pure-JS backend implements every kernel). */
  donor?: string;
  /**
   * Kernels to bridge. Default: {@link TRAINING_KERNELS_MISSING_FROM_WASM} intersected with what
   * the target lacks and the donor has. Kernels already registered for the target are never replaced.
   */
  kernelNames?: readonly string[];
}

/**
 * Kernels that tfjs-backend-wasm 4.22 lacks and that gradient-based training of ordinary
 * layers reaches: Conv2D's filter gradient (every convnet), depthwise/separable convolution
 * gradients, the gradient of `gather` (Embedding) which runs `UnsortedSegmentSum`, and Einsum.
 * Found by diffing `tf.getKernelsForBackend('cpu')` with `'wasm'`; the rest of that diff is
 * complex-number, string and ragged kernels that layers never use in training.
 */
export const TRAINING_KERNELS_MISSING_FROM_WASM: readonly string[] = [
  'Conv2DBackpropFilter',
  'DepthwiseConv2dNativeBackpropFilter',
  'DepthwiseConv2dNativeBackpropInput',
  'UnsortedSegmentSum',
  'Einsum',
];

/** Dtypes whose values are a plain typed array and so can be copied between backends. */
const COPYABLE_DTYPES = new Set<string>(['float32', 'int32', 'bool']);

/**
 * The parts of a tfjs `KernelBackend` the bridge uses. Declared here because the wasm and cpu
 * backend classes are not exported by `@tensorflow/tfjs`'s typings.
 */
interface DataStore {
  write(values: tf.backend_util.BackendValues, shape: number[], dtype: tf.DataType): tf.DataId;
  readSync(dataId: tf.DataId): tf.backend_util.BackendValues;
  disposeData(dataId: tf.DataId, force?: boolean): boolean;
}

/**
 * Registers, for each kernel the target backend lacks, a kernel that copies its inputs into the
 * donor backend, runs the donor's implementation and copies the outputs back. This is slower than
 * a native kernel (two copies), but it turns "training crashes in the first backward pass of a
 * Conv2D" into "Conv2D's filter gradient runs in JS", which is what a user forcing `wasm` needs.
 * Idempotent: kernels that already exist for the target are left alone.
 * @returns the names of the kernels that were bridged by this call.
 */
export function bridgeMissingKernels(args: BridgeMissingKernelsArgs): string[] {
  const donor = args.donor ?? 'cpu';
  const wanted = args.kernelNames ?? TRAINING_KERNELS_MISSING_FROM_WASM;
  const existing = new Set(tf.getKernelsForBackend(args.target).map((kernel) => kernel.kernelName));
  const donorKernels = new Map(tf.getKernelsForBackend(donor).map((kernel) => [kernel.kernelName, kernel]));
  const bridged: string[] = [];
  for (const kernelName of wanted) {
    const donorKernel = donorKernels.get(kernelName);
    if (existing.has(kernelName) || donorKernel === undefined) continue;
    tf.registerKernel({
      kernelName,
      backendName: args.target,
      kernelFunc: ({ inputs, backend, attrs }) => {
        const donorBackend = tf.findBackend(donor) as unknown as DataStore | null;
        if (donorBackend === null) {
          throw new Error(`kernel ${kernelName}: bridge to backend "${donor}" failed: that backend is not registered`);
        }
        const targetBackend = backend as unknown as DataStore;
        const donorInputs: Record<string, tf.TensorInfo> = {};
        const created: tf.DataId[] = [];
        try {
          for (const [name, info] of Object.entries(inputs)) {
            if (info === undefined) continue;
            if (!COPYABLE_DTYPES.has(info.dtype)) {
              throw new Error(`kernel ${kernelName} on ${args.target}: input "${name}" has dtype ${info.dtype}; the ${donor} bridge supports ${[...COPYABLE_DTYPES].join(', ')}`);
            }
            const dataId = donorBackend.write(targetBackend.readSync(info.dataId), info.shape, info.dtype);
            created.push(dataId);
            donorInputs[name] = { dataId, shape: info.shape, dtype: info.dtype };
          }
          const result = donorKernel.kernelFunc({ inputs: donorInputs, backend: donorBackend, attrs });
          const outputs = Array.isArray(result) ? result : [result];
          for (const output of outputs) created.push(output.dataId);
          const copied = outputs.map((output) => ({
            dataId: targetBackend.write(donorBackend.readSync(output.dataId), output.shape, output.dtype),
            shape: output.shape,
            dtype: output.dtype,
          }));
          return Array.isArray(result) ? copied : copied[0];
        } finally {
          for (const dataId of created) donorBackend.disposeData(dataId);
        }
      },
    });
    bridged.push(kernelName);
  }
  return bridged;
}
