/**
 * Every study and CI gate is a sweep definition under experiments/sweeps/ that `layerwise sweep`
 * runs as is: each file passes the schema, the definition rules and the train objective's checks
 * (model, data, arms against the built model) before any trial. The gates run these files.
 */
import * as fs from 'fs';
import * as path from 'path';
import { gateDefinition, GATE_DEFINITIONS_DIRECTORY } from '../../lib/check/gates';
import { readSweepFile } from '../../lib/sweep/sweep-file';
import { trainModelObjective } from '../../lib/sweep/objectives/train-model';
import { planSlots } from '../../lib/sweep/plan';
import { splitFor } from '../../lib/sweep/objectives/train-model';
import { loadFashionMnist } from '../../lib/data/fashion-mnist';
import { describeWhenAvailable } from '../support/requirements';

const DIRECTORY = path.resolve(__dirname, '../../experiments/sweeps');
const FILES = fs.readdirSync(DIRECTORY).filter((file) => file.endsWith('.json')).sort();

test('the studies and gates are all there', () => {
  expect(FILES).toEqual(
    expect.arrayContaining([
      'circles-activity.json',
      'fashion-mnist-cnn-l2.json',
      'fashion-mnist-cnn-weight-decay.json',
      'fashion-mnist-mlp-l2.json',
      'fashion-mnist-mlp-weight-decay.json',
      ...['2k', '4k', '8k', '16k'].map((label) => `fashion-mnist-time-scale-${label}.json`),
      'gate-circles.json',
      'gate-moons.json',
      'gate-tpe.json',
      'moons-weight-decay.json',
    ]),
  );
  expect(GATE_DEFINITIONS_DIRECTORY).toBe(DIRECTORY);
});

test.each(FILES)('%s is a valid definition the train objective accepts', (file) => {
  const definition = readSweepFile(path.join(DIRECTORY, file));
  expect(definition.name).toBe(file.replace(/\.json$/, ''));
  trainModelObjective.validate!(definition);
});

test('the activity placement study puts the same fixed penalty before (dense_1) and after (activation_1) the ReLU, with a none baseline', () => {
  const definition = readSweepFile(path.join(DIRECTORY, 'circles-activity.json'));
  expect(definition.arms).toEqual([
    { name: 'baseline', kind: 'none' },
    { name: 'before-relu', kind: 'uniform', layers: ['dense_1'], penalties: { activityL1: 1e-4 } },
    { name: 'after-relu', kind: 'uniform', layers: ['activation_1'], penalties: { activityL1: 1e-4 } },
  ]);
  // One configuration per arm (nothing is searched), every seed.
  expect(planSlots(definition).map((slot) => slot.arm.name)).toEqual(['baseline', 'before-relu', 'after-relu']);
});

test('gate overrides change only the named settings of the committed file', () => {
  const committed = gateDefinition('moons');
  const crippled = gateDefinition('moons', { hiddenUnits: 1, seeds: [1, 2] });
  expect(crippled.model.hidden).toEqual([1]);
  expect(crippled.seeds).toEqual([1, 2]);
  expect({ ...crippled, model: committed.model, seeds: committed.seeds }).toEqual(committed);
});

describeWhenAvailable(['fashion-mnist'], 'the Fashion-MNIST studies', () => {
  const classCounts = (labels: ArrayLike<number>) => Array.from({ length: 10 }, (_, c) => Array.from(labels).filter((label) => label === c).length);

  test('the time-scale definitions differ only in N: same model, training, seeds and wd grid; N train, 2,000 validation, 2,000 test, stratified', () => {
    const sizes = [2000, 4000, 8000, 16000];
    const definitions = ['2k', '4k', '8k', '16k'].map((label) => readSweepFile(path.join(DIRECTORY, `fashion-mnist-time-scale-${label}.json`)));
    const [first] = definitions;
    definitions.forEach((definition, i) => {
      expect(definition.model).toEqual(first.model);
      expect(definition.training).toEqual(first.training);
      expect(definition.arms).toEqual(first.arms);
      expect(definition.seeds).toEqual(first.seeds);
      expect(definition.data.dataset).toBe(`fashion-mnist:part=train,subset=${sizes[i] + 4000},seed=1,shape=flat`);
    });
    // The wd grid is log-spaced: each value twice the one before (the analysis fits parabolas in log2 wd).
    const grid = (first.arms[0] as { penalties: { weightDecay: { values: number[] } } }).penalties.weightDecay.values;
    expect(grid.length).toBeGreaterThanOrEqual(5);
    grid.slice(1).forEach((value, i) => expect(value / grid[i]).toBe(2));
    // Split sizes of the smallest and largest N (the largest loads 20,000 of the 60,000 train images).
    for (const i of [0, 3]) {
      const splits = splitFor(definitions[i]);
      expect([splits.train.sampleCount, splits.validation!.sampleCount, splits.test!.sampleCount]).toEqual([sizes[i], 2000, 2000]);
      // Stratified draw, shuffled: every class within a few images of a tenth in each part (the draw is stratified as a whole, not per part).
      for (const part of [splits.train, splits.validation!, splits.test!]) {
        for (const count of classCounts(part.y)) expect(Math.abs(count - part.sampleCount / 10)).toBeLessThan(part.sampleCount / 10 * 0.25);
      }
    }
  });

  test('the MLP comparison uses all 70,000 images: 50,000 train, 10,000 validation, and the official 10,000 test images as test', () => {
    for (const family of ['l2', 'weight-decay']) {
      const definition = readSweepFile(path.join(DIRECTORY, `fashion-mnist-mlp-${family}.json`));
      expect(definition.arms.map((arm) => arm.kind)).toEqual(['none', 'uniform', 'per-layer']);
      const splits = splitFor(definition);
      expect([splits.train.sampleCount, splits.validation!.sampleCount, splits.test!.sampleCount]).toEqual([50000, 10000, 10000]);
      expect(Array.from(splits.test!.y)).toEqual(Array.from(loadFashionMnist({ part: 'test', shape: 'flat' }).y));
    }
  }, 60000);
});
