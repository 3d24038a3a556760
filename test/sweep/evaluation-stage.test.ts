/**
 * The evaluation stage on synthetic records: which trials it asks for (fresh paired seeds, the
 * selected configuration of each arm, role 'evaluation'), when it waits and why it stops, and by
 * simulation that the whole loop (selection → evaluation → decide) keeps its false-difference rate
 * on A/A sweeps and stops early on a real effect.
 */
import seedrandom from 'seedrandom';
import { LayerwiseConfigError } from '../../lib/errors/config-error';
import type { SweepDefinition } from '../../lib/sweep/definition';
import { fromConfig, SWEEP_DEFINITION_SCHEMA, toConfig } from '../../lib/sweep/definition-config';
import { EVALUATION_FIELDS, EVALUATION_METRICS, EVALUATION_SEEDS_FIELDS, EVALUATION_UNTIL } from '../../lib/sweep/definition';
import { evaluationLooks, evaluationSeeds, EvaluationStep, fewestDecisiveSeeds, nextEvaluationStep } from '../../lib/sweep/evaluation-stage';
import { configIdentity, planSlots, slotTrials, trialIdentity } from '../../lib/sweep/plan';
import type { ParameterValues, TrialRecord } from '../../lib/sweep/record';
import type { TrialSpec } from '../../lib/sweep/storage/storage';
import { sweepConfig } from './fixtures/definitions';

function definitionWith(evaluation: Record<string, unknown>, overrides: Record<string, unknown> = {}): SweepDefinition {
  return fromConfig(sweepConfig({ evaluation, ...overrides }));
}

function errorOf(config: unknown): LayerwiseConfigError {
  try {
    fromConfig(config);
  } catch (error) {
    if (error instanceof LayerwiseConfigError) return error;
    throw error;
  }
  throw new Error('expected a LayerwiseConfigError');
}

/** A finished record of `spec` with the given final validation and test losses. */
function finished(spec: TrialSpec, validationLoss: number, testLoss: number | undefined, state: TrialRecord['state'] = 'complete'): TrialRecord {
  const epoch = { epoch: 1, train: { loss: 0.1 }, validation: { loss: validationLoss }, ...(testLoss === undefined ? {} : { test: { loss: testLoss } }), penalty: 0, penaltyPerLayer: {}, weightNorms: {}, seconds: 0 };
  return { ...spec, state, attempts: 1, epochs: [epoch], final: epoch };
}

/** Every selection trial of `definition`, parameters `l2`/`l2.*` = 10^-(index+1), finished with validation loss `validation(arm, index, seed)`. */
function selectionRecords(definition: SweepDefinition, validation: (arm: string, index: number, seed: number) => number): TrialRecord[] {
  return planSlots(definition).flatMap((slot) => {
    const value = 10 ** -(slot.index + 1);
    const params: ParameterValues = slot.arm.kind === 'per-layer' ? { 'l2.dense_1': value, 'l2.dense_2': value } : { l2: value };
    return slotTrials(definition, slot, params).map((spec) => finished(spec, validation(spec.arm, spec.index, spec.seed), 0.5));
  });
}

describe('the evaluation types and the JSON Schema agree', () => {
  const schema = (SWEEP_DEFINITION_SCHEMA as any).definitions.evaluation;

  test('the schema types every field the TypeScript types have, and no other', () => {
    expect((SWEEP_DEFINITION_SCHEMA as any).properties.evaluation).toEqual({ $ref: '#/definitions/evaluation' });
    expect(Object.keys(schema.properties)).toEqual([...EVALUATION_FIELDS]);
    expect(schema.additionalProperties).toBe(false);
    expect(Object.keys(schema.properties.seeds.properties)).toEqual([...EVALUATION_SEEDS_FIELDS]);
    expect(schema.properties.seeds.additionalProperties).toBe(false);
    expect(schema.properties.metric.enum).toEqual([...EVALUATION_METRICS]);
    expect(schema.properties.seeds.properties.until.enum).toEqual([...EVALUATION_UNTIL]);
  });

  test('a block giving every field validates and keeps each value', () => {
    const evaluation = { seeds: { min: 4, max: 9, until: 'max', batch: 2 }, metric: 'testAccuracy', margin: 0.01, alpha: 0.1, baseline: 'per-layer' };
    expect(fromConfig(sweepConfig({ evaluation })).evaluation).toEqual(evaluation);
  });
});

