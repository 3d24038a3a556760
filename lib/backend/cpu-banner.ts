import * as tf from '@tensorflow/tfjs';

/**
 * The cpu backend prints a "install the node backend" banner on its first tensor. We already
 * announced the choice (and how to get the native backend) through the injectable logger, so the
 * banner is switched off on this backend instance only (no global tfjs flag is touched).
 */
export function silenceCpuBanner(): void {
  // tfjs's engine creates a fresh instance of each backend when it first picks one (replacing any
  // instance findBackend made before), so let it pick first: the next tensor would make it anyway.
  // Reading `engine().backend` is what makes it pick (`getBackend()` only reads the name).
  try {
    void tf.engine().backend;
  } catch {
    // A backend with an asynchronous start (wasm) is still starting: nothing to silence yet.
  }
  const cpu = tf.findBackend('cpu') as unknown as { firstUse?: boolean } | null;
  if (cpu !== null && typeof cpu.firstUse === 'boolean') cpu.firstUse = false;
}
