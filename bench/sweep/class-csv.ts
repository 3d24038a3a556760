/**
 * The mid-size sweep's data: a deterministic classification CSV (Gaussian classes around seeded
 * centres), written the same for layerwise and for the Optuna + Keras peer. Pure: no I/O here.
 */

/** Arguments of {@link classificationCsv}. */
export interface ClassificationCsvArgs {
  /** Rows (samples). */
  rows: number;
  /** Feature columns `f0..f{n-1}`. */
  features: number;
  /** Classes; the `label` column holds 0..classes-1. */
  classes: number;
  /** Seed of the whole file: the same seed gives the same bytes. */
  seed: number;
  /** Standard deviation of the noise around each class centre (centres are standard normal). Default 1.5. */
  noise?: number;
}

/** mulberry32: a small, well-mixed 32-bit PRNG; returns a function giving floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The CSV text: header `f0,...,label`, one row per sample, features with 6 decimals, labels cycling 0..classes-1 (balanced). */
export function classificationCsv(args: ClassificationCsvArgs): string {
  if (!Number.isInteger(args.rows) || args.rows < args.classes) throw new Error(`classificationCsv: rows must be an integer >= classes, got ${args.rows}`);
  if (!Number.isInteger(args.features) || args.features < 1) throw new Error(`classificationCsv: features must be an integer >= 1, got ${args.features}`);
  if (!Number.isInteger(args.classes) || args.classes < 2) throw new Error(`classificationCsv: classes must be an integer >= 2, got ${args.classes}`);
  const random = mulberry32(args.seed);
  // Box-Muller: one standard normal from two uniforms (1 - u keeps the log finite).
  const normal = (): number => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const noise = args.noise ?? 1.5;
  const centres = Array.from({ length: args.classes }, () => Array.from({ length: args.features }, normal));
  const lines = [[...Array.from({ length: args.features }, (_, index) => `f${index}`), 'label'].join(',')];
  for (let row = 0; row < args.rows; row++) {
    const label = row % args.classes;
    const values = centres[label].map((centre) => (centre + noise * normal()).toFixed(6));
    lines.push([...values, String(label)].join(','));
  }
  return `${lines.join('\n')}\n`;
}
