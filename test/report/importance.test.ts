/** Which layer matters: the forest surrogate, the exact tree decomposition, and the bootstrap estimate. */
import seedrandom from 'seedrandom';
import { decomposeTree, mainEffectShares } from '../../lib/report/fanova';
import { armsWithLayerCoefficients, estimateImportance, layerImportance, MAX_IMPORTANCE_TRIALS } from '../../lib/report/importance';
import { fitRegressionForest, predictForest, RegressionTreeNode } from '../../lib/report/surrogate-forest';
import { summarizeTrial } from '../../lib/sweep/selection/trial-summary';
import { trial } from './fixtures';

/** log10 coefficients of layers A, B, C drawn uniformly in [-6, -2]; loss depends on A only (plus small noise). */
function onlyLayerA(count: number, seed: string): { x: number[][]; y: number[] } {
  const random = seedrandom(seed);
  const x: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < count; i++) {
    const row = [-6 + 4 * random(), -6 + 4 * random(), -6 + 4 * random()];
    x.push(row);
    y.push(0.3 + 0.05 * (row[0] + 4) ** 2 + 0.002 * (random() - 0.5));
  }
  return { x, y };
}

describe('decomposeTree', () => {
  test('matches the variance decomposition worked out by hand for a three-leaf tree', () => {
    // x0 <= 0.5 → 0; else x1 <= 0.5 → 1, else 3. On the unit square (uniform measure):
    // mean = 0.5·0 + 0.25·1 + 0.25·3 = 1; total variance = 0.5·1 + 0.25·0 + 0.25·4 = 1.5;
    // marginal of x0 = 0 on [0, .5], (1 + 3)/2 = 2 on (.5, 1] → variance 1;
    // marginal of x1 = 0.5 on [0, .5], 1.5 on (.5, 1] → variance 0.25. Interaction 0.25.
    const tree: RegressionTreeNode = {
      kind: 'split',
      feature: 0,
      threshold: 0.5,
      left: { kind: 'leaf', value: 0, samples: 1 },
      right: { kind: 'split', feature: 1, threshold: 0.5, left: { kind: 'leaf', value: 1, samples: 1 }, right: { kind: 'leaf', value: 3, samples: 1 } },
    };
    const decomposition = decomposeTree(tree, [
      [0, 1],
      [0, 1],
    ]);
    expect(decomposition.totalVariance).toBeCloseTo(1.5, 12);
    expect(decomposition.mainEffectVariances[0]).toBeCloseTo(1, 12);
    expect(decomposition.mainEffectVariances[1]).toBeCloseTo(0.25, 12);
    // Shares are scale-free: the same tree over a stretched box gives the same fractions.
    const stretched = decomposeTree(tree, [
      [0, 1],
      [-1, 2],
    ]);
    // Over x1 in [-1, 2] the cut at 0.5 sits in the middle, so the numbers are unchanged.
    expect(stretched.mainEffectVariances[1] / stretched.totalVariance).toBeCloseTo(0.25 / 1.5, 12);
  });

  test('an empty feature range is an error naming the feature', () => {
    expect(() => decomposeTree({ kind: 'leaf', value: 1, samples: 1 }, [[0, 0]])).toThrow(/feature 0 has an empty range/);
  });
});

describe('fitRegressionForest', () => {
  test('the same seed gives the same forest; another seed another one', () => {
    const { x, y } = onlyLayerA(40, 'forest');
    const first = fitRegressionForest(x, y, { trees: 8, seed: 's' });
    expect(fitRegressionForest(x, y, { trees: 8, seed: 's' })).toEqual(first);
    expect(fitRegressionForest(x, y, { trees: 8, seed: 't' })).not.toEqual(first);
  });

  test('a forest without bootstrap reproduces its training responses exactly (fully grown trees)', () => {
    const { x, y } = onlyLayerA(30, 'exact');
    const forest = fitRegressionForest(x, y, { trees: 2, bootstrap: false });
    x.forEach((row, i) => expect(predictForest(forest, row)).toBeCloseTo(y[i], 12));
  });

  test('bad input names the field', () => {
    expect(() => fitRegressionForest([], [])).toThrow(/at least one row/);
    expect(() => fitRegressionForest([[1], [2]], [1])).toThrow(/2 rows but 1 responses/);
    expect(() => fitRegressionForest([[1], [NaN]], [1, 2])).toThrow(/row 1 has a non-finite feature/);
    expect(() => fitRegressionForest([[1]], [1], { trees: 0 })).toThrow(/trees must be a positive integer/);
  });
});

