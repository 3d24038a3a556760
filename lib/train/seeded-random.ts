/**
 * Randomness of a training run, all from one seed.
 *
 * tfjs draws dropout masks, noise layers, RNN dropout and unseeded initializers from `Math.random`
 * (a seeded `Dropout` would reuse ONE mask at every step, so layers must stay unseeded and
 * `Math.random` must be seeded instead). `SeededMathRandom` installs a seedrandom generator as
 * `Math.random` only while the training loop runs synchronously, and puts the original back
 * before every `await`: other code in the process (another training run, a sweep's sampler) never
 * draws from this run's stream and never changes it, so runs stay bit-reproducible even when
 * several train concurrently in one process.
 *
 * Shuffling uses a second, independent stream (`<seed>:shuffle`), so the epoch order does not
 * depend on how many numbers the model's layers drew.
 */
import seedrandom from 'seedrandom';

/** A `Math.random` replacement that can be switched in and out. */
export class SeededMathRandom {
  private readonly generator: () => number;
  private saved: (() => number) | null = null;

  /** `seed`: the run's seed; the stream is `seedrandom(String(seed))`. */
  constructor(seed: number | string) {
    this.generator = seedrandom(String(seed));
  }

  /** Makes `Math.random` draw from this run's stream until `release()`. Not reentrant. */
  install(): void {
    if (this.saved != null) return;
    this.saved = Math.random;
    Math.random = this.generator;
  }

  /** Restores the `Math.random` that was there at `install()`. */
  release(): void {
    if (this.saved == null) return;
    Math.random = this.saved;
    this.saved = null;
  }

  /** Runs `body` with the seeded stream installed, restoring `Math.random` even if it throws. */
  run<T>(body: () => T): T {
    this.install();
    try {
      return body();
    } finally {
      this.release();
    }
  }
}

/** Seeded Fisher–Yates shuffles of `0 .. n-1`, one per call, from the stream `<seed>:shuffle`. */
export class SeededShuffler {
  private readonly generator: () => number;

  constructor(seed: number | string) {
    this.generator = seedrandom.alea(`${seed}:shuffle`);
  }

  /** A fresh random permutation of `0 .. count-1`. */
  permutation(count: number): Int32Array {
    const order = new Int32Array(count);
    for (let index = 0; index < count; index++) order[index] = index;
    for (let index = count - 1; index > 0; index--) {
      const other = Math.floor(this.generator() * (index + 1));
      const held = order[index];
      order[index] = order[other];
      order[other] = held;
    }
    return order;
  }
}
