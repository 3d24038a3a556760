/**
 * Issue 15, item 3: every value a definition can produce is checked before the first trial, and
 * errors that cannot succeed on retry (configuration, shapes) fail their trial once, not twice.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { fromConfig } from '../../lib/sweep/definition-config';
import { runSweep } from '../../lib/sweep/runner';
import { isRetryableError, NonRetryableTrialError } from '../../lib/sweep/executors/executor';
import { LayerwiseConfigError } from '../../lib/errors/config-error';
import { trainModelObjective } from '../../lib/sweep/objectives/train-model';
import { FIXTURE_OBJECTIVES, sweepConfig, sweepDefinition } from './fixtures/definitions';

const uniformArm = (penalty: Record<string, unknown>) => [{ name: 'uniform', kind: 'uniform', penalties: { l2: penalty } }];

describe('item 3: values checked before the first trial', () => {
  test.each([
    ['a negative choice coefficient', uniformArm({ type: 'choice', values: [1e-4, -1e-3] }), 'arms[0].penalties.l2.values[1]: -0.001 is not allowed; every value must be a finite number >= 0'],
    ['a string choice coefficient', uniformArm({ type: 'choice', values: ['1e-4'] }), 'arms[0].penalties.l2.values[0]: "1e-4" is not allowed; every value must be a finite number >= 0'],
    ['a boolean choice coefficient', uniformArm({ type: 'choice', values: [true] }), 'arms[0].penalties.l2.values[0]: true is not allowed'],
    ['a negative uniform bound', uniformArm({ type: 'uniform', low: -0.1, high: 0.1 }), 'arms[0].penalties.l2.low: -0.1 is not allowed; must be a finite number >= 0'],
    ['a negative int bound', uniformArm({ type: 'int', low: -2, high: 3 }), 'arms[0].penalties.l2.low: -2 is not allowed'],
  ])('penalties: %s is rejected naming the value', (_what, arms, message) => {
    expect(() => fromConfig(sweepConfig({ arms }))).toThrow(message);
  });

  test('space: a negative learning-rate range, a zero learning rate and a fractional batch size are rejected', () => {
    expect(() => fromConfig(sweepConfig({ space: { learningRate: { type: 'uniform', low: -0.01, high: 0.1 } } }))).toThrow(
      'space.learningRate.low: -0.01 is not allowed; must be a finite number > 0',
    );
    expect(() => fromConfig(sweepConfig({ space: { learningRate: { type: 'choice', values: [0.01, 0] } } }))).toThrow('space.learningRate.values[1]: 0 is not allowed');
    expect(() => fromConfig(sweepConfig({ space: { batchSize: { type: 'choice', values: [16, 8.5] } } }))).toThrow('space.batchSize.values[1]: 8.5 is not allowed; every value must be an integer >= 1');
    // Valid values still pass (zero penalty included: "no regularization" is a legitimate arm value).
    expect(() => fromConfig(sweepConfig({ arms: uniformArm({ type: 'choice', values: [0, 1e-4] }), space: { learningRate: { type: 'logUniform', low: 1e-4, high: 1e-1 } } }))).not.toThrow();
  });

  test("the train objective rejects a model whose inputSize is not the data's feature count (moons: 2)", () => {
    const base = sweepConfig({ objective: 'train', training: { epochs: 1 } });
    const wrongInput = fromConfig({ ...base, model: { type: 'mlp', inputSize: 3, hidden: [4, 4], outputSize: 1, task: 'binary' } });
    expect(() => trainModelObjective.validate!(wrongInput)).toThrow('model.inputSize = 3 but data set "moons" has 2 features; set model.inputSize to 2');
    const wrongOutput = fromConfig({ ...base, model: { type: 'mlp', inputSize: 2, hidden: [4, 4], outputSize: 3, task: 'multiclass' } });
    expect(() => trainModelObjective.validate!(wrongOutput)).toThrow('model.outputSize = 3 but a multiclass model of data set "moons" (2 classes) needs 2');
    expect(() => trainModelObjective.validate!(fromConfig(base))).not.toThrow();
  });
});

describe('item 3: non-retryable errors', () => {
  let directory: string;
  beforeEach(() => {
    directory = fs.mkdtempSync(path.join(os.tmpdir(), 'layerwise-nonretry-'));
  });
  afterEach(() => fs.rmSync(directory, { recursive: true, force: true }));

  test('classification: configuration, data-format and marked errors are final; crashes and plain errors are retried', () => {
    expect(isRetryableError(new LayerwiseConfigError('x', ': bad'))).toBe(false);
    expect(isRetryableError(Object.assign(new Error('bad csv'), { name: 'DataFormatError' }))).toBe(false);
    expect(isRetryableError(new NonRetryableTrialError('shape'))).toBe(false);
    expect(isRetryableError(new Error('synthetic crash'))).toBe(true);
    expect(isRetryableError('a string')).toBe(true);
  });

  test.each([0, 1])('a configuration error fails its trial after ONE attempt (workers: %i), other trials run, crashes still retry', async (workers) => {
    const definition = sweepDefinition({ budget: 2, seeds: [1], training: { epochs: 1, configErrorIndex: 0, crash: 'first-attempt', crashIndex: 1 } });
    const summary = await runSweep({ definition, directory, workers, objectiveModules: [FIXTURE_OBJECTIVES] });
    const configFailures = summary.records.filter((record) => record.index === 0);
    expect(configFailures).toHaveLength(2);
    for (const record of configFailures) {
      expect(record).toMatchObject({ state: 'failed', attempts: 1 });
      expect(record.error).toContain('model.inputSize = 3 but the data has 2 features (synthetic)');
      expect(record.error).toContain('not retried: a configuration error fails every attempt; failed 1 attempt');
    }
    // The crash on the first attempt is retried and then completes.
    for (const record of summary.records.filter((record) => record.index === 1)) expect(record).toMatchObject({ state: 'complete', attempts: 2 });
  });
});
