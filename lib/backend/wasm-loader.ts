import * as tf from '@tensorflow/tfjs';
import { firstLine } from './errors';
import { silenceCpuBanner } from './cpu-banner';
import { bridgeMissingKernels } from './kernel-bridge';

/** What setting up the wasm backend produced. */
export type WasmLoadResult =
  | {
      ok: true;
      /** Kernels the wasm backend lacks that now run through the `cpu` implementation. */
      bridgedKernels: string[];
    }
  | { ok: false; reason: string };

/**
 * Loads `@tensorflow/tfjs-backend-wasm`, activates it and bridges the training kernels it lacks
 * (Conv2D filter gradient and others, see kernel-bridge.ts) to the `cpu` backend, so a training
 * run on `wasm` never fails halfway on a missing kernel.
 */
export async function loadWasmBackend(moduleName = '@tensorflow/tfjs-backend-wasm'): Promise<WasmLoadResult> {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require(moduleName);
    if (!(await tf.setBackend('wasm'))) return { ok: false, reason: 'tf.setBackend("wasm") returned false' };
    await tf.ready();
  } catch (error) {
    return { ok: false, reason: firstLine(error) };
  }
  const bridgedKernels = bridgeMissingKernels({ target: 'wasm', donor: 'cpu' });
  silenceCpuBanner();
  return { ok: true, bridgedKernels };
}
