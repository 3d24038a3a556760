import { listDatasets, loadDataset, loadMoons, makeCircles, parseDatasetName, registerDataset, sampleFeatures } from '../../lib/data';

describe('loadDataset', () => {
  it('plain names load the shipped files', () => {
    expect(sampleFeatures(loadDataset('moons'), 0)).toEqual(sampleFeatures(loadMoons(), 0));
    expect(loadDataset('circles').sampleCount).toBe(100);
    expect(loadDataset('digits').sampleCount).toBe(1797);
    expect(loadDataset('mnist:part=test').sampleCount).toBe(1000);
  });

  it('parameters generate; missing ones default to the shipped set, so moons:seed=1 regenerates it (within 1e-15)', () => {
    const regenerated = loadDataset('moons:seed=1');
    const shipped = loadMoons();
    expect(Array.from(regenerated.y)).toEqual(Array.from(shipped.y));
    regenerated.x.forEach((value, i) => expect(Math.abs(value - shipped.x[i])).toBeLessThan(1e-15));
    const big = loadDataset('moons: samples=1000, noise=0.3, seed=4');
    expect([big.sampleCount, big.name]).toEqual([1000, 'moons:samples=1000,noise=0.3,seed=4']);
    expect(Array.from(loadDataset('circles:samples=50,factor=0.5,seed=2').x)).toEqual(
      Array.from(makeCircles({ samples: 50, noise: 0.1, factor: 0.5, seed: 2 }).x),
    );
  });

  it('errors list what is allowed', () => {
    expect(() => loadDataset('iris')).toThrow('loadDataset: unknown dataset "iris"; known datasets are moons, circles, digits, mnist');
    expect(() => loadDataset('moons:size=3')).toThrow('loadDataset: unknown parameter "size" for dataset "moons"; allowed: samples, noise, seed');
    expect(() => loadDataset('digits:samples=3')).toThrow('allowed: none');
    expect(() => loadDataset('moons:noise=lots')).toThrow('loadDataset: parameter "noise" of dataset "moons" must be a number, got "lots"');
    expect(() => loadDataset('mnist:part=dev')).toThrow('parameter "part" of dataset "mnist" must be one of train, test, all, got "dev"');
    expect(() => loadDataset('moons:samples')).toThrow('loadDataset: "samples" in "moons:samples" is not key=value');
    expect(() => loadDataset('moons:seed=1,seed=2')).toThrow('parameter "seed" given twice');
    expect(() => loadDataset('moons:samples=2.5')).toThrow('makeMoons: samples must be a positive integer, got 2.5');
  });

  it('parses names and accepts registered datasets', () => {
    expect(parseDatasetName('circles:factor=0.5')).toEqual({ name: 'circles', parameters: { factor: '0.5' } });
    registerDataset('tiny-test', {
      description: 'two points',
      parameters: {},
      load: () => ({ name: 'tiny-test', x: Float64Array.from([0, 1]), y: Int32Array.from([0, 1]), sampleCount: 2, featureCount: 1, classCount: 2 }),
    });
    expect(loadDataset('tiny-test').sampleCount).toBe(2);
    expect(listDatasets().map((d) => d.name)).toEqual(['moons', 'circles', 'digits', 'mnist', 'fashion-mnist', 'tiny-test']);
    expect(() => registerDataset('9lives', listDatasets()[0] as never)).toThrow('registerDataset: name must be');
  });
});