describe('evaluation block of a sweep definition', () => {
  test('fills defaults and round-trips through toConfig/fromConfig', () => {
    const definition = definitionWith({ seeds: { max: 12 } });
    expect(definition.evaluation).toEqual({ seeds: { min: 3, max: 12, until: 'decisive', batch: 1 }, metric: 'testLoss', margin: 0, alpha: 0.05, baseline: 'uniform' });
    expect(fromConfig(JSON.parse(JSON.stringify(toConfig(definition))))).toEqual(definition);
    // No block: no field (earlier definitions and their fingerprints are unchanged).
    expect('evaluation' in fromConfig(sweepConfig())).toBe(false);
  });

  test('the baseline defaults to the first arm when none is named "uniform"', () => {
    const config = sweepConfig({ evaluation: { seeds: { max: 10 } } });
    const arms = (config.arms as Array<Record<string, unknown>>).map((arm, position) => ({ ...arm, name: `arm${position}` }));
    expect(fromConfig({ ...config, arms }).evaluation?.baseline).toBe('arm0');
  });

  test.each([
    [{ seeds: { min: 3 } }, 'evaluation.seeds.max', /is required/],
    [{ seeds: { max: 10, until: 'forever' } }, 'evaluation.seeds.until', /allowed values: "decisive", "max"/],
    [{ seeds: { max: 10, min: 1 } }, 'evaluation.seeds.min', /must be >= 2/],
    [{ seeds: { max: 10, batch: 0 } }, 'evaluation.seeds.batch', /must be >= 1/],
    [{ seeds: { max: 10 }, metric: 'validationLoss' }, 'evaluation.metric', /allowed values: "testLoss", "testAccuracy"/],
    [{ seeds: { max: 10 }, alpha: 1 }, 'evaluation.alpha', /must be < 1/],
    [{ seeds: { max: 10 }, margin: -0.1 }, 'evaluation.margin', /must be >= 0/],
    [{ seeds: { max: 10 }, until: 'max' }, 'evaluation.until', /unknown field; allowed fields here: seeds, metric, margin, alpha, baseline/],
    [{ seeds: { max: 10 }, baseline: 'ridge' }, 'evaluation.baseline', /"ridge" is not an arm; allowed values: "uniform", "per-layer"/],
    [{ seeds: { min: 6, max: 5 } }, 'evaluation.seeds.max', /5 is below evaluation.seeds.min \(6\)/],
    [{ seeds: { min: 2, max: 3 } }, 'evaluation.seeds.max', /3 seeds can never be decisive: at alpha 0.05 the confidence sequence is unbounded below 4 paired seeds; use max >= 4/],
  ])('error %#: names the field %s', (evaluation, field, message) => {
    const error = errorOf(sweepConfig({ evaluation }));
    expect(error.field).toBe(field);
    expect(error.message).toMatch(message);
  });

  test('fresh seeds must fit below 2^32', () => {
    const error = errorOf(sweepConfig({ seeds: [4294967290], evaluation: { seeds: { max: 10 } } }));
    expect(error.field).toBe('evaluation.seeds.max');
    expect(error.message).toMatch(/numbered from 4294967291 .* pass 4294967295/);
  });

  test('a sweep of one arm has nothing to compare', () => {
    const config = sweepConfig({ evaluation: { seeds: { max: 10 } } });
    const error = errorOf({ ...config, arms: (config.arms as unknown[]).slice(0, 1) });
    expect(error.field).toBe('evaluation');
    expect(error.message).toMatch(/has 1 arm/);
  });
});

