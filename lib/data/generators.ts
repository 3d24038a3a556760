import { Dataset, validateDataset } from './dataset';
import { RandomState } from './random';

/** Arguments of `makeMoons`. */
export interface MoonsArgs {
  /** Total number of points; the first moon (label 0) gets floor(samples / 2). Default 100. */
  samples?: number;
  /** Standard deviation of the Gaussian noise added to each coordinate (0 = none). Default 0. */
  noise?: number;
  /** Seed of the numpy-compatible generator (same meaning as scikit-learn's `random_state`). Default 0. */
  seed?: number;
  /** Shuffle the points (as scikit-learn does by default); false keeps moon 0 then moon 1. Default true. */
  shuffle?: boolean;
}

/** Arguments of `makeCircles`. */
export interface CirclesArgs {
  /** Total number of points; the outer circle (label 0) gets floor(samples / 2). Default 100. */
  samples?: number;
  /** Standard deviation of the Gaussian noise added to each coordinate (0 = none). Default 0. */
  noise?: number;
  /** Radius of the inner circle (label 1) relative to the outer one (radius 1), in [0, 1). Default 0.8. */
  factor?: number;
  /** Seed of the numpy-compatible generator (same meaning as scikit-learn's `random_state`). Default 0. */
  seed?: number;
  /** Shuffle the points (as scikit-learn does by default). Default true. */
  shuffle?: boolean;
}

/**
 * Two interleaving half circles, scikit-learn's `make_moons` step for step with the same random
 * draws: `makeMoons({samples: 100, noise: 0.2, seed: 1})` equals `make_moons(100, noise=0.2,
 * random_state=1)` up to last-bit differences of sin/cos between numpy and V8.
 */
export function makeMoons(args: MoonsArgs = {}): Dataset {
  const { samples, noise, seed, shuffle } = checkCommon('makeMoons', args);
  const outerCount = Math.floor(samples / 2);
  const innerCount = samples - outerCount;
  const outer = linspace(0, Math.PI, outerCount, true);
  const inner = linspace(0, Math.PI, innerCount, true);
  const points: number[] = [];
  for (const t of outer) points.push(Math.cos(t), Math.sin(t));
  for (const t of inner) points.push(1 - Math.cos(t), 1 - Math.sin(t) - 0.5);
  return finish(`moons:samples=${samples},noise=${noise},seed=${seed}`, points, outerCount, innerCount, noise, seed, shuffle);
}

/**
 * A large circle (label 0) around a smaller one (label 1), scikit-learn's `make_circles` step for
 * step with the same random draws (see `makeMoons`).
 */
export function makeCircles(args: CirclesArgs = {}): Dataset {
  const { samples, noise, seed, shuffle } = checkCommon('makeCircles', args);
  const factor = args.factor ?? 0.8;
  if (!(typeof factor === 'number' && factor >= 0 && factor < 1)) {
    throw new Error(`makeCircles: factor must be a number in [0, 1), got ${String(factor)}`);
  }
  const outerCount = Math.floor(samples / 2);
  const innerCount = samples - outerCount;
  const points: number[] = [];
  // endpoint=false, as scikit-learn does, so the first point is not repeated as the last.
  for (const t of linspace(0, 2 * Math.PI, outerCount, false)) points.push(Math.cos(t), Math.sin(t));
  for (const t of linspace(0, 2 * Math.PI, innerCount, false)) points.push(Math.cos(t) * factor, Math.sin(t) * factor);
  return finish(`circles:samples=${samples},noise=${noise},factor=${factor},seed=${seed}`, points, outerCount, innerCount, noise, seed, shuffle);
}

function checkCommon(where: string, args: MoonsArgs): Required<MoonsArgs> {
  const samples = args.samples ?? 100;
  const noise = args.noise ?? 0;
  const seed = args.seed ?? 0;
  if (!Number.isInteger(samples) || samples < 1) throw new Error(`${where}: samples must be a positive integer, got ${String(samples)}`);
  if (!(typeof noise === 'number' && Number.isFinite(noise) && noise >= 0)) {
    throw new Error(`${where}: noise must be a finite number >= 0, got ${String(noise)}`);
  }
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new Error(`${where}: seed must be an integer in [0, 4294967295], got ${String(seed)}`);
  }
  return { samples, noise, seed, shuffle: args.shuffle ?? true };
}

/** numpy's linspace arithmetic: i * step + start, with the exact stop as last value when endpoint. */
function linspace(start: number, stop: number, count: number, endpoint: boolean): number[] {
  if (count === 1) return [start];
  const step = (stop - start) / (endpoint ? count - 1 : count);
  const values: number[] = [];
  for (let i = 0; i < count; i++) values.push(i * step + start);
  if (endpoint && count > 1) values[count - 1] = stop;
  return values;
}

function finish(name: string, points: number[], outerCount: number, innerCount: number, noise: number, seed: number, shuffle: boolean): Dataset {
  const samples = outerCount + innerCount;
  const random = new RandomState(seed);
  // scikit-learn shuffles an index array (sklearn.utils.shuffle), then draws the noise row by row.
  const order = shuffle ? random.permutation(samples) : Int32Array.from({ length: samples }, (_, i) => i);
  const x = new Float64Array(samples * 2);
  const y = new Int32Array(samples);
  for (let row = 0; row < samples; row++) {
    const source = order[row];
    x[row * 2] = points[source * 2];
    x[row * 2 + 1] = points[source * 2 + 1];
    y[row] = source < outerCount ? 0 : 1;
  }
  if (noise > 0) {
    for (let i = 0; i < x.length; i++) x[i] += random.normal(0, noise);
  }
  return validateDataset({ name, x, y, sampleCount: samples, featureCount: 2, classCount: 2, featureNames: ['x0', 'x1'] });
}
