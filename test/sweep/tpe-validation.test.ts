/**
 * Issue 15, item 10: TPE (and every adaptive sampler) learns from the validation split only. The
 * objective below makes the splits disagree: validation is best at x = 0.2, train and test at
 * x = 0.8. Selection on validation must steer TPE's proposals towards 0.2.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { registerObjective } from '../../lib/sweep/objective';
import { observationsOf, runSweep } from '../../lib/sweep/runner';
import type { TrialRecord } from '../../lib/sweep/record';
import type { EpochRecord } from '../../lib/train/record';
import { sweepDefinition } from './fixtures/definitions';

const metrics = (x: number): EpochRecord => ({
  epoch: 1,
  train: { loss: (x - 0.8) ** 2 },
  validation: { loss: (x - 0.2) ** 2 },
  test: { loss: (x - 0.8) ** 2 },
  penalty: 0,
  penaltyPerLayer: {},
  weightNorms: {},
  seconds: 0,
});

registerObjective('test.split-disagree', {
  async run(input) {
    // No training: the metrics are a function of x.
    const record = metrics(Number(input.params.x));
    return { status: 'complete', epochs: [record], final: record };
  },
});

test('observations are the mean validation loss per configuration; train and test never enter', () => {
  const record = (configId: string, x: number, seed: number, state: TrialRecord['state'] = 'complete'): TrialRecord => ({
    trialId: `${configId}-${seed}`,
    configId,
    sweepName: 's',
    arm: 'uniform',
    index: 0,
    params: { x },
    seed,
    state,
    attempts: 1,
    epochs: [metrics(x)],
    final: metrics(x),
  });
  const observations = observationsOf([record('a', 0.2, 1), record('a', 0.2, 2), record('b', 0.8, 1), record('c', 0.5, 1, 'diverged'), { ...record('d', 0.1, 1), arm: 'other' }], 'uniform');
  expect(observations).toEqual([
    { params: { x: 0.2 }, value: 0 },
    { params: { x: 0.8 }, value: expect.closeTo(0.36, 12) },
    { params: { x: 0.5 } },
  ]);
});

test('a TPE sweep whose splits disagree converges on the validation optimum (x = 0.2), not the test one (0.8)', async () => {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'layerwise-tpe-validation-'));
  try {
    const definition = sweepDefinition({
      name: 'tpe-validation',
      objective: 'test.split-disagree',
      space: { x: { type: 'uniform', low: 0, high: 1 } },
      arms: [{ name: 'uniform', kind: 'uniform', penalties: { l2: { type: 'choice', values: [0] } } }],
      budget: 30,
      seeds: [1],
      sampler: { type: 'tpe', seed: 7, startupTrials: 6 },
    });
    const summary = await runSweep({ definition, directory, workers: 0 });
    expect(summary.complete).toBe(30);
    const late = summary.records.filter((record) => record.index >= 15).map((record) => Number(record.params.x));
    const meanDistance = (target: number): number => late.reduce((sum, x) => sum + Math.abs(x - target), 0) / late.length;
    // After the random start-up, proposals sit near the validation optimum: far closer to 0.2 than to 0.8.
    expect(meanDistance(0.2)).toBeLessThan(0.15);
    expect(meanDistance(0.8)).toBeGreaterThan(0.45);
  } finally {
    fs.rmSync(directory, { recursive: true, force: true });
  }
});
