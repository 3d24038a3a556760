/**
 * Arms as policy templates: the TypeScript types and the published JSON Schema agree field for
 * field; any slot × regularizer kind, fixed or searched, tied groups and dropout become the
 * policy a trial trains; a `none` arm has one configuration (no duplicate trial ids, every seed);
 * bad arms fail before the first trial naming the field and what is allowed.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { LayerwiseConfigError } from '../../lib/errors/config-error';
import { armCoefficients, armSpace } from '../../lib/sweep/arms';
import { ARM_KINDS, ARM_OPTIONAL_FIELDS, ARM_SLOTS, PENALTY_NAMES } from '../../lib/sweep/definition';
import type { ArmDefinition, SweepDefinition } from '../../lib/sweep/definition';
import { fromConfig, SWEEP_DEFINITION_SCHEMA, toConfig } from '../../lib/sweep/definition-config';
import { policyForCoefficients, trainModelObjective } from '../../lib/sweep/objectives/train-model';
import { planSlots, slotTrials } from '../../lib/sweep/plan';
import { runSweep } from '../../lib/sweep/runner';
import { loadTrials } from '../../lib/sweep/storage/sweep-directory';

const RANGE = { type: 'logUniform' as const, low: 1e-5, high: 1e-2 };

/**
 * Typed fixtures: every optional arm field and every penalty name appears at least once, so a
 * field added to `ArmDefinition` without the schema (or the reverse) fails below.
 */
const FIXTURE_ARMS: ArmDefinition[] = [
  { name: 'none', kind: 'none' },
  { name: 'uniform', kind: 'uniform', penalties: { l2: RANGE, weightDecay: 1e-4 }, dropout: { type: 'uniform', low: 0, high: 0.5 } },
  { name: 'tied', kind: 'per-layer', layers: ['output'], groups: { hidden: ['dense_*'] }, penalties: { l1: 1e-5, l2: RANGE, activityL1: 1e-6 } },
  { name: 'orthogonal', kind: 'uniform', layers: ['Dense'], penalties: { kernelOrthogonal: { type: 'choice', values: [0.01, 0.1] }, biasL2: 1e-3 }, orthogonalMode: 'columns' },
  // One arm per remaining penalty name (fixed coefficient), so the schema accepts every name.
  ...PENALTY_NAMES.map((penalty, position): ArmDefinition => ({ name: `every-${position}`, kind: 'uniform', penalties: { [penalty]: 1e-4 } })),
];

function definition(arms: unknown[], overrides: Record<string, unknown> = {}): SweepDefinition {
  return fromConfig({
    name: 'arms',
    model: { type: 'mlp', inputSize: 2, hidden: [4, 4], outputSize: 1, dropout: 0.1, task: 'binary' },
    data: { dataset: 'moons:samples=120,noise=0.2,seed=3', split: { validation: 0.25, test: 0.25, seed: 0 } },
    training: { epochs: 2, batchSize: 32, optimizer: { name: 'adam', learningRate: 0.01 } },
    arms,
    budget: 2,
    seeds: [1, 2],
    ...overrides,
  });
}

function configError(action: () => unknown): LayerwiseConfigError {
  try {
    action();
  } catch (error) {
    if (error instanceof LayerwiseConfigError) return error;
    throw error;
  }
  throw new Error('expected a LayerwiseConfigError');
}

describe('the arm types and the JSON Schema agree', () => {
  const schemaArm = (SWEEP_DEFINITION_SCHEMA as any).definitions.arm;

  test('the schema types every arm field the TypeScript type has, and no other', () => {
    expect(Object.keys(schemaArm.properties)).toEqual(['name', 'kind', ...ARM_OPTIONAL_FIELDS]);
    expect(schemaArm.additionalProperties).toBe(false);
    expect(schemaArm.properties.kind.enum).toEqual([...ARM_KINDS]);
    expect(Object.keys(schemaArm.properties.penalties.properties)).toEqual([...PENALTY_NAMES]);
    expect(schemaArm.properties.penalties.additionalProperties).toBe(false);
    // No untyped object anywhere in the arm: every object names its properties or types its values.
    const untyped: string[] = [];
    const visit = (node: any, where: string): void => {
      if (node === null || typeof node !== 'object') return;
      if (node.type === 'object' && node.properties === undefined && node.additionalProperties === undefined) untyped.push(where);
      for (const [key, child] of Object.entries(node)) visit(child, `${where}.${key}`);
    };
    visit(schemaArm, 'arm');
    expect(untyped).toEqual([]);
  });

  test('every slot has L1, L2 and orthogonal penalties', () => {
    for (const slot of ARM_SLOTS) expect(PENALTY_NAMES).toEqual(expect.arrayContaining([`${slot}L1`, `${slot}L2`, `${slot}Orthogonal`]));
  });

  test('typed fixtures covering every field and penalty validate against the schema and round-trip', () => {
    const sweep = definition(FIXTURE_ARMS);
    expect(sweep.arms).toEqual(FIXTURE_ARMS);
    expect(fromConfig(toConfig(sweep))).toEqual(sweep);
    const used = new Set(FIXTURE_ARMS.flatMap((arm) => Object.keys(arm)));
    for (const field of ARM_OPTIONAL_FIELDS) expect(used.has(field)).toBe(true);
  });
});

