/**
 * The evaluation stage wired into runSweep: after selection the selected configurations run on
 * fresh paired seeds until the stage is done; records carry the role; a resumed sweep continues the
 * evaluation where it stopped and ends with the records of an uninterrupted run.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { SweepEvent } from '../../lib/sweep/events';
import { evaluationSeeds } from '../../lib/sweep/evaluation-stage';
import { runSweep } from '../../lib/sweep/runner';
import { loadTrials, readSweepSummaries } from '../../lib/sweep/storage/sweep-directory';
import { formatStatus, sweepStatus } from '../../lib/cli/status';
import { loadTrialSummaries } from '../../lib/cli/dependencies';
import { analyzeTrialSummaries } from '../../lib/report/analyze';
import type { TrialRecord } from '../../lib/sweep/record';
import { FIXTURE_OBJECTIVES, sweepDefinition } from './fixtures/definitions';

let directory: string;
beforeEach(() => {
  directory = fs.mkdtempSync(path.join(os.tmpdir(), 'layerwise-evaluation-'));
});
afterEach(() => fs.rmSync(directory, { recursive: true, force: true }));

const EVALUATION = { seeds: { min: 3, max: 10 } };
const run = (overrides: Record<string, unknown>, extra: Partial<Parameters<typeof runSweep>[0]> = {}, where = directory) =>
  runSweep({ definition: sweepDefinition(overrides), directory: where, workers: 0, objectiveModules: [FIXTURE_OBJECTIVES], ...extra });

const evaluationOf = (records: readonly TrialRecord[]): TrialRecord[] => records.filter((record) => record.role === 'evaluation');
const identity = (record: TrialRecord): string => `${record.trialId} ${record.state} ${record.seed} ${record.final?.test?.loss}`;

describe('runSweep with an evaluation block', () => {
  test('re-runs each arm\'s selected configuration on fresh seeds until decisive; records carry the role', async () => {
    const events: SweepEvent[] = [];
    const summary = await run({ evaluation: EVALUATION, pruning: { type: 'asha', minEpochs: 1, reductionFactor: 3 } }, { onEvent: (event) => events.push(event) });
    expect(summary.total).toBe(16);
    expect(summary.records.every((record) => record.role === undefined)).toBe(true);
    const outcome = summary.evaluation!;
    // The synthetic objective's test losses differ between the arms' selected configurations by far more than its 0.01 noise.
    expect(outcome.status).toBe('decisive');
    expect(outcome.seeds).toBeGreaterThanOrEqual(4);
    expect(outcome.seeds).toBeLessThan(10);
    expect(outcome.comparisons[0].decision).not.toBe('continue');

    const stored = (await loadTrials(directory));
    const evaluated = evaluationOf(stored);
    expect(evaluated).toHaveLength(2 * outcome.seeds);
    const fresh = evaluationSeeds(sweepDefinition({ evaluation: EVALUATION })).slice(0, outcome.seeds);
    expect(fresh[0]).toBe(23);
    for (const arm of ['uniform', 'per-layer']) {
      const armTrials = evaluated.filter((record) => record.arm === arm);
      expect(armTrials.map((record) => record.seed).sort((a, b) => a - b)).toEqual(fresh);
      // One configuration, the arm's selected one, never pruned.
      expect(new Set(armTrials.map((record) => record.configId))).toEqual(new Set([outcome.selected.find((entry) => entry.arm === arm)!.configId]));
      expect(armTrials.every((record) => record.state === 'complete')).toBe(true);
    }
    // Selection trials keep their seeds; evaluation seeds never overlap them.
    expect(stored.filter((record) => record.role === undefined).every((record) => [11, 22].includes(record.seed))).toBe(true);
    // The CLI hears about it: one event per look, the last one done.
    const looks = events.filter((event): event is Extract<SweepEvent, { type: 'evaluation' }> => event.type === 'evaluation');
    expect(looks[0].queued).toBe(6);
    expect(looks[looks.length - 1].queued).toBe(0);
    expect(looks[looks.length - 1].outcome.status).toBe('decisive');

    // `status` counts the evaluation apart: the plan's 16 selection trials, and the fresh-seed trials on their own line.
    const status = formatStatus(sweepStatus(readSweepSummaries(directory)));
    expect(status).toContain('finished 16/16 trials');
    expect(status).toContain(`evaluation on fresh seeds: ${2 * outcome.seeds} complete`);

    // `report <dir>` reads the stored definition's rule with the summaries, and answers from the fresh seeds with it.
    const loaded = await loadTrialSummaries(directory);
    expect(loaded.evaluation).toEqual(sweepDefinition({ evaluation: EVALUATION }).evaluation);
    const report = analyzeTrialSummaries(loaded.trials, { bootstrapResamples: 20, evaluation: loaded.evaluation });
    expect(report.evaluation).toMatchObject({ status: 'decisive', seeds: outcome.seeds, ruleFromDefinition: true });
    expect(report.answer.basis).toBe('evaluation');
    expect(report.answer.evaluationSeeds).toEqual(fresh);

    const again = await run({ evaluation: EVALUATION, pruning: { type: 'asha', minEpochs: 1, reductionFactor: 3 } });
    expect(again.finishedThisRun).toBe(0);
    expect(again.evaluation).toEqual(outcome);
  });

  test('an interrupted evaluation resumes where it stopped and ends as an uninterrupted run', async () => {
    const reference = fs.mkdtempSync(path.join(os.tmpdir(), 'layerwise-evaluation-reference-'));
    try {
      const whole = await run({ evaluation: EVALUATION }, {}, reference);
      const controller = new AbortController();
      let evaluationFinished = 0;
      const first = await run(
        { evaluation: EVALUATION },
        {
          signal: controller.signal,
          onEvent: (event) => {
            if (event.type === 'trial-finish' && event.record.role === 'evaluation' && ++evaluationFinished === 2) controller.abort();
          },
        },
      );
      expect(first.interrupted).toBe(true);
      expect(evaluationOf((await loadTrials(directory))).filter((record) => record.state === 'complete')).toHaveLength(2);
      const resumed = await run({ evaluation: EVALUATION });
      expect(resumed.interrupted).toBe(false);
      expect(resumed.finishedThisRun).toBe(2 * whole.evaluation!.seeds - 2);
      expect(resumed.evaluation).toEqual(whole.evaluation);
      expect(evaluationOf((await loadTrials(directory))).map(identity).sort()).toEqual(evaluationOf((await loadTrials(reference))).map(identity).sort());
    } finally {
      fs.rmSync(reference, { recursive: true, force: true });
    }
  });

  test('adding an evaluation block to a finished sweep (--extend) runs only the evaluation trials', async () => {
    const selection = await run({});
    expect(selection.evaluation).toBeUndefined();
    const extended = await run({ evaluation: EVALUATION }, { extend: true });
    expect(extended.finishedThisRun).toBe(2 * extended.evaluation!.seeds);
    expect(evaluationOf((await loadTrials(directory)))).toHaveLength(extended.finishedThisRun);
  });

  test('a static shard runs no evaluation (it sees only its slice of the selection)', async () => {
    const summary = await run({ evaluation: EVALUATION }, { shard: { index: 1, count: 2 } });
    expect(summary.evaluation).toBeUndefined();
    expect(evaluationOf((await loadTrials(directory)))).toHaveLength(0);
  });
});
