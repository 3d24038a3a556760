/**
 * A seeded random source that reproduces numpy's legacy `np.random.RandomState(seed)` draw for draw:
 * the MT19937 generator seeded as numpy seeds it from an integer, `random_sample` (53-bit doubles),
 * `normal` (the polar Box-Muller method with its cached second value) and `shuffle`/`permutation`
 * (Fisher-Yates with numpy's masked rejection sampling).
 *
 * Why not seedrandom: scikit-learn's `make_moons`/`make_circles`/`shuffle` draw from exactly this
 * generator, so with it the generators here reproduce scikit-learn's data sets from the same seed
 * (up to the last-bit differences between numpy's and V8's `sin`/`cos`), which the tests check.
 */
export class RandomState {
  private readonly state = new Uint32Array(624);
  private index = 624;
  private cachedGaussian: number | undefined;

  /** @param seed An integer in [0, 2^32 - 1], like numpy's `RandomState(seed)`. */
  constructor(seed: number) {
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
      throw new Error(`RandomState: seed must be an integer in [0, 4294967295], got ${String(seed)}`);
    }
    // init_genrand from the MT19937 reference code (numpy's mt19937_seed).
    this.state[0] = seed >>> 0;
    for (let i = 1; i < 624; i++) {
      const previous = this.state[i - 1] ^ (this.state[i - 1] >>> 30);
      // 1812433253 * previous, modulo 2^32, split to stay inside exact double arithmetic.
      this.state[i] = (Math.imul(1812433253, previous) + i) >>> 0;
    }
    this.index = 624;
  }

  /** The next raw 32-bit output (numpy's `next_uint32` / genrand_int32). */
  nextUint32(): number {
    if (this.index >= 624) this.twist();
    let y = this.state[this.index++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** A double in [0, 1) with 53 random bits (numpy's `random_sample`, genrand_res53). */
  random(): number {
    const a = this.nextUint32() >>> 5;
    const b = this.nextUint32() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }

  /** A standard normal draw (numpy's legacy_gauss); `normal(loc, scale)` is `loc + scale * gauss`. */
  gaussian(): number {
    if (this.cachedGaussian !== undefined) {
      const value = this.cachedGaussian;
      this.cachedGaussian = undefined;
      return value;
    }
    let x1: number;
    let x2: number;
    let r2: number;
    do {
      x1 = 2 * this.random() - 1;
      x2 = 2 * this.random() - 1;
      r2 = x1 * x1 + x2 * x2;
    } while (r2 >= 1 || r2 === 0);
    const f = Math.sqrt((-2 * Math.log(r2)) / r2);
    this.cachedGaussian = f * x1;
    return f * x2;
  }

  /** A normal draw with the given mean and standard deviation (numpy's `normal(loc, scale)`). */
  normal(mean = 0, standardDeviation = 1): number {
    return mean + standardDeviation * this.gaussian();
  }

  /** A uniform integer in [0, max] (numpy's `random_interval`, rejection on a bit mask). */
  interval(max: number): number {
    if (max === 0) return 0;
    if (max > 0xffffffff) throw new Error(`RandomState.interval: max must be at most 4294967295, got ${max}`);
    let mask = max;
    mask |= mask >>> 1;
    mask |= mask >>> 2;
    mask |= mask >>> 4;
    mask |= mask >>> 8;
    mask |= mask >>> 16;
    mask >>>= 0;
    let value: number;
    do {
      value = (this.nextUint32() & mask) >>> 0;
    } while (value > max);
    return value;
  }

  /** Shuffles in place the way numpy's `RandomState.shuffle` shuffles a 1-d array. */
  shuffle<T extends { length: number; [index: number]: unknown }>(items: T): T {
    for (let i = items.length - 1; i >= 1; i--) {
      const j = this.interval(i);
      const swap = items[i];
      items[i] = items[j];
      items[j] = swap;
    }
    return items;
  }

  /** A random permutation of 0..count-1 (numpy's `RandomState.permutation(count)`). */
  permutation(count: number): Int32Array {
    const indices = new Int32Array(count);
    for (let i = 0; i < count; i++) indices[i] = i;
    return this.shuffle(indices);
  }

  private twist(): void {
    const state = this.state;
    for (let i = 0; i < 624; i++) {
      const y = (state[i] & 0x80000000) | (state[(i + 1) % 624] & 0x7fffffff);
      let next = state[(i + 397) % 624] ^ (y >>> 1);
      if (y & 1) next ^= 0x9908b0df;
      state[i] = next >>> 0;
    }
    this.index = 0;
  }
}