describe('arm spaces and coefficients', () => {
  const sweep = definition(FIXTURE_ARMS.slice(0, 4), { space: { learningRate: { type: 'logUniform', low: 1e-3, high: 1e-1 } } });
  const [none, uniformArm, tied, orthogonalArm] = sweep.arms;

  test('searched coefficients are dimensions (one per tied group), fixed ones are not, a none arm searches only the shared space', () => {
    expect(Object.keys(armSpace(sweep, none))).toEqual(['learningRate']);
    expect(Object.keys(armSpace(sweep, uniformArm)).sort()).toEqual(['dropout', 'l2', 'learningRate']);
    expect(Object.keys(armSpace(sweep, tied)).sort()).toEqual(['l2.hidden', 'l2.output', 'learningRate']);
    expect(Object.keys(armSpace(sweep, orthogonalArm)).sort()).toEqual(['kernelOrthogonal', 'learningRate']);
  });

  test('a tied group gives its one coefficient to every selector of the group; fixed coefficients join the searched ones', () => {
    const setting = armCoefficients(tied, { 'l2.hidden': 1e-3, 'l2.output': 2e-3, learningRate: 0.01 });
    expect(setting.shared).toEqual({ learningRate: 0.01 });
    const policy = policyForCoefficients(setting.penalties, setting.orthogonalMode);
    expect(policy).toEqual({
      kind: 'perLayer',
      layers: [
        { select: 'output', regularizer: { kind: 'l1l2', l1: 1e-5, l2: 2e-3 }, activity: { kind: 'l1', l1: 1e-6 } },
        { select: 'dense_*', regularizer: { kind: 'l1l2', l1: 1e-5, l2: 1e-3 }, activity: { kind: 'l1', l1: 1e-6 } },
      ],
    });
  });

  test('slot penalties fill their slot; orthogonal takes the arm\'s mode; dropout and decay decode', () => {
    const orthogonal = armCoefficients(orthogonalArm, { kernelOrthogonal: 0.1 });
    expect(policyForCoefficients(orthogonal.penalties, orthogonal.orthogonalMode)).toEqual({
      kind: 'perLayer',
      layers: [{ select: 'Dense', kernel: { kind: 'orthogonal', factor: 0.1, mode: 'columns' }, bias: { kind: 'l2', l2: 1e-3 } }],
    });
    const uniformSetting = armCoefficients(uniformArm, { l2: 1e-3, dropout: 0.25 });
    expect(uniformSetting.dropout).toBe(0.25);
    expect(policyForCoefficients(uniformSetting.penalties)).toEqual({ kind: 'uniform', regularizer: { kind: 'l2', l2: 1e-3 }, weightDecay: 1e-4 });
    expect(armCoefficients(none, { learningRate: 0.01 })).toEqual({ penalties: {}, orthogonalMode: 'rows', shared: { learningRate: 0.01 } });
  });
});

describe('the none arm in the plan', () => {
  test('an arm without a search space has one configuration, one trial per seed, no duplicate ids; other arms keep their positions', () => {
    const sweep = definition([{ name: 'none', kind: 'none' }, { name: 'uniform', kind: 'uniform', penalties: { l2: RANGE } }], { budget: 3, seeds: [1, 2, 3] });
    const slots = planSlots(sweep);
    expect(slots.filter((slot) => slot.arm.name === 'none').map((slot) => slot.index)).toEqual([0]);
    expect(slots.filter((slot) => slot.arm.name === 'uniform').map((slot) => slot.position)).toEqual([1, 3, 5]);
    const trials = slotTrials(sweep, slots[0], {});
    expect(trials.map((trial) => trial.seed)).toEqual([1, 2, 3]);
    expect(new Set(trials.map((trial) => trial.trialId)).size).toBe(3);
  });

  test('a grid sweep accepts a none arm whatever the budget; a none arm with a shared space searches it', () => {
    const grid = definition([{ name: 'none', kind: 'none' }, { name: 'grid', kind: 'uniform', penalties: { l2: { type: 'choice', values: [0.1, 0.01, 0.001] } } }], {
      budget: 3,
      sampler: { type: 'grid' },
    });
    expect(planSlots(grid)).toHaveLength(4);
    const shared = definition([{ name: 'none', kind: 'none' }], { budget: 2, space: { learningRate: { type: 'logUniform', low: 1e-3, high: 1e-1 } } });
    expect(planSlots(shared)).toHaveLength(2);
  });

  test('fixed coefficients are part of the trial identity: two arms differing only in a fixed value differ', () => {
    const sweep = definition([
      { name: 'a', kind: 'uniform', layers: ['dense_1'], penalties: { activityL1: 1e-4 } },
      { name: 'a2', kind: 'uniform', layers: ['dense_1'], penalties: { activityL1: 1e-3 } },
    ]);
    const [first, second] = planSlots(sweep);
    const renamed = { ...second, arm: { ...second.arm, name: 'a' } };
    expect(slotTrials(sweep, first, {})[0].configId).not.toBe(slotTrials(sweep, renamed, {})[0].configId);
  });
});

