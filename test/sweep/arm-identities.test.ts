/**
 * ArmIdentities makes the same identities as plan.ts's configIdentity and trialIdentity (which
 * serialize the whole context each time): the identities are what a resumed sweep matches stored
 * trials by, so one differing character would re-run every stored trial. The expected values are
 * those functions' (unchanged since the first release: canonical JSON of the whole object, hashed).
 */
import * as path from 'path';
import { armIdentities, configIdentity, planSlots, slotTrials, trialIdentity } from '../../lib/sweep/plan';
import { readSweepFile } from '../../lib/sweep/sweep-file';
import type { SweepDefinition } from '../../lib/sweep/definition';
import type { ParameterValues } from '../../lib/sweep/record';

const STUDIES = path.resolve(__dirname, '../../experiments/sweeps');

function definitionOf(file: string): SweepDefinition {
  return readSweepFile(path.join(STUDIES, file));
}

/** Parameters with awkward values: tiny and negative zero, keys out of order, a nested value. */
const PARAMETER_SETS: ParameterValues[] = [
  {},
  { l2: 0.0012345678901234567 },
  { 'l2.output': 1e-7, 'l2.dense_1': 0.5, 'l2.dense_2': -0 },
  { weightDecay: 3, learningRate: 1e-3, units: 16 } as unknown as ParameterValues,
];

describe.each(['moons-quick.json', 'fashion-mnist-cnn-weight-decay.json'])('%s', (file) => {
  const definition = definitionOf(file);

  test.each(definition.arms.map((arm) => [arm.name, arm] as const))('arm %s: configuration and trial identities equal the one-at-a-time ones', (_, arm) => {
    const identities = armIdentities(definition, arm);
    for (const params of PARAMETER_SETS) {
      expect(identities.configId(params)).toBe(configIdentity(definition, arm, params));
      for (const seed of [0, 1, 7, 4294967295]) {
        expect(identities.trialId(params, seed)).toBe(trialIdentity(definition, arm, params, seed));
        expect(identities.trialId(params, seed, 'evaluation')).toBe(trialIdentity(definition, arm, params, seed, 'evaluation'));
      }
      const many = identities.trialIdsOf(params, [3, 1, 2], 'evaluation');
      expect(many.configId).toBe(configIdentity(definition, arm, params));
      expect(many.trialIds).toEqual([3, 1, 2].map((seed) => trialIdentity(definition, arm, params, seed, 'evaluation')));
    }
  });

  test('slot trials made with the arm identities equal those made without; a changed model changes the identities', () => {
    const slot = planSlots(definition)[0];
    const params: ParameterValues = { l2: 0.01 };
    const shared = slotTrials(definition, slot, params, armIdentities(definition, slot.arm));
    expect(shared).toEqual(slotTrials(definition, slot, params));
    expect(shared.map((trial) => trial.seed)).toEqual(definition.seeds);
    expect(new Set(shared.map((trial) => trial.trialId)).size).toBe(definition.seeds.length);
    const otherModel = { ...definition, model: { ...definition.model, changed: true } } as SweepDefinition;
    expect(armIdentities(otherModel, slot.arm).configId(params)).not.toBe(shared[0].configId);
    expect(armIdentities(otherModel, slot.arm).configId(params)).toBe(configIdentity(otherModel, slot.arm, params));
  });
});