describe('fresh seeds and looks', () => {
  test('fresh seeds follow the largest selection seed and never overlap the selection seeds', () => {
    const definition = definitionWith({ seeds: { max: 5 } }, { seeds: [22, 11, 7] });
    expect(evaluationSeeds(definition)).toEqual([23, 24, 25, 26, 27]);
    expect(evaluationSeeds(definition).filter((seed) => definition.seeds.includes(seed))).toEqual([]);
  });

  test('looks at min, every batch, and always at max; until max looks once', () => {
    expect(evaluationLooks({ seeds: { min: 3, max: 10, until: 'decisive', batch: 3 } })).toEqual([3, 6, 9, 10]);
    expect(evaluationLooks({ seeds: { min: 4, max: 6, until: 'decisive', batch: 1 } })).toEqual([4, 5, 6]);
    expect(evaluationLooks({ seeds: { min: 4, max: 12, until: 'max', batch: 1 } })).toEqual([12]);
  });

  test('the confidence sequence is finite from 4 seeds at alpha 0.05 (c = 0.5, see confidence-sequence.ts) and needs more at smaller alpha', () => {
    expect(fewestDecisiveSeeds(0.05)).toBe(4);
    expect(fewestDecisiveSeeds(0.025)).toBeGreaterThan(4);
  });
});

