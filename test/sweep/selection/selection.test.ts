/** Selection must read validation, never test: these tests fail if it used test numbers. */
import { analyzeSweep } from '../../../lib/report/analyze';
import { selectConfiguration } from '../../../lib/sweep/selection/selection';
import { trial } from '../../report/fixtures';
import type { TrialRecord } from '../../../lib/sweep/record';

// Config "val-best" wins on validation but loses on test; "test-best" is the opposite.
function records(): TrialRecord[] {
  const out: TrialRecord[] = [];
  for (const seed of [1, 2, 3]) {
    out.push(trial({ arm: 'uniform', configId: 'val-best', params: { l2: 1e-3 }, seed, train: 0.1, validation: 0.30 + seed * 0.001, test: 0.60, validationAccuracy: 0.7, testAccuracy: 0.6 }));
    out.push(trial({ arm: 'uniform', configId: 'test-best', params: { l2: 1e-2 }, seed, train: 0.1, validation: 0.40 + seed * 0.001, test: 0.20, validationAccuracy: 0.9, testAccuracy: 0.95 }));
    out.push(trial({ arm: 'per-layer', configId: 'p1', params: { 'l2.a': 1e-3, 'l2.b': 1e-4 }, seed, train: 0.1, validation: 0.35, test: 0.5 }));
  }
  return out;
}

describe('selection on validation', () => {
  test('the configuration with the lowest mean validation loss is selected even though another has a better test loss', () => {
    const report = analyzeSweep(records(), { bootstrapResamples: 200 });
    const uniform = report.arms.find((arm) => arm.arm === 'uniform');
    expect(uniform?.selection.configId).toBe('val-best');
    expect(uniform?.selection.objectiveMean).toBeCloseTo(0.302, 12);
    expect(uniform?.selection.ranking).toEqual(['val-best', 'test-best']);
    // The comparison then reports the selected configuration's (worse) test numbers.
    expect(report.comparison?.baselineConfigId).toBe('val-best');
    const testLoss = report.comparison?.metrics.find((entry) => entry.metric === 'testLoss');
    expect(testLoss?.meanDifference).toBeCloseTo(0.5 - 0.6, 12);
    expect(uniform?.selectedBySeed.map((row) => row.testLoss)).toEqual([0.6, 0.6, 0.6]);
  });

  test('selecting by validation accuracy picks the highest accuracy', () => {
    const report = analyzeSweep(records(), { selectBy: 'validationAccuracy', bootstrapResamples: 200 });
    expect(report.arms.find((arm) => arm.arm === 'uniform')?.selection.configId).toBe('test-best');
  });

  test('minSeeds excludes configurations with too few usable seeds', () => {
    const input = records().filter((record) => !(record.configId === 'val-best' && record.seed > 1));
    expect(analyzeSweep(input, { bootstrapResamples: 100 }).arms[0].selection.configId).toBe('val-best');
    expect(analyzeSweep(input, { minSeeds: 2, bootstrapResamples: 100 }).arms[0].selection.configId).toBe('test-best');
  });

  test('ties go to the smaller configId; without validation nothing is selected and the reason says why', () => {
    const tie = [
      trial({ arm: 'a', configId: 'z', seed: 1, train: 0.1, validation: 0.3, test: 0.1 }),
      trial({ arm: 'a', configId: 'b', seed: 1, train: 0.1, validation: 0.3, test: 0.9 }),
    ];
    expect(analyzeSweep(tie, { bootstrapResamples: 10 }).arms[0].selection.configId).toBe('b');
    const noValidation = [trial({ arm: 'a', configId: 'x', seed: 1, train: 0.1, test: 0.2 })];
    const selection = analyzeSweep(noValidation, { bootstrapResamples: 10 }).arms[0].selection;
    expect(selection.configId).toBeNull();
    expect(selection.reason).toContain('validationLoss');
  });

  test('an unknown objective is rejected with the allowed values', () => {
    expect(() => selectConfiguration('a', [], { objective: 'testLoss' as never })).toThrow(
      'report.selectBy: got "testLoss"; allowed: validationLoss, validationAccuracy',
    );
  });
});