describe('bad arms fail before the first trial, naming the field and what is allowed', () => {
  const cases: Array<[string, unknown, string, RegExp]> = [
    ['negative fixed coefficient', { name: 'u', kind: 'uniform', penalties: { l2: -0.1 } }, 'arms[0].penalties.l2', /must be >= 0/],
    ['negative range', { name: 'u', kind: 'uniform', penalties: { l1: { type: 'uniform', low: -1, high: 1 } } }, 'arms[0].penalties.l1.low', /must be a finite number >= 0/],
    ['unknown slot', { name: 'u', kind: 'uniform', penalties: { alphaL2: 0.1 } }, 'arms[0].penalties.alphaL2', /unknown field; allowed fields here: l1, l2, orthogonal, .*biasL2/],
    ['unknown kind', { name: 'u', kind: 'sometimes', penalties: { l2: 0.1 } }, 'arms[0].kind', /allowed values: "uniform", "per-layer", "none"/],
    ['orthogonal with l2', { name: 'u', kind: 'uniform', penalties: { kernelOrthogonal: 0.1, kernelL2: 0.1 } }, 'arms[0].penalties.kernelOrthogonal', /cannot be combined with kernelL2/],
    ['none with penalties', { name: 'n', kind: 'none', penalties: { l2: 0.1 } }, 'arms[0].penalties', /a "none" arm regularizes nothing/],
    ['uniform without penalties', { name: 'u', kind: 'uniform' }, 'arms[0].penalties', /is required for a "uniform" arm .* kind "none"/],
    ['groups on a uniform arm', { name: 'u', kind: 'uniform', groups: { a: ['dense_1'] }, penalties: { l2: 0.1 } }, 'arms[0].groups', /belong to a "per-layer" arm/],
    ['dropout of 1', { name: 'u', kind: 'uniform', penalties: { l2: 0.1 }, dropout: { type: 'uniform', low: 0, high: 1 } }, 'arms[0].dropout.high', /must be a number in \[0, 1\)/],
    ['mode without orthogonal', { name: 'u', kind: 'uniform', penalties: { l2: 0.1 }, orthogonalMode: 'rows' }, 'arms[0].orthogonalMode', /no orthogonal penalty/],
    ['dropout as a space name', { name: 'u', kind: 'uniform', penalties: { l2: 0.1 } }, 'space.dropout', /reserved/],
  ];
  test.each(cases)('%s', (_label, arm, field, message) => {
    const overrides = field.startsWith('space.') ? { space: { dropout: { type: 'uniform', low: 0, high: 0.5 } } } : {};
    const error = configError(() => definition([arm], overrides));
    expect(error.field).toBe(field);
    expect(error.message).toMatch(message);
  });

  const modelCases: Array<[string, unknown, string, RegExp]> = [
    ['a selector matching no layer', { name: 'p', kind: 'per-layer', groups: { conv: ['Conv2D'] }, penalties: { l2: 0.1 } }, 'arms[0].groups.conv[0]', /matches no layer of the model .*layers are dense_1 \(Dense\)/],
    ['a layer in two groups', { name: 'p', kind: 'per-layer', layers: ['dense_1'], groups: { all: ['Dense'] }, penalties: { l2: 0.1 } }, 'arms[0].groups.all[0]', /layer dense_1 is already in dense_1/],
    ['a slot no selected layer has', { name: 'p', kind: 'uniform', layers: ['dense_1'], penalties: { gammaL2: 0.1 } }, 'arms[0].penalties', /does not fit the model: .*no gamma weight/],
  ];
  test.each(modelCases)('%s (checked against the built model)', (_label, arm, field, message) => {
    const sweep = definition([arm]);
    const error = configError(() => trainModelObjective.validate!(sweep));
    expect(error.field).toBe(field);
    expect(error.message).toMatch(message);
  });

  test('dropout on a cnn without dense head layers names the arm field', () => {
    const sweep = fromConfig({
      name: 'cnn',
      model: { type: 'cnn', inputShape: [8, 8, 1], blocks: [{ filters: 2 }], dense: [], outputSize: 10, task: 'multiclass' },
      data: { dataset: 'digits' },
      arms: [{ name: 'u', kind: 'uniform', penalties: { l2: 0.1 }, dropout: 0.2 }],
      budget: 1,
      seeds: [1],
    });
    expect(configError(() => trainModelObjective.validate!(sweep)).field).toBe('arms[0].dropout');
  });
});

