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
  // Each feature sorted once per forest; each tree's sample is then ordered by a counting pass.
  const ranks = Array.from({ length: featureCount }, (_, f) => denseRanks(x.map((row) => row[f])));
  const fitted: RegressionTreeNode[] = [];
  for (let t = 0; t < trees; t++) {
    const rows = options.bootstrap === false ? Array.from(y, (_, i) => i) : Array.from(y, () => Math.floor(random() * y.length));
    const columns = Array.from({ length: featureCount }, (_, f) => Float64Array.from(rows, (row) => x[row][f]));
    // Ordered by value, ties in sample order, so the tree does not depend on a sort's stability.
    const sorted = ranks.map((rank) => orderByRank(rows, rank));
    const settings: GrowSettings = { columns, y: Float64Array.from(rows, (row) => y[row]), maxDepth, minSamplesSplit, minSamplesLeaf, sorted, scratch: new Int32Array(rows.length) };
    fitted.push(growNode(settings, 0, rows.length, 0));
  }
  return { trees: fitted, featureCount };
}

/** Dense rank of each value (0 for the smallest; equal values share a rank) and the number of distinct values. */
function denseRanks(values: readonly number[]): { rank: Int32Array; distinct: number } {
  const order = Array.from(values, (_, i) => i).sort((a, b) => values[a] - values[b] || a - b);
  const rank = new Int32Array(values.length);
  let distinct = 0;
  order.forEach((row, position) => {
    if (position > 0 && values[row] !== values[order[position - 1]]) distinct++;
    rank[row] = distinct;
  });
  return { rank, distinct: values.length === 0 ? 0 : distinct + 1 };
}

/**
 * Sample positions 0..rows.length-1 ordered by the rank of their row, ties by position: the order
 * of sorting by (value, position), found by one counting pass instead of a comparison sort.
 */
function orderByRank(rows: readonly number[], { rank, distinct }: { rank: Int32Array; distinct: number }): Int32Array {
  const next = new Int32Array(distinct + 1);
  for (const row of rows) next[rank[row] + 1]++;
  for (let r = 1; r <= distinct; r++) next[r] += next[r - 1];
  const order = new Int32Array(rows.length);
  for (let position = 0; position < rows.length; position++) order[next[rank[rows[position]]]++] = position;
  return order;
}

interface GrowSettings {
  /** Feature columns of the tree's training sample (bootstrap rows already drawn). */
  columns: Float64Array[];
  /** Responses of the training sample. */
  y: Float64Array;
  maxDepth: number;
  minSamplesSplit: number;
  minSamplesLeaf: number;
  /**
   * `sorted[f]` holds the sample's rows ordered by feature f. A node owns the range [start, end)
   * of every list; a split partitions that range in place, stably, so each child's range stays
   * ordered by every feature (scikit-learn's layout: no list allocated per node).
   */
  sorted: Int32Array[];
  /** Room for the right-hand rows while a range is partitioned. */
  scratch: Int32Array;
}

function leafOf(settings: GrowSettings, start: number, end: number): RegressionTreeNode {
  const rows = settings.sorted[0];
  let sum = 0;
  for (let i = start; i < end; i++) sum += settings.y[rows[i]];
  return { kind: 'leaf', value: sum / (end - start), samples: end - start };
}

/**
 * The split with the largest squared-error reduction over every feature, or null when none reduces
 * it. The node's samples are rows [start, end) of `settings.sorted[f]`, ordered by feature f
 * (presorted once per tree, then partitioned stably at each split, so no node sorts again).
 */
function bestSplit(settings: GrowSettings, start: number, end: number): { feature: number; threshold: number } | null {
  const { columns, y, minSamplesLeaf, sorted } = settings;
  const count = end - start;
  let total = 0;
  for (let i = start; i < end; i++) total += y[sorted[0][i]];
  const parentScore = (total * total) / count;
  let bestFeature = -1;
  let bestThreshold = 0;
  let bestScore = 0;
  for (let feature = 0; feature < columns.length; feature++) {
    const order = sorted[feature];
    const column = columns[feature];
    let leftSum = 0;
    for (let i = start; i < end - 1; i++) {
      leftSum += y[order[i]];
      const here = column[order[i]];
      const next = column[order[i + 1]];
      if (here === next) continue;
      const leftCount = i + 1 - start;
      const rightCount = count - leftCount;
      if (leftCount < minSamplesLeaf || rightCount < minSamplesLeaf) continue;
      // Maximizing n_L·mean_L² + n_R·mean_R² is minimizing the children's summed squared error.
      const score = (leftSum * leftSum) / leftCount + ((total - leftSum) * (total - leftSum)) / rightCount;
      if (bestFeature < 0 || score > bestScore + 1e-12 * Math.abs(bestScore)) {
        bestFeature = feature;
        bestThreshold = here + (next - here) / 2;
        bestScore = score;
      }
    }
  }
  if (bestFeature < 0 || bestScore <= parentScore + 1e-12 * Math.abs(parentScore)) return null;
  return { feature: bestFeature, threshold: bestThreshold };
}

function growNode(settings: GrowSettings, start: number, end: number, depth: number): RegressionTreeNode {
  if (end - start < settings.minSamplesSplit || depth >= settings.maxDepth) return leafOf(settings, start, end);
  const split = bestSplit(settings, start, end);
  if (split === null) return leafOf(settings, start, end);
  const column = settings.columns[split.feature];
  const scratch = settings.scratch;
  let middle = start;
  for (const order of settings.sorted) {
    // Stable partition in place: left rows forward, right rows through the scratch buffer.
    let l = start;
    let r = 0;
    for (let i = start; i < end; i++) {
      const row = order[i];
      if (column[row] <= split.threshold) order[l++] = row;
      else scratch[r++] = row;
    }
    order.set(scratch.subarray(0, r), l);
    middle = l;
  }
  return { kind: 'split', feature: split.feature, threshold: split.threshold, left: growNode(settings, start, middle, depth + 1), right: growNode(settings, middle, end, depth + 1) };
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