describe('nextEvaluationStep', () => {
  const definition = definitionWith({ seeds: { min: 3, max: 8, batch: 2 } });
  // Configuration 2 is the best of each arm on validation; per-layer's is better than uniform's.
  const validation = (arm: string, index: number): number => (index === 2 ? 0.2 : 0.5) + (arm === 'per-layer' ? -0.05 : 0);
  const selection = selectionRecords(definition, validation);

  test('without an evaluation block it is done at once', () => {
    const step = nextEvaluationStep({ definition: fromConfig(sweepConfig()), trials: [] });
    expect(step).toMatchObject({ kind: 'done', outcome: { status: 'not requested' } });
  });

  test('waits while a selection trial is unfinished', () => {
    const trials = selection.map((record, position) => (position === 3 ? { ...record, state: 'running' as const } : record));
    const step = nextEvaluationStep({ definition, trials });
    expect(step.kind).toBe('wait');
    expect(step.kind === 'wait' && step.reason).toMatch(/selection not finished: arm "(uniform|per-layer)" has 7 of 8 trials finished/);
  });

  test('first asks for min fresh seeds of the configuration each arm selected on validation, with the evaluation role', () => {
    const step = nextEvaluationStep({ definition, trials: selection });
    expect(step.kind).toBe('run');
    const trials = (step as Extract<EvaluationStep, { kind: 'run' }>).trials;
    expect(trials.map((trial) => [trial.arm, trial.seed])).toEqual([
      ['uniform', 23], ['per-layer', 23], ['uniform', 24], ['per-layer', 24], ['uniform', 25], ['per-layer', 25],
    ]);
    for (const trial of trials) {
      expect(trial.role).toBe('evaluation');
      expect(trial.index).toBe(2);
      const arm = definition.arms.find((candidate) => candidate.name === trial.arm)!;
      // The same configuration as the selected one (same configId), a distinct trial identity.
      expect(trial.configId).toBe(configIdentity(definition, arm, trial.params));
      expect(selection.find((record) => record.configId === trial.configId)?.index).toBe(2);
      expect(trial.trialId).toBe(trialIdentity(definition, arm, trial.params, trial.seed, 'evaluation'));
      expect(trial.trialId).not.toBe(trialIdentity(definition, arm, trial.params, trial.seed));
    }
  });

  test('evaluation trials never change the selection, even when they are better on validation', () => {
    const first = (nextEvaluationStep({ definition, trials: selection }) as Extract<EvaluationStep, { kind: 'run' }>).trials;
    // A re-run of configuration 2 with a terrible validation loss would drag its mean down if it counted.
    const evaluated = first.map((spec) => finished(spec, 99, 0.4));
    const next = nextEvaluationStep({ definition, trials: [...selection, ...evaluated] });
    expect(next.kind).toBe('run');
    expect((next as Extract<EvaluationStep, { kind: 'run' }>).outcome.selected.map((entry) => entry.index)).toEqual([2, 2]);
  });

  /** Runs the stage to the end, finishing each asked trial with `testLoss(arm, seed)`; returns the steps. */
  function runToEnd(testLoss: (arm: string, seed: number) => number, start: TrialRecord[] = selection): { steps: EvaluationStep[]; records: TrialRecord[] } {
    const records = [...start];
    const steps: EvaluationStep[] = [];
    for (let guard = 0; guard < 100; guard++) {
      const step = nextEvaluationStep({ definition, trials: records });
      steps.push(step);
      if (step.kind !== 'run') break;
      for (const spec of step.trials) records.push(finished(spec, 0.3, testLoss(spec.arm, spec.seed)));
    }
    return { steps, records };
  }

  test('a clear difference is decisive at the first look (3 seeds), before max', () => {
    // per-layer 0.1 lower on every fresh seed, with a little seed noise shared by both arms.
    const { steps } = runToEnd((arm, seed) => 0.5 + 0.001 * Math.sin(seed) + (arm === 'per-layer' ? -0.1 + 0.0005 * Math.cos(3 * seed) : 0));
    const done = steps[steps.length - 1];
    expect(done.kind).toBe('done');
    const outcome = (done as Extract<EvaluationStep, { kind: 'done' }>).outcome;
    // 3 pairs: the sequence is unbounded below 4 at alpha 0.05, so the first decisive look is 5 (min 3, batch 2).
    expect(outcome.status).toBe('decisive');
    expect(outcome.seeds).toBe(5);
    expect(outcome.freshSeeds).toEqual([23, 24, 25, 26, 27]);
    expect(outcome.comparisons).toHaveLength(1);
    expect(outcome.comparisons[0]).toMatchObject({ arm: 'per-layer', baseline: 'uniform', decision: 'better', reason: 'beyond margin', seeds: [23, 24, 25, 26, 27] });
    expect(outcome.comparisons[0].interval.upper).toBeLessThan(0);
    expect(outcome.message).toMatch(/^decisive at 5 fresh seeds per arm \(per-layer better\)$/);
  });

  test('no difference runs to max and says so', () => {
    const noise = seedrandom('aa');
    const { steps, records } = runToEnd(() => 0.5 + 0.05 * noise());
    const outcome = (steps[steps.length - 1] as Extract<EvaluationStep, { kind: 'done' }>).outcome;
    expect(outcome.status).toBe('max seeds reached');
    expect(outcome.seeds).toBe(8);
    expect(outcome.comparisons[0]).toMatchObject({ decision: 'no difference', reason: 'max seeds reached' });
    // Looks at 3, 5, 7, 8: asked 3, then 2, 2, 1 seeds per arm.
    expect(steps.filter((step) => step.kind === 'run').map((step) => (step as Extract<EvaluationStep, { kind: 'run' }>).trials.length)).toEqual([6, 4, 4, 2]);
    expect(records.filter((record) => record.role === 'evaluation')).toHaveLength(16);
  });

  test('resumes where it stopped: unfinished trials of the current look are asked again, finished ones are not', () => {
    const first = (nextEvaluationStep({ definition, trials: selection }) as Extract<EvaluationStep, { kind: 'run' }>).trials;
    // Killed mid-look: two of six finished, one left running, the rest waiting.
    const partial: TrialRecord[] = [
      finished(first[0], 0.3, 0.5),
      finished(first[1], 0.3, 0.4),
      { ...first[2], state: 'running', attempts: 1, epochs: [] },
      ...first.slice(3).map((spec): TrialRecord => ({ ...spec, state: 'waiting', attempts: 0, epochs: [] })),
    ];
    const step = nextEvaluationStep({ definition, trials: [...selection, ...partial] });
    expect(step.kind).toBe('run');
    expect((step as Extract<EvaluationStep, { kind: 'run' }>).trials.map((trial) => trial.trialId)).toEqual(first.slice(2).map((trial) => trial.trialId));
  });

  test('a failed evaluation trial loses its pair; the rule goes on with the others', () => {
    const first = (nextEvaluationStep({ definition, trials: selection }) as Extract<EvaluationStep, { kind: 'run' }>).trials;
    const records = [...selection, ...first.map((spec, position) => (position === 0 ? { ...finished(spec, 0.3, undefined, 'failed'), final: undefined, epochs: [] } : finished(spec, 0.3, 0.5)))];
    const step = nextEvaluationStep({ definition, trials: records });
    expect(step.kind).toBe('run');
    const outcome = (step as Extract<EvaluationStep, { kind: 'run' }>).outcome;
    expect(outcome.seeds).toBe(3);
    expect(outcome.comparisons[0].seeds).toEqual([24, 25]);
  });

  test('an arm without a usable selection trial ends the evaluation with the reason', () => {
    const broken = selection.map((record) => (record.arm === 'per-layer' ? { ...record, state: 'diverged' as const } : record));
    const step = nextEvaluationStep({ definition, trials: broken });
    expect(step).toMatchObject({ kind: 'done', outcome: { status: 'no selected configuration' } });
    expect((step as Extract<EvaluationStep, { kind: 'done' }>).outcome.message).toMatch(/arm "per-layer"/);
  });

  test('evaluation trials without the test metric stop it (no test split)', () => {
    const first = (nextEvaluationStep({ definition, trials: selection }) as Extract<EvaluationStep, { kind: 'run' }>).trials;
    const step = nextEvaluationStep({ definition, trials: [...selection, finished(first[0], 0.3, undefined)] });
    expect(step).toMatchObject({ kind: 'done', outcome: { status: 'no test metric' } });
    expect((step as Extract<EvaluationStep, { kind: 'done' }>).outcome.message).toMatch(/data.split.test/);
  });

  test('until "max" runs every seed at once and decides at max', () => {
    const fixed = definitionWith({ seeds: { min: 3, max: 6, until: 'max' } });
    const start = selectionRecords(fixed, validation);
    const step = nextEvaluationStep({ definition: fixed, trials: start });
    expect((step as Extract<EvaluationStep, { kind: 'run' }>).trials).toHaveLength(12);
    const records = [...start, ...(step as Extract<EvaluationStep, { kind: 'run' }>).trials.map((spec) => finished(spec, 0.3, spec.arm === 'per-layer' ? 0.4 + 1e-4 * spec.seed : 0.5))];
    const done = nextEvaluationStep({ definition: fixed, trials: records });
    expect(done).toMatchObject({ kind: 'done', outcome: { status: 'max seeds reached', seeds: 6, comparisons: [{ decision: 'better' }] } });
  });

  test('three arms: each compared with the baseline at alpha / 2, stopping when both are decisive', () => {
    const config = sweepConfig({ evaluation: { seeds: { min: 4, max: 12 } } });
    const arms = [...(config.arms as unknown[]), { name: 'none', kind: 'none' }];
    const three = fromConfig({ ...config, arms });
    const records = selectionRecords(three, (arm, index) => (index === 2 ? 0.2 : 0.5));
    let step = nextEvaluationStep({ definition: three, trials: records });
    for (let guard = 0; step.kind === 'run' && guard < 20; guard++) {
      for (const spec of step.trials) records.push(finished(spec, 0.3, { uniform: 0.5, 'per-layer': 0.4, none: 0.7 }[spec.arm]! + 1e-3 * Math.sin(spec.seed * (spec.arm.length + 1))));
      step = nextEvaluationStep({ definition: three, trials: records });
    }
    const outcome = (step as Extract<EvaluationStep, { kind: 'done' }>).outcome;
    expect(outcome.status).toBe('decisive');
    expect(outcome.comparisons.map((comparison) => [comparison.arm, comparison.decision, comparison.alpha])).toEqual([
      ['per-layer', 'better', 0.025],
      ['none', 'worse', 0.025],
    ]);
    // At alpha 0.025 the sequence is unbounded below fewestDecisiveSeeds(0.025) seeds.
    expect(outcome.seeds).toBe(fewestDecisiveSeeds(0.025));
  });
});

