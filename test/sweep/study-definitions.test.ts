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

const DIRECTORY = path.resolve(__dirname, '../../experiments/sweeps');
const FILES = fs.readdirSync(DIRECTORY).filter((file) => file.endsWith('.json')).sort();

test('the studies and gates are all there', () => {
  expect(FILES).toEqual(expect.arrayContaining(['circles-activity.json', 'gate-circles.json', 'gate-moons.json', 'moons-weight-decay.json']));
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
