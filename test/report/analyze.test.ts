/** Trial summaries, exclusions, configuration statistics, budget and epoch curves. */
import { analyzeSweep } from '../../lib/report/analyze';
import { budgetCurve } from '../../lib/report/budget-curve';
import { epochCurve } from '../../lib/report/epoch-curves';
import { countTrials, summarizeTrial } from '../../lib/sweep/selection/trial-summary';
import { layerCoefficientsOf } from '../../lib/sweep/selection/configuration-summary';
import type { EpochRecord } from '../../lib/train/record';
import { HOSTILE_LAYER, realisticSweep, trial } from './fixtures';

function epoch(n: number, train: number, validation: number, test: number): EpochRecord {
  return {
    epoch: n,
    train: { loss: train, accuracy: 0.9 },
    validation: { loss: validation, accuracy: 0.8 },
    test: { loss: test, accuracy: 0.7 },
    penalty: 0.01 * n,
    penaltyPerLayer: { 'dense_1.kernel': 0.01 * n },
    weightNorms: { 'dense_1/kernel': n },
    seconds: 1,
  };
}

describe('summarizeTrial', () => {
  test('final is the record’s kept weights; best is the lowest validation epoch; gaps follow their definitions', () => {
    const record = trial({ arm: 'uniform', configId: 'c', seed: 1, train: 0, validation: 0, test: 0 });
    record.epochs = [epoch(1, 0.9, 0.8, 0.85), epoch(2, 0.5, 0.4, 0.6), epoch(3, 0.3, 0.45, 0.7)];
    record.final = record.epochs[1];
    const summary = summarizeTrial(record);
    expect(summary.usable).toBe(true);
    expect(summary.final?.epoch).toBe(2);
    expect(summary.best?.epoch).toBe(2);
    expect(summary.final?.lossGap).toBeCloseTo(0.6 - 0.5, 12);
    expect(summary.final?.accuracyGap).toBeCloseTo(0.9 - 0.7, 12);
    expect(summary.weightNorms).toEqual({ 'dense_1/kernel': 2 });
    expect(summary.penaltyPerLayer).toEqual({ 'dense_1.kernel': 0.02 });
    // Without `final` the last epoch stands in.
    delete record.final;
    expect(summarizeTrial(record).final?.epoch).toBe(3);
  });

  test('failed, diverged, pruned, unfinished and non-finite trials are excluded with their reason and counted', () => {
    const base = { arm: 'uniform', configId: 'c', train: 0.1, validation: 0.2, test: 0.3 };
    const failed = trial({ ...base, seed: 1, state: 'failed' });
    const diverged = trial({ ...base, seed: 2, state: 'diverged' });
    const pruned = trial({ ...base, seed: 3, state: 'pruned' });
    const running = trial({ ...base, seed: 4, state: 'running' });
    const nan = trial({ ...base, seed: 5, test: NaN });
    const divergedRun = trial({ ...base, seed: 6 });
    divergedRun.runStatus = 'diverged';
    const empty = trial({ ...base, seed: 7 });
    empty.epochs = [];
    delete empty.final;
    const good = trial({ ...base, seed: 8 });
    const summaries = [failed, diverged, pruned, running, nan, divergedRun, empty, good].map(summarizeTrial);
    expect(summaries.map((summary) => summary.exclusion)).toEqual(['failed', 'diverged', 'pruned', 'unfinished', 'non-finite', 'diverged', 'no-metrics', undefined]);
    expect(countTrials(summaries)).toEqual({
      total: 8,
      usable: 1,
      excluded: { failed: 1, diverged: 2, pruned: 1, unfinished: 1, 'no-metrics': 1, 'non-finite': 1 },
    });
  });
});

