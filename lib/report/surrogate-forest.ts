/**
 * A small seeded random forest of regression trees, used only as the surrogate of the functional
 * ANOVA in `importance.ts`. It mirrors the forest Optuna's FanovaImportanceEvaluator fits
 * (scikit-learn RandomForestRegressor: bootstrap samples, every feature tried at every split,
 * squared-error splits at midpoints between neighbouring values, min 2 samples to split, min 1 per
 * leaf, max depth 64). Our own code rather than an npm forest because the fANOVA needs each tree's
 * partition of the input space (split feature, threshold, leaf value), which npm forests (e.g.
 * ml-random-forest) keep as undocumented internals; and because a seeded stream keeps reports
 * byte-identical across runs. Pure: plain arrays in, plain objects out.
 */
import seedrandom from 'seedrandom';

/** A node of a fitted regression tree. */
export type RegressionTreeNode =
  | { kind: 'leaf'; /** Mean response of the training samples in the leaf. */ value: number; /** Training samples in the leaf (with bootstrap repeats). */ samples: number }
  | {
      kind: 'split';
      /** Index of the feature the node splits on. */
      feature: number;
      /** Samples with feature value <= threshold go left, the others right. */
      threshold: number;
      left: RegressionTreeNode;
      right: RegressionTreeNode;
    };

/** Options of {@link fitRegressionForest}. */
export interface RegressionForestOptions {
  /** Number of trees. Default 32. */
  trees?: number;
  /** Seed of the bootstrap draws (a seedrandom stream). Default `'layerwise-forest'`. */
  seed?: string;
  /** Deepest split level; deeper nodes become leaves. Default 64 (Optuna's fANOVA default). */
  maxDepth?: number;
  /** A node with fewer samples is a leaf. Default 2. */
  minSamplesSplit?: number;
  /** Each side of a split keeps at least this many samples. Default 1. */
  minSamplesLeaf?: number;
  /** Draw each tree's training set with replacement (true) or use every sample (false). Default true. */
  bootstrap?: boolean;
}

/** A fitted forest: its trees and the number of features they were fitted on. */
export interface RegressionForest {
  trees: RegressionTreeNode[];
  featureCount: number;
}

function requirePositiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`fitRegressionForest: ${name} must be a positive integer, got ${String(value)}`);
  return value;
}

/**
 * Fits a seeded random forest of regression trees.
 * @param x Rows of features (all the same length, finite numbers).
 * @param y Responses, one per row, finite.
 */
export function fitRegressionForest(x: ReadonlyArray<readonly number[]>, y: readonly number[], options: RegressionForestOptions = {}): RegressionForest {
  if (x.length === 0) throw new RangeError('fitRegressionForest: needs at least one row');
  if (x.length !== y.length) throw new RangeError(`fitRegressionForest: ${x.length} rows but ${y.length} responses`);
  const featureCount = x[0].length;
  x.forEach((row, index) => {
    if (row.length !== featureCount) throw new RangeError(`fitRegressionForest: row ${index} has ${row.length} features, expected ${featureCount}`);
    if (!row.every(Number.isFinite)) throw new RangeError(`fitRegressionForest: row ${index} has a non-finite feature`);
  });
  if (!y.every(Number.isFinite)) throw new RangeError('fitRegressionForest: responses must be finite');
  const trees = requirePositiveInteger('trees', options.trees ?? 32);
  const maxDepth = requirePositiveInteger('maxDepth', options.maxDepth ?? 64);
  const minSamplesSplit = Math.max(2, requirePositiveInteger('minSamplesSplit', options.minSamplesSplit ?? 2));
  const minSamplesLeaf = requirePositiveInteger('minSamplesLeaf', options.minSamplesLeaf ?? 1);
  const random = seedrandom(options.seed ?? 'layerwise-forest');
  const fitted: RegressionTreeNode[] = [];
  for (let t = 0; t < trees; t++) {
    const rows = options.bootstrap === false ? Array.from(y, (_, i) => i) : Array.from(y, () => Math.floor(random() * y.length));
    const columns = Array.from({ length: featureCount }, (_, f) => Float64Array.from(rows, (row) => x[row][f]));
    const settings: GrowSettings = { columns, y: Float64Array.from(rows, (row) => y[row]), maxDepth, minSamplesSplit, minSamplesLeaf };
    // Ties keep sample order, so the tree does not depend on the sort's stability.
    const sorted = columns.map((column) => Int32Array.from(rows, (_, i) => i).sort((a, b) => column[a] - column[b] || a - b));
    fitted.push(growNode(settings, sorted, 0));
  }
  return { trees: fitted, featureCount };
}