describe('estimateImportance', () => {
  test('loss that depends only on layer A: A explains most of the variance, B and C about none, with intervals', () => {
    const { x, y } = onlyLayerA(60, 'only-a');
    const estimate = estimateImportance({ features: ['l2.A', 'l2.B', 'l2.C'], x, y }, { resamples: 60, seed: 'test' });
    expect(estimate.status).toBe('estimated');
    const [a, b, c] = estimate.importances;
    // Noise is ±0.001 against a signal range of 0.2: A's share should be close to 1 (tolerance from
    // the forest's step approximation of a smooth curve; the measured share is 0.999).
    expect(a.share).toBeGreaterThan(0.95);
    expect(a.interval?.lower).toBeGreaterThan(0.85);
    expect(a.interval?.upper).toBeLessThanOrEqual(1);
    for (const other of [b, c]) {
      expect(other.share).toBeLessThan(0.02);
      expect(other.interval?.upper).toBeLessThan(0.05);
    }
    expect(estimate.interactionShare).toBeLessThan(0.05);
    expect(a.range[0]).toBeGreaterThanOrEqual(-6);
    expect(a.range[1]).toBeLessThanOrEqual(-2);
  });

  test('additive effects of two layers split the variance in proportion to their effects', () => {
    // y = a + 0.5·b on a uniform box: Var(a) = 4·Var(0.5·b), so shares are 0.8 and 0.2 in the limit.
    const random = seedrandom('additive');
    const x: number[][] = [];
    const y: number[] = [];
    for (let i = 0; i < 120; i++) {
      const row = [random(), random()];
      x.push(row);
      y.push(row[0] + 0.5 * row[1]);
    }
    const estimate = estimateImportance({ features: ['a', 'b'], x, y }, { resamples: 20 });
    // Tolerance 0.08: a forest of step functions fitted on 120 points, not the exact function.
    expect(Math.abs(estimate.importances[0].share - 0.8)).toBeLessThan(0.08);
    expect(Math.abs(estimate.importances[1].share - 0.2)).toBeLessThan(0.08);
  });

  test('deterministic by seed; another seed changes the intervals', () => {
    const { x, y } = onlyLayerA(25, 'seeded');
    const data = { features: ['A', 'B', 'C'], x, y };
    const first = estimateImportance(data, { resamples: 20, seed: 'one' });
    expect(estimateImportance(data, { resamples: 20, seed: 'one' })).toEqual(first);
    expect(estimateImportance(data, { resamples: 20, seed: 'two' }).importances[1].interval).not.toEqual(first.importances[1].interval);
  });

  test('one trial, constant loss, or constant coefficients give a clear "not enough trials" result', () => {
    const one = estimateImportance({ features: ['A'], x: [[-3]], y: [0.5] });
    expect(one.status).toBe('insufficient');
    expect(one.reason).toMatch(/^not enough trials: 1 distinct configuration\(s\) \(1 trial\(s\)\); at least 5 are needed/);
    expect(one.importances).toEqual([]);
    expect(one.interactionShare).toBeNull();

    const { x } = onlyLayerA(10, 'flat');
    const flat = estimateImportance({ features: ['A', 'B', 'C'], x, y: x.map(() => 0.7) });
    expect(flat.status).toBe('insufficient');
    expect(flat.reason).toMatch(/not enough trials: validation loss is the same in every trial/);

    const fixed = estimateImportance({ features: ['A'], x: x.map(() => [-3]), y: x.map((_, i) => i) });
    expect(fixed.reason).toMatch(/every coefficient has the same value/);
  });

  test('seeds of one configuration count once toward the minimum and are resampled together', () => {
    // 4 configurations × 3 seeds: 12 trials but only 4 configurations, below the default minimum of 5.
    const x = [-5, -4, -3, -2].flatMap((a) => [[a], [a], [a]]);
    const y = x.map(([a], i) => a + 0.01 * (i % 3));
    const groups = x.map(([a]) => `c${a}`);
    expect(estimateImportance({ features: ['A'], x, y, groups }).reason).toMatch(/4 distinct configuration\(s\) \(12 trial\(s\)\)/);
    expect(estimateImportance({ features: ['A'], x, y, groups }, { minConfigurations: 4, resamples: 10 }).status).toBe('estimated');
  });

  test('a constant layer gets share 0 and no interval while the others are estimated', () => {
    const { x, y } = onlyLayerA(30, 'constant-layer');
    const estimate = estimateImportance({ features: ['A', 'fixed'], x: x.map((row) => [row[0], -4]), y }, { resamples: 10 });
    expect(estimate.importances[1]).toEqual({ feature: 'fixed', share: 0, interval: null, range: [-4, -4] });
    expect(estimate.importances[0].share).toBeGreaterThan(0.9);
  });

  test('bad options name the option and the allowed values', () => {
    const data = { features: ['A'], x: [[1]], y: [1] };
    expect(() => estimateImportance(data, { confidence: 1 })).toThrow(/importance.confidence: got 1; allowed: a number in \(0, 1\)/);
    expect(() => estimateImportance(data, { resamples: 1 })).toThrow(/importance.resamples: got 1; allowed: an integer >= 2/);
    expect(() => estimateImportance({ features: ['A', 'B'], x: [[1]], y: [1] })).toThrow(/row 0 has 1 values for 2 features/);
  });
});