describe('analyzeSweep on a realistic sweep', () => {
  const records = realisticSweep();
  const report = analyzeSweep(records, { bootstrapResamples: 1000 });

  test('counts every trial and excludes the failed, diverged and pruned ones from statistics', () => {
    expect(report.counts).toEqual({ total: 40, usable: 37, excluded: { failed: 1, diverged: 1, pruned: 1, unfinished: 0, 'no-metrics': 0, 'non-finite': 0 } });
    const damaged = report.configurations.find((configuration) => configuration.counts.excluded.failed === 1);
    expect(damaged?.final.testLoss.n).toBe(2);
    expect(damaged?.seeds).toEqual([11, 13]);
  });

  test('configuration statistics equal the statistics of their usable seeds', () => {
    const configuration = report.configurations[0];
    const values = records
      .filter((record) => record.configId === configuration.configId && record.state === 'complete')
      .map((record) => (record.final?.test?.loss as number) - (record.final?.train.loss as number));
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    expect(configuration.final.lossGap.mean).toBeCloseTo(mean, 12);
    expect(configuration.final.lossGap.n).toBe(values.length);
  });

  test('detects the uniform coefficient parameter and reads per-layer coefficients, hostile names included', () => {
    expect(report.settings.coefficientParameter).toBe('l2');
    const uniform = report.configurations.filter((configuration) => configuration.arm === 'uniform');
    expect(uniform.map((configuration) => configuration.coefficient)).toEqual([0, 1e-5, 1e-4, 1e-3, 1e-2]);
    const perLayer = report.configurations.find((configuration) => configuration.arm === 'per-layer');
    expect(perLayer?.layerCoefficients.map((coefficient) => coefficient.layer)).toEqual([HOSTILE_LAYER, 'dense_1', 'dense_2']);
    expect(layerCoefficientsOf({ l2: 1, 'l1.x.y': 2, 'bad.': 3, name: 'n' })).toEqual([{ parameter: 'l1.x.y', kind: 'l1', layer: 'x.y', value: 2 }]);
  });

  test('compares the two arms on their four shared seeds; budget curves count every trial', () => {
    expect(report.comparison?.sharedSeeds).toEqual([11, 12, 13, 14]);
    expect(report.comparisonUnavailable).toBeUndefined();
    for (const curve of report.budgetCurves) {
      expect(curve.points).toHaveLength(20);
      const best = curve.points.map((point) => point.bestSoFar).filter((value): value is number => value !== null);
      for (let i = 1; i < best.length; i++) expect(best[i]).toBeLessThanOrEqual(best[i - 1]);
    }
  });

  test('is deterministic: the same records and seed give the same report', () => {
    expect(JSON.stringify(analyzeSweep(records, { bootstrapResamples: 1000 }))).toBe(JSON.stringify(report));
  });

  test('says why there is no comparison when an arm is missing', () => {
    const onlyUniform = analyzeSweep(records.filter((record) => record.arm === 'uniform'), { bootstrapResamples: 100 });
    expect(onlyUniform.comparison).toBeNull();
    expect(onlyUniform.comparisonUnavailable).toBe('needs both arms "uniform" and "per-layer"; found: uniform');
  });
});

describe('budgetCurve and epochCurve', () => {
  test('best validation so far by sampling order; failed trials spend budget without improving it', () => {
    const trials = [
      trial({ arm: 'a', configId: 'c1', seed: 1, index: 0, train: 0.1, validation: 0.5 }),
      trial({ arm: 'a', configId: 'c2', seed: 1, index: 1, train: 0.1, validation: 0.1, state: 'failed' }),
      trial({ arm: 'a', configId: 'c3', seed: 1, index: 3, train: 0.1, validation: 0.45 }),
      trial({ arm: 'a', configId: 'c4', seed: 1, index: 2, train: 0.1, validation: 0.4 }),
    ].map(summarizeTrial);
    const curve = budgetCurve('a', trials);
    expect(curve.points.map((point) => point.trialsSpent)).toEqual([1, 2, 3, 4]);
    expect(curve.points.map((point) => point.configId)).toEqual(['c1', 'c2', 'c4', 'c3']);
    expect(curve.points.map((point) => point.bestSoFar)).toEqual([0.5, 0.5, 0.4, 0.4]);
    expect(curve.points[1].value).toBeNull();
  });

  test('per-epoch mean and sample sd over seeds; a seed that stopped early stops contributing', () => {
    const a = trial({ arm: 'a', configId: 'c', seed: 1, train: 0, validation: 0, test: 0 });
    a.epochs = [epoch(1, 1, 2, 3), epoch(2, 0.5, 1, 1)];
    const b = trial({ arm: 'a', configId: 'c', seed: 2, train: 0, validation: 0, test: 0 });
    b.epochs = [epoch(1, 3, 4, 5)];
    const failed = trial({ arm: 'a', configId: 'c', seed: 3, train: 0, validation: 0, test: 0, state: 'failed' });
    failed.epochs = [epoch(1, 100, 100, 100)];
    const curve = epochCurve('c', [a, b, failed], [a, b, failed].map(summarizeTrial));
    expect(curve.points[0].metrics.trainLoss).toEqual({ n: 2, mean: 2, std: Math.SQRT2 });
    expect(curve.points[0].metrics.lossGap).toEqual({ n: 2, mean: 2, std: 0 });
    expect(curve.points[1].metrics.trainLoss).toEqual({ n: 1, mean: 0.5, std: null });
  });
});