interface GrowSettings {
  /** Feature columns of the tree's training sample (bootstrap rows already drawn). */
  columns: Float64Array[];
  /** Responses of the training sample. */
  y: Float64Array;
  maxDepth: number;
  minSamplesSplit: number;
  minSamplesLeaf: number;
}

function leafOf(settings: GrowSettings, rows: Int32Array): RegressionTreeNode {
  let sum = 0;
  for (const row of rows) sum += settings.y[row];
  return { kind: 'leaf', value: sum / rows.length, samples: rows.length };
}

/**
 * The split with the largest squared-error reduction over every feature, or null when none reduces
 * it. `sorted[f]` holds the node's samples ordered by feature f (presorted once per tree, then
 * partitioned stably at each split, so no node sorts again).
 */
function bestSplit(settings: GrowSettings, sorted: Int32Array[]): { feature: number; threshold: number } | null {
  const { columns, y, minSamplesLeaf } = settings;
  const count = sorted[0].length;
  let total = 0;
  for (const row of sorted[0]) total += y[row];
  const parentScore = (total * total) / count;
  let best: { feature: number; threshold: number; score: number } | null = null;
  for (let feature = 0; feature < columns.length; feature++) {
    const order = sorted[feature];
    const column = columns[feature];
    let leftSum = 0;
    for (let i = 0; i < count - 1; i++) {
      leftSum += y[order[i]];
      const here = column[order[i]];
      const next = column[order[i + 1]];
      if (here === next) continue;
      const leftCount = i + 1;
      const rightCount = count - leftCount;
      if (leftCount < minSamplesLeaf || rightCount < minSamplesLeaf) continue;
      // Maximizing n_L·mean_L² + n_R·mean_R² is minimizing the children's summed squared error.
      const score = (leftSum * leftSum) / leftCount + ((total - leftSum) * (total - leftSum)) / rightCount;
      if (best === null || score > best.score + 1e-12 * Math.abs(best.score)) {
        best = { feature, threshold: here + (next - here) / 2, score };
      }
    }
  }
  if (best === null || best.score <= parentScore + 1e-12 * Math.abs(parentScore)) return null;
  return { feature: best.feature, threshold: best.threshold };
}

function growNode(settings: GrowSettings, sorted: Int32Array[], depth: number): RegressionTreeNode {
  const rows = sorted[0];
  if (rows.length < settings.minSamplesSplit || depth >= settings.maxDepth) return leafOf(settings, rows);
  const split = bestSplit(settings, sorted);
  if (split === null) return leafOf(settings, rows);
  const column = settings.columns[split.feature];
  let leftCount = 0;
  for (const row of rows) if (column[row] <= split.threshold) leftCount++;
  const left: Int32Array[] = [];
  const right: Int32Array[] = [];
  for (const order of sorted) {
    // Stable partition keeps every child list sorted by its feature.
    const leftPart = new Int32Array(leftCount);
    const rightPart = new Int32Array(order.length - leftCount);
    let l = 0;
    let r = 0;
    for (const row of order) {
      if (column[row] <= split.threshold) leftPart[l++] = row;
      else rightPart[r++] = row;
    }
    left.push(leftPart);
    right.push(rightPart);
  }
  return { kind: 'split', feature: split.feature, threshold: split.threshold, left: growNode(settings, left, depth + 1), right: growNode(settings, right, depth + 1) };
}

/** The prediction of one tree for one row. */
export function predictTree(node: RegressionTreeNode, row: readonly number[]): number {
  let current = node;
  while (current.kind === 'split') current = row[current.feature] <= current.threshold ? current.left : current.right;
  return current.value;
}

/** The forest's prediction for one row: the mean of its trees' predictions. */
export function predictForest(forest: RegressionForest, row: readonly number[]): number {
  let sum = 0;
  for (const tree of forest.trees) sum += predictTree(tree, row);
  return sum / forest.trees.length;
}
