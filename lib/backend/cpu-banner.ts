import * as tf from '@tensorflow/tfjs';

/**
 * The cpu backend prints a "install the node backend" banner on its first tensor. We already
 * announced the choice (and how to get the native backend) through the injectable logger, so the
 * banner is switched off on this backend instance only (no global tfjs flag is touched).
 */
export function silenceCpuBanner(): void {
  const cpu = tf.findBackend('cpu') as unknown as { firstUse?: boolean } | null;
  if (cpu !== null && typeof cpu.firstUse === 'boolean') cpu.firstUse = false;
}
