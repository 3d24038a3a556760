import { applyStandardizer, Dataset, fitStandardizer, splitOrdered, standardizeSplits } from '../../lib/data';

// Two features: a = 1, 2, 3, 6 (train) then 10; b constant 5 on train.
const data: Dataset = {
  name: 'toy',
  x: Float64Array.from([1, 5, 2, 5, 3, 5, 6, 5, 10, 7]),
  y: Int32Array.from([0, 1, 0, 1, 0]),
  sampleCount: 5,
  featureCount: 2,
  classCount: 2,
};

describe('standardization', () => {
  it('fits mean and population standard deviation; a constant feature gets scale 1', () => {
    const standardizer = fitStandardizer(splitOrdered(data, { train: 4 }).train);
    // Hand computation: mean(1,2,3,6) = 3; squared deviations 4+1+0+9 = 14; std = sqrt(14/4).
    expect(standardizer.mean).toEqual([3, 5]);
    expect(standardizer.scale[0]).toBeCloseTo(Math.sqrt(3.5), 14);
    expect(standardizer.scale[1]).toBe(1);
  });

  it('fits on train only and applies the same transform to test', () => {
    const { splits, standardizer } = standardizeSplits(splitOrdered(data, { train: 4 }));
    const train = Array.from(splits.train.x).filter((_, i) => i % 2 === 0);
    expect(train.reduce((a, b) => a + b, 0)).toBeCloseTo(0, 14);
    expect(train.reduce((a, b) => a + b * b, 0) / 4).toBeCloseTo(1, 14);
    // Test sample (10, 7): (10 - 3) / sqrt(3.5) and (7 - 5) / 1, using train statistics, not its own.
    expect(splits.test!.x[0]).toBeCloseTo(7 / Math.sqrt(3.5), 14);
    expect(splits.test!.x[1]).toBe(2);
    expect(JSON.parse(JSON.stringify(standardizer))).toEqual(standardizer);
    expect(Array.from(data.x)).toEqual([1, 5, 2, 5, 3, 5, 6, 5, 10, 7]);
  });

  it('rejects a standardizer of the wrong width', () => {
    expect(() => applyStandardizer(data, { mean: [0], scale: [1] })).toThrow(
      'applyStandardizer: standardizer has 1 means and 1 scales, dataset "toy" has 2 features',
    );
  });
});
