/**
 * Per-layer initializer seeds derived from one model seed.
 *
 * Two tfjs facts force this: `randomNormal`/`truncatedNormal` treat seed 0 as "no seed"
 * (`seed ? seed : Math.random()`, tfjs-core rand_util), so a derived seed must never be 0; and two
 * layers given the same seed get identical kernels (same alea stream), so each layer needs its own.
 * We hash the model seed to a base in [1, 2^31 - 2^16] and add the layer's position, which keeps
 * the seeds of one model distinct and non-zero, and unrelated across model seeds.
 */
import { describeValue, LayerwiseConfigError } from '../errors/config-error';

/** murmur3's 32-bit finalizer: a cheap bijective mix. */
function mix32(value: number): number {
  let h = value >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  h ^= h >>> 16;
  return h >>> 0;
}

const BASE_RANGE = 2 ** 31 - 2 ** 16;

/** Throws unless `seed` is a safe integer >= 0. */
export function checkSeed(seed: unknown, field = 'seed'): number {
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed) || seed < 0) {
    throw new LayerwiseConfigError(field, `= ${describeValue(seed)}: expected an integer >= 0`);
  }
  return seed;
}

/** The initializer seed of the layer at 1-based `position` (< 2^16) in a model seeded with `modelSeed`. */
export function layerSeed(modelSeed: number, position: number): number {
  const low = modelSeed % 2 ** 32;
  const high = Math.floor(modelSeed / 2 ** 32);
  const base = 1 + (mix32(mix32(low) ^ Math.imul(high + 0x9e3779b9, 0x27d4eb2f)) % BASE_RANGE);
  return base + position;
}