describe('layerImportance over trial records', () => {
  test('reads <kind>.<layer> parameters on log10 scale and attributes the loss to the right layer', () => {
    const { x, y } = onlyLayerA(30, 'records');
    const records = x.map((row, i) =>
      trial({
        arm: 'per-layer',
        configId: `c${i}`,
        seed: 1,
        params: { 'l2.dense_1': 10 ** row[0], 'l2.dense_2': 10 ** row[1], learningRate: 0.01 },
        train: 0.1,
        validation: y[i],
        test: y[i],
      }),
    );
    records.push(trial({ arm: 'uniform', configId: 'u', seed: 1, params: { l2: 1e-4 }, train: 0.1, validation: 9, test: 9 }));
    const trials = records.map(summarizeTrial);
    expect(armsWithLayerCoefficients(trials)).toEqual(['per-layer']);
    const result = layerImportance('per-layer', trials, { resamples: 20 });
    expect(result.status).toBe('estimated');
    expect(result.observations).toBe(30);
    expect(result.parameters).toEqual([
      { parameter: 'l2.dense_1', kind: 'l2', layer: 'dense_1', scale: 'log10' },
      { parameter: 'l2.dense_2', kind: 'l2', layer: 'dense_2', scale: 'log10' },
    ]);
    expect(result.importances[0].share).toBeGreaterThan(0.9);
    expect(result.importances[1].share).toBeLessThan(0.05);
    expect(result.importances[0].range[0]).toBeCloseTo(Math.min(...x.map((row) => row[0])), 10);
  });

  test('a zero coefficient switches that parameter to a linear scale', () => {
    const records = [0, 1e-4, 1e-3, 1e-2, 1e-1].map((value, i) =>
      trial({ arm: 'per-layer', configId: `c${i}`, seed: 1, params: { 'l1.a': value }, train: 0.1, validation: value, test: value }),
    );
    const result = layerImportance('per-layer', records.map(summarizeTrial), { resamples: 5 });
    expect(result.parameters[0].scale).toBe('linear');
    expect(result.status).toBe('estimated');
  });
});

describe('mainEffectShares', () => {
  test('a forest of constant trees has no variance to share', () => {
    const forest = fitRegressionForest([[0], [1], [2]], [1, 1, 1], { trees: 3 });
    expect(mainEffectShares(forest, [[0, 2]])).toEqual([0]);
  });
});

describe('layer importance at scale', () => {
  it('an arm with more trials than MAX_IMPORTANCE_TRIALS is decomposed on a seeded sample of whole configurations, and says so', () => {
    const trials = [];
    const configurations = Math.ceil(MAX_IMPORTANCE_TRIALS / 2) + 5;
    for (let config = 0; config < configurations; config++) {
      const a = 10 ** (-5 + (4 * ((config * 7919) % configurations)) / configurations);
      const b = 10 ** (-5 + (4 * ((config * 104729) % configurations)) / configurations);
      for (let seed = 1; seed <= 2; seed++) {
        const loss = 5 + Math.log10(a) + 0.01 * seed;
        trials.push(summarizeTrial(trial({ arm: 'per-layer', configId: `c${config}`, seed, params: { 'l2.a': a, 'l2.b': b }, train: 0.1, validation: loss, test: loss })));
      }
    }
    const result = layerImportance('per-layer', trials, { seed: 'scale', resamples: 2, trees: 4 });
    expect(result.sample?.of).toBe(trials.length);
    expect(result.sample?.trials).toBeLessThanOrEqual(MAX_IMPORTANCE_TRIALS);
    // Whole configurations are kept: every sampled configuration contributes both of its seeds.
    expect(result.sample!.trials % 2).toBe(0);
    // The same seed picks the same sample, so the estimate is reproducible.
    expect(layerImportance('per-layer', trials, { seed: 'scale', resamples: 2, trees: 4 }).importances).toEqual(result.importances);
  });
});
