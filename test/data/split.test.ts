import { Dataset, labelCounts, loadDigits, loadMoons, makeMoons, sampleFeatures, splitDataset, splitOrdered } from '../../lib/data';

/** Every index 0..n-1 appears in exactly one part. */
function expectDisjointAndCovering(parts: Array<Int32Array | undefined>, total: number): void {
  const seen = new Int32Array(total);
  for (const part of parts) for (const index of part ?? []) seen[index]++;
  expect(Array.from(seen).every((count) => count === 1)).toBe(true);
}

describe('splitDataset', () => {
  const moons = makeMoons({ samples: 200, noise: 0.1, seed: 5 });

  it('parts are disjoint, cover every sample, and carry the right rows', () => {
    const splits = splitDataset(moons, { validation: 0.2, test: 0.25, seed: 7 });
    expect([splits.train.sampleCount, splits.validation?.sampleCount, splits.test?.sampleCount]).toEqual([110, 40, 50]);
    expectDisjointAndCovering([splits.indices.train, splits.indices.validation, splits.indices.test], 200);
    const source = splits.indices.test![3];
    expect(sampleFeatures(splits.test!, 3)).toEqual(sampleFeatures(moons, source));
    expect(splits.test!.y[3]).toBe(moons.y[source]);
    expect(splits.train.name).toBe(`${moons.name}/train`);
  });

  it('accepts counts, rounds fractions up (as scikit-learn test_size), and omits empty parts', () => {
    const counts = splitDataset(moons, { validation: 30, test: 0.101, seed: 1 });
    expect([counts.validation?.sampleCount, counts.test?.sampleCount, counts.train.sampleCount]).toEqual([30, 21, 149]);
    const trainOnly = splitDataset(moons, { test: 0.5 });
    expect(trainOnly.validation).toBeUndefined();
    expect(trainOnly.indices.validation).toBeUndefined();
  });

  it('is reproducible for a seed and changes with the seed', () => {
    const a = splitDataset(moons, { test: 0.3, seed: 11 });
    const b = splitDataset(moons, { test: 0.3, seed: 11 });
    const c = splitDataset(moons, { test: 0.3, seed: 12 });
    expect(Array.from(b.indices.test!)).toEqual(Array.from(a.indices.test!));
    expect(Array.from(c.indices.test!)).not.toEqual(Array.from(a.indices.test!));
  });

  it('without stratification takes test then validation from numpy permutation(n)', () => {
    // numpy: np.random.RandomState(5).permutation(10) == [9, 5, 2, 4, 7, 1, 0, 8, 6, 3]
    const ten: Dataset = { name: 'ten', x: Float64Array.from({ length: 10 }, (_, i) => i), y: new Int32Array(10), sampleCount: 10, featureCount: 1, classCount: 1 };
    const splits = splitDataset(ten, { test: 3, validation: 2, seed: 5 });
    expect(Array.from(splits.indices.test!)).toEqual([9, 5, 2]);
    expect(Array.from(splits.indices.validation!)).toEqual([4, 7]);
    expect(Array.from(splits.indices.train)).toEqual([1, 0, 8, 6, 3]);
  });

  it('stratified: every part keeps each class share within one sample', () => {
    const digits = loadDigits();
    const splits = splitDataset(digits, { validation: 0.15, test: 0.2, seed: 3, stratify: true });
    expectDisjointAndCovering([splits.indices.train, splits.indices.validation, splits.indices.test], digits.sampleCount);
    expect(splits.test!.sampleCount).toBe(Math.ceil(0.2 * 1797));
    expect(splits.validation!.sampleCount).toBe(Math.ceil(0.15 * 1797));
    const total = labelCounts(digits);
    for (const part of [splits.test!, splits.validation!]) {
      labelCounts(part).forEach((count, label) => expect(Math.abs(count - (total[label] * part.sampleCount) / 1797)).toBeLessThan(1));
    }
  });

  it('rejects sizes that leave no training data or are not fractions/counts', () => {
    expect(() => splitDataset(moons, { test: 0.5, validation: 0.5 })).toThrow(
      `splitDataset: test (100) + validation (100) samples leave no training samples out of 200 in dataset "${moons.name}"`,
    );
    expect(() => splitDataset(moons, { test: 1.5 })).toThrow('splitDataset: test must be a fraction in (0, 1) or a whole count >= 1, got 1.5');
    expect(() => splitDataset(moons, { validation: -1 })).toThrow('validation must be a fraction');
  });
});

describe('splitOrdered', () => {
  it('first 30 moons train, the remaining 70 test, in file order', () => {
    const moons = loadMoons();
    const splits = splitOrdered(moons, { train: 30 });
    expect([splits.train.sampleCount, splits.test?.sampleCount, splits.validation]).toEqual([30, 70, undefined]);
    expect(sampleFeatures(splits.train, 0)).toEqual(sampleFeatures(moons, 0));
    expect(sampleFeatures(splits.test!, 0)).toEqual(sampleFeatures(moons, 30));
    expectDisjointAndCovering([splits.indices.train, splits.indices.test], 100);
  });

  it('takes validation right after train', () => {
    const splits = splitOrdered(loadMoons(), { train: 60, validation: 20 });
    expect([splits.indices.validation![0], splits.indices.test![0], splits.test!.sampleCount]).toEqual([60, 80, 20]);
  });

  it('rejects sizes beyond the data', () => {
    expect(() => splitOrdered(loadMoons(), { train: 90, validation: 20 })).toThrow('splitOrdered: train (90) + validation (20) exceed the 100 samples of dataset "moons"');
    expect(() => splitOrdered(loadMoons(), { train: 0 })).toThrow('splitOrdered: train must be a positive integer, got 0');
  });
});