test('slot penalties reach their slots in a trained trial: recurrent orthogonal (columns), batch-norm gamma, biases', async () => {
  const sweep = fromConfig({
    name: 'slots',
    model: { type: 'rnn', inputShape: [8, 8], cell: 'lstm', units: [4], batchNormalization: true, outputSize: 10, task: 'multiclass' },
    data: { dataset: 'digits', split: { validation: 0.2, test: 0.2, seed: 0 } },
    training: { epochs: 1, batchSize: 128 },
    arms: [
      {
        name: 'slots',
        kind: 'uniform',
        penalties: { recurrentOrthogonal: { type: 'choice', values: [0.01] }, gammaL2: 1e-3, biasL1: 1e-4 },
        orthogonalMode: 'columns',
      },
    ],
    budget: 1,
    seeds: [1],
  });
  trainModelObjective.validate!(sweep);
  const outcome = await trainModelObjective.run(
    { definition: sweep, arm: sweep.arms[0], params: { recurrentOrthogonal: 0.01 }, seed: 1, trialId: 't', configId: 'c', index: 0, attempt: 1 },
    { onEpoch: async () => false, signal: new AbortController().signal },
  );
  expect(outcome.status).toBe('complete');
  expect(Object.keys(outcome.final!.penaltyPerLayer).sort()).toEqual(['batch_norm_1.gamma', 'output.bias', 'recurrent_1.bias', 'recurrent_1.recurrent']);
  for (const value of Object.values(outcome.final!.penaltyPerLayer)) expect(value).toBeGreaterThan(0);
}, 120_000);

describe('a sweep with a none arm and a tied per-layer arm', () => {
  let directory: string;
  beforeEach(() => {
    directory = fs.mkdtempSync(path.join(os.tmpdir(), 'layerwise-arms-'));
  });
  afterEach(() => fs.rmSync(directory, { recursive: true, force: true }));

  test('runs every seed of the none arm once and trains the tied groups\' coefficients, as the store records', async () => {
    const sweep = definition(
      [
        { name: 'none', kind: 'none' },
        { name: 'tied', kind: 'per-layer', groups: { hidden: ['dense_*'], head: ['output'] }, penalties: { l2: RANGE, activityL1: 1e-4 }, dropout: { type: 'uniform', low: 0, high: 0.3 } },
      ],
      { sampler: { type: 'random', seed: 4 } },
    );
    trainModelObjective.validate!(sweep);
    const summary = await runSweep({ definition: sweep, directory, workers: 0 });
    expect(summary).toMatchObject({ total: 2 + 2 * 2, complete: 6, failed: 0 });
    const records = await loadTrials(directory);
    expect(new Set(records.map((record) => record.trialId)).size).toBe(6);
    const none = records.filter((record) => record.arm === 'none');
    expect(none.map((record) => record.seed).sort()).toEqual([1, 2]);
    expect(none.every((record) => Object.keys(record.params).length === 0 && Object.keys(record.final!.penaltyPerLayer).length === 0)).toBe(true);
    for (const record of records.filter((candidate) => candidate.arm === 'tied')) {
      expect(Object.keys(record.params).sort()).toEqual(['dropout', 'l2.head', 'l2.hidden']);
      // Both hidden layers are penalized (one tied coefficient), plus the head; activity on all three.
      expect(Object.keys(record.final!.penaltyPerLayer).sort()).toEqual([
        'dense_1.activity',
        'dense_1.kernel',
        'dense_2.activity',
        'dense_2.kernel',
        'output.activity',
        'output.kernel',
      ]);
    }
  }, 120_000);

  test('a none arm under the TPE sampler: one configuration, every seed, and the other arm still gets its budget', async () => {
    const sweep = definition([{ name: 'none', kind: 'none' }, { name: 'uniform', kind: 'uniform', penalties: { l2: RANGE } }], {
      budget: 3,
      seeds: [1],
      training: { epochs: 1, batchSize: 64 },
      sampler: { type: 'tpe', seed: 0, startupTrials: 1 },
    });
    const summary = await runSweep({ definition: sweep, directory, workers: 0 });
    expect(summary).toMatchObject({ total: 4, complete: 4, failed: 0 });
    const records = await loadTrials(directory);
    expect(records.filter((record) => record.arm === 'none')).toHaveLength(1);
    expect(new Set(records.filter((record) => record.arm === 'uniform').map((record) => record.configId)).size).toBe(3);
  }, 120_000);
});
