/** The zoo benchmark's pure helpers (bench/zoo/summary.ts) and its path inference and data (bench/zoo/worker.ts). */
import * as tf from '@tensorflow/tfjs';
import { ZOO_MODELS, zooModel } from '../../bench/zoo/models';
import { addKerasRatios, geometricMean, geometricMeanCpuRatio, geometricMeanRatio, renderZooTable, throughput, ZooRow } from '../../bench/zoo/summary';
import { zooData } from '../../bench/zoo/worker';

describe('zoo summary helpers', () => {
  test('geometricMean: exact on powers of two (tolerance 1e-12), undefined when empty, rejects non-positive values', () => {
    // (1 * 4 * 16)^(1/3) = 64^(1/3) = 4; (0.5 * 2)^(1/2) = 1.
    expect(geometricMean([1, 4, 16])).toBeCloseTo(4, 12);
    expect(geometricMean([0.5, 2])).toBeCloseTo(1, 12);
    expect(geometricMean([])).toBeUndefined();
    expect(() => geometricMean([1, 0])).toThrow(/> 0/);
    expect(() => geometricMean([1, Number.NaN])).toThrow(/finite/);
  });

  test('throughput is samples over the median repeat', () => {
    expect(throughput(1000, [2, 1, 4])).toBe(500);
    expect(throughput(1000, [1, 3])).toBe(500);
  });

  test('addKerasRatios pairs each layerwise row with the Keras row of the same model; the geometric mean is per backend', () => {
    const rows: ZooRow[] = [
      { model: 'a', runner: 'tensorflow', samplesPerSecond: 200 },
      { model: 'a', runner: 'keras', samplesPerSecond: 100 },
      { model: 'b', runner: 'tensorflow', samplesPerSecond: 50 },
      { model: 'b', runner: 'keras', samplesPerSecond: 100 },
      { model: 'b', runner: 'cpu', samplesPerSecond: 400 },
      { model: 'c', runner: 'tensorflow', samplesPerSecond: 10 }, // no Keras row: no ratio
      { model: 'd', runner: 'tensorflow', error: 'failed' },
      { model: 'd', runner: 'keras', samplesPerSecond: 10 },
    ];
    addKerasRatios(rows);
    expect(rows.map((row) => row.ratioToKeras)).toEqual([2, undefined, 0.5, undefined, 4, undefined, undefined, undefined]);
    expect(geometricMeanRatio(rows, 'tensorflow')).toBeCloseTo(1, 12);
    expect(geometricMeanRatio(rows, 'cpu')).toBeCloseTo(4, 12);
    const table = renderZooTable(rows);
    expect(table).toContain('| geometric mean | layerwise tensorflow |');
    expect(table).toContain('2.00x');
    expect(table).toContain('- (failed)');
    // Header, rule, 8 rows, 2 geometric-mean lines.
    expect(table.split('\n')).toHaveLength(12);
  });

  test('CPU-time ratios pair the same way and have their own geometric mean (rows without CPU figures get none)', () => {
    const rows: ZooRow[] = [
      { model: 'a', runner: 'tensorflow', samplesPerSecond: 100, samplesPerCpuSecond: 300 },
      { model: 'a', runner: 'keras', samplesPerSecond: 100, samplesPerCpuSecond: 100 },
      { model: 'b', runner: 'tensorflow', samplesPerSecond: 100, samplesPerCpuSecond: 30 },
      { model: 'b', runner: 'keras', samplesPerSecond: 50, samplesPerCpuSecond: 90 },
      { model: 'c', runner: 'tensorflow', samplesPerSecond: 100 },
      { model: 'c', runner: 'keras', samplesPerSecond: 100, samplesPerCpuSecond: 100 },
    ];
    addKerasRatios(rows);
    expect(rows.map((row) => row.cpuRatioToKeras)).toEqual([3, undefined, 1 / 3, undefined, undefined, undefined]);
    expect(rows.map((row) => row.ratioToKeras)).toEqual([1, undefined, 2, undefined, 1, undefined]);
    // (3 · 1/3)^(1/2) = 1 over the two models with CPU figures.
    expect(geometricMeanCpuRatio(rows, 'tensorflow')).toBeCloseTo(1, 12);
    const table = renderZooTable(rows);
    expect(table).toContain('x Keras (CPU)');
    expect(table).toContain('3.00x');
    expect(table).toContain('0.33x');
  });
});

describe('zoo models', () => {
  // tfjs warns that its orthogonal initializer (the recurrent kernels') is slow on large matrices; known, not under test.
  beforeAll(() => jest.spyOn(console, 'warn').mockImplementation(() => undefined));
  afterAll(() => jest.restoreAllMocks());

  test('every zoo model builds and its output matches its target', () => {
    for (const spec of ZOO_MODELS) {
      const model = spec.build();
      const output = model.outputs[0].shape;
      expect(output[output.length - 1]).toBe(spec.target.kind === 'binary' ? 1 : spec.target.classes);
      model.dispose();
    }
    expect(() => zooModel('nope')).toThrow(/allowed: mlp, cnn/);
  });


  test('zooData is seeded: same seed, same tensors; binary targets are 0/1 columns', () => {
    const spec = zooModel('tiny-mlp');
    const first = zooData(spec, 16, 3);
    const second = zooData(spec, 16, 3);
    expect(first.x.shape).toEqual([16, 2]);
    expect(first.y.shape).toEqual([16, 1]);
    expect(Array.from(first.x.dataSync())).toEqual(Array.from(second.x.dataSync()));
    expect(Array.from(first.y.dataSync()).every((value) => value === 0 || value === 1)).toBe(true);
    tf.dispose([first.x, first.y, second.x, second.y]);
  });
});
