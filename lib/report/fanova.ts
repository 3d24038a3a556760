/**
 * First-order functional ANOVA of a regression forest (Hutter, Hoos & Leyton-Brown, "An Efficient
 * Approach for Assessing Hyperparameter Importance", ICML 2014). A tree is piecewise constant on
 * boxes, so under the uniform measure on the input box its variance and the variance of each
 * feature's marginal (the tree averaged over every other feature) are exact finite sums. A
 * feature's main-effect share is marginal variance / total variance, per tree, averaged over trees,
 * the same estimator as Optuna's FanovaImportanceEvaluator before its normalization to sum 1.
 */
import type { RegressionForest, RegressionTreeNode } from './surrogate-forest';

/** Lower and upper end of one feature's range. */
export type FeatureBounds = ReadonlyArray<readonly [number, number]>;

/** Variance decomposition of one tree. */
export interface TreeDecomposition {
  /** Variance of the tree's prediction over the input box (uniform measure). */
  totalVariance: number;
  /** Variance of each feature's marginal prediction: the first-order (main) effect. */
  mainEffectVariances: number[];
}

interface LeafBox {
  lower: number[];
  upper: number[];
  value: number;
}

function collectLeaves(node: RegressionTreeNode, lower: number[], upper: number[], out: LeafBox[]): void {
  if (node.kind === 'leaf') {
    out.push({ lower: [...lower], upper: [...upper], value: node.value });
    return;
  }
  const f = node.feature;
  // Splits outside the current box leave one child empty; clamp so its box has zero width.
  const cut = Math.min(Math.max(node.threshold, lower[f]), upper[f]);
  const leftUpper = [...upper];
  leftUpper[f] = cut;
  collectLeaves(node.left, lower, leftUpper, out);
  const rightLower = [...lower];
  rightLower[f] = cut;
  collectLeaves(node.right, rightLower, upper, out);
}

/**
 * Exact variance decomposition of one tree over the box `bounds` (every feature must have upper >
 * lower; constant features belong outside the fit).
 */
export function decomposeTree(tree: RegressionTreeNode, bounds: FeatureBounds): TreeDecomposition {
  const featureCount = bounds.length;
  bounds.forEach(([low, high], f) => {
    if (!(high > low)) throw new RangeError(`decomposeTree: feature ${f} has an empty range [${low}, ${high}]`);
  });
  const leaves: LeafBox[] = [];
  collectLeaves(
    tree,
    bounds.map(([low]) => low),
    bounds.map(([, high]) => high),
    leaves,
  );
  const widths = bounds.map(([low, high]) => high - low);
  const fractions = leaves.map((leaf) => leaf.lower.reduce((product, low, f) => product * ((leaf.upper[f] - low) / widths[f]), 1));
  let mean = 0;
  leaves.forEach((leaf, i) => (mean += fractions[i] * leaf.value));
  let totalVariance = 0;
  leaves.forEach((leaf, i) => (totalVariance += fractions[i] * (leaf.value - mean) ** 2));

  const mainEffectVariances: number[] = [];
  for (let f = 0; f < featureCount; f++) {
    // The marginal along f is a step function on the cut points of f; each leaf adds value × (its
    // volume share in the other features) on its own f-interval. A difference array sums it.
    const cuts = [...new Set(leaves.flatMap((leaf) => [leaf.lower[f], leaf.upper[f]]))].sort((a, b) => a - b);
    const indexOf = new Map(cuts.map((cut, i) => [cut, i]));
    const steps = new Array<number>(cuts.length).fill(0);
    leaves.forEach((leaf, i) => {
      const share = (leaf.upper[f] - leaf.lower[f]) / widths[f];
      if (share <= 0) return;
      const contribution = (leaf.value * fractions[i]) / share;
      steps[indexOf.get(leaf.lower[f]) as number] += contribution;
      steps[indexOf.get(leaf.upper[f]) as number] -= contribution;
    });
    let marginal = 0;
    let variance = 0;
    for (let i = 0; i < cuts.length - 1; i++) {
      marginal += steps[i];
      variance += ((cuts[i + 1] - cuts[i]) / widths[f]) * (marginal - mean) ** 2;
    }
    mainEffectVariances.push(variance);
  }
  return { totalVariance, mainEffectVariances };
}

/**
 * Each feature's first-order share of the forest's variance: per tree marginal variance / total
 * variance (0 for a constant tree), averaged over trees. Shares lie in [0, 1] and sum to at most 1;
 * the rest is interactions.
 */
export function mainEffectShares(forest: RegressionForest, bounds: FeatureBounds): number[] {
  if (bounds.length !== forest.featureCount) {
    throw new RangeError(`mainEffectShares: ${bounds.length} bounds for a forest of ${forest.featureCount} features`);
  }
  const shares = new Array<number>(forest.featureCount).fill(0);
  for (const tree of forest.trees) {
    const { totalVariance, mainEffectVariances } = decomposeTree(tree, bounds);
    if (!(totalVariance > 0)) continue;
    mainEffectVariances.forEach((variance, f) => (shares[f] += Math.min(1, variance / totalVariance)));
  }
  return shares.map((share) => share / forest.trees.length);
}
