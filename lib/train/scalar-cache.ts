/**
 * Scalar tensors kept for the whole run, one per distinct number. On tfjs-node every JS number
 * that enters an op is uploaded as a fresh scalar tensor (~20 µs each, per step); reusing one
 * kept tensor per value removes those uploads. Dispose the cache when the run ends.
 */
import * as tf from '@tensorflow/tfjs';

export class ScalarCache {
  private readonly scalars = new Map<number, tf.Scalar>();

  /** The kept float32 scalar holding `value` (created on first use, outside any tidy scope). */
  of(value: number): tf.Scalar {
    let scalar = this.scalars.get(value);
    if (scalar == null) {
      scalar = tf.keep(tf.scalar(value, 'float32'));
      this.scalars.set(value, scalar);
    }
    return scalar;
  }

  /** Frees every scalar. */
  dispose(): void {
    tf.dispose([...this.scalars.values()]);
    this.scalars.clear();
  }
}
