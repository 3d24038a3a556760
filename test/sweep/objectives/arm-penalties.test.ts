/**
 * Arms beyond L2: `l1` (with `l2`: L1L2) on the kernel slots and `activityL1`/`activityL2` on the
 * layers' outputs become the policy the trial trains, and the trial records say which training
 * path ran (activity regularization takes the general path, and the record says why).
 */
import { fromConfig } from '../../../lib/sweep/definition-config';
import { armCoefficients, armSpace } from '../../../lib/sweep/arms';
import { policyForCoefficients, trainModelObjective } from '../../../lib/sweep/objectives/train-model';
import type { SweepDefinition } from '../../../lib/sweep/definition';
import { LayerwiseConfigError } from '../../../lib/errors/config-error';

function definition(arms: unknown[]): SweepDefinition {
  return fromConfig({
    name: 'penalties',
    model: { type: 'mlp', inputSize: 2, hidden: [4], outputSize: 1, task: 'binary' },
    data: { dataset: 'moons', split: { validation: 0.2, test: 0.2, seed: 0 } },
    training: { epochs: 2, batchSize: 32, optimizer: { name: 'adam', learningRate: 0.01 } },
    arms,
    budget: 1,
    seeds: [1],
  });
}

const RANGE = { type: 'logUniform', low: 1e-4, high: 1e-2 };

test('l1 and l2 in one per-layer arm make an L1L2 kernel penalty per layer; activity penalties reach every layer of a uniform arm', () => {
  const sweep = definition([
    { name: 'l1l2', kind: 'per-layer', layers: ['dense_1', 'output'], penalties: { l1: RANGE, l2: RANGE } },
    { name: 'activity', kind: 'uniform', penalties: { activityL1: RANGE } },
  ]);
  expect(Object.keys(armSpace(sweep, sweep.arms[0])).sort()).toEqual(['l1.dense_1', 'l1.output', 'l2.dense_1', 'l2.output']);
  const perLayer = policyForCoefficients(armCoefficients(sweep.arms[0], { 'l1.dense_1': 1e-3, 'l2.dense_1': 2e-3, 'l1.output': 3e-3, 'l2.output': 4e-3 }).penalties);
  expect(perLayer).toMatchObject({
    kind: 'perLayer',
    layers: [
      { select: 'dense_1', regularizer: { kind: 'l1l2', l1: 1e-3, l2: 2e-3 } },
      { select: 'output', regularizer: { kind: 'l1l2', l1: 3e-3, l2: 4e-3 } },
    ],
  });
  const activity = policyForCoefficients(armCoefficients(sweep.arms[1], { activityL1: 5e-3 }).penalties);
  expect(activity).toMatchObject({ kind: 'perLayer', layers: [{ select: '*', activity: { kind: 'l1', l1: 5e-3 } }] });
  expect(() => definition([{ name: 'bad', kind: 'uniform', penalties: { l3: RANGE } }])).toThrow(LayerwiseConfigError);
  expect(() => definition([{ name: 'bad', kind: 'uniform', penalties: { l3: RANGE } }])).toThrow(/arms\[0\]\.penalties\.l3: unknown field; allowed fields here: l1, l2, orthogonal, weightDecay, activityL1, activityL2, kernelL1, kernelL2, kernelOrthogonal, biasL1/);
});

test('trials train the arm\'s penalties: activity L1 and L1L2 both on the lean path (lib/train/lean-dense-stack.ts)', async () => {
  const sweep = definition([
    { name: 'l1l2', kind: 'per-layer', layers: ['dense_1', 'output'], penalties: { l1: RANGE, l2: RANGE } },
    { name: 'activity', kind: 'uniform', penalties: { activityL1: RANGE } },
  ]);
  trainModelObjective.validate!(sweep);
  const context = { onEpoch: async () => false, signal: new AbortController().signal };
  const base = { definition: sweep, seed: 1, trialId: 't', configId: 'c', index: 0, attempt: 1 };
  const l1l2 = await trainModelObjective.run({ ...base, arm: sweep.arms[0], params: { 'l1.dense_1': 1e-3, 'l2.dense_1': 2e-3, 'l1.output': 3e-3, 'l2.output': 4e-3 } }, context);
  expect(l1l2.trainingPath).toBe('lean');
  expect(Object.keys(l1l2.final!.penaltyPerLayer).sort()).toEqual(['dense_1.kernel', 'output.kernel']);
  const activity = await trainModelObjective.run({ ...base, arm: sweep.arms[1], params: { activityL1: 5e-3 } }, context);
  expect(activity.trainingPath).toBe('lean');
  expect(activity.generalPathReason).toBeUndefined();
  expect(Object.keys(activity.final!.penaltyPerLayer).sort()).toEqual(['dense_1.activity', 'output.activity']);
  for (const value of Object.values(activity.final!.penaltyPerLayer)) expect(value).toBeGreaterThan(0);
});