describe('simulation: A/A sweeps and a known effect through the stage', () => {
  /**
   * One simulated sweep: selection on validation (noise only, so a random configuration wins), then
   * the stage's evaluation loop until done. Test loss of a fresh seed: a seed effect shared by
   * both arms (the data split and initialization) plus independent noise of sd 0.02 per trial,
   * plus `effect` for per-layer. The differences therefore have sd 0.02·√2.
   */
  function simulate(definition: SweepDefinition, effect: number, random: () => number): { decision: string; seeds: number; status: string } {
    const normal = (): number => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    const records = selectionRecords(definition, () => 0.3 + 0.02 * normal());
    const seedEffect = new Map<number, number>();
    for (let guard = 0; guard < 100; guard++) {
      const step = nextEvaluationStep({ definition, trials: records });
      if (step.kind === 'done') return { decision: step.outcome.comparisons[0].decision, seeds: step.outcome.seeds, status: step.outcome.status };
      if (step.kind !== 'run') throw new Error(`unexpected ${step.kind}`);
      for (const spec of step.trials) {
        if (!seedEffect.has(spec.seed)) seedEffect.set(spec.seed, 0.1 * normal());
        records.push(finished(spec, 0.3, 0.5 + seedEffect.get(spec.seed)! + 0.02 * normal() + (spec.arm === 'per-layer' ? effect : 0)));
      }
    }
    throw new Error('the stage did not finish');
  }

  const definition = definitionWith({ seeds: { min: 3, max: 20 } }, { budget: 2 });

  test('A/A: at most 5% of 400 simulated sweeps declare a difference', () => {
    const random = seedrandom('evaluation A/A');
    const results = Array.from({ length: 400 }, () => simulate(definition, 0, random));
    const declared = results.filter((result) => result.decision === 'better' || result.decision === 'worse').length;
    // Nominal alpha 0.05; measured 14 of 400 (3.5%) with this stream (a fixed seed, so a change in the rule shows here).
    expect(declared / results.length).toBeLessThanOrEqual(0.05);
    expect(declared).toBe(14);
    expect(results.filter((result) => result.status === 'max seeds reached').length).toBe(400 - declared);
  });

  // Effect in sd of a paired difference → stream, 'better' count, median seeds (measured with these streams; docs/statistics.md).
  test.each([
    [1.5, 'evaluation effect', 200, 8],
    [1, 'evaluation effect 1', 168, 12],
    [2, 'evaluation effect 2', 200, 6],
  ])('a known effect of %p sd stops early: never "worse", median seeds below max', (effectSd, stream, better, medianSeeds) => {
    const random = seedrandom(stream);
    const results = Array.from({ length: 200 }, () => simulate(definition, -effectSd * 0.02 * Math.SQRT2, random));
    const seeds = results.map((result) => result.seeds).sort((a, b) => a - b);
    const median = seeds[seeds.length / 2];
    expect(results.filter((result) => result.decision === 'worse')).toHaveLength(0);
    expect(results.filter((result) => result.decision === 'better')).toHaveLength(better);
    expect(median).toBeLessThan(20);
    expect(median).toBe(medianSeeds);
  });
});
