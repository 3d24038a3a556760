import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { SweepEvent } from '../../lib/sweep/events';
import { InProcessExecutor } from '../../lib/sweep/executors/in-process';
import { planSlots, slotTrials } from '../../lib/sweep/plan';
import { runSweep } from '../../lib/sweep/runner';
import { createSampler } from '../../lib/sweep/samplers';
import { armSpace } from '../../lib/sweep/arms';
import { loadTrials, mergeSweepDirectories } from '../../lib/sweep/storage/sweep-directory';
import { SweepProgress } from '../../lib/sweep/progress';
import type { TrialRecord } from '../../lib/sweep/record';
import { FIXTURE_OBJECTIVES, sweepDefinition } from './fixtures/definitions';

let directory: string;
beforeEach(() => {
  directory = fs.mkdtempSync(path.join(os.tmpdir(), 'layerwise-runner-'));
});
afterEach(() => fs.rmSync(directory, { recursive: true, force: true }));

const run = (overrides: Record<string, unknown>, extra: Partial<Parameters<typeof runSweep>[0]> = {}) =>
  runSweep({ definition: sweepDefinition(overrides), directory, workers: 0, objectiveModules: [FIXTURE_OBJECTIVES], ...extra });

function byArm(records: TrialRecord[], arm: string): TrialRecord[] {
  return records.filter((record) => record.arm === arm);
}

describe('runSweep (in-process)', () => {
  test('equal budgets, paired seeds, stable identities; a rerun resumes without running anything', async () => {
    const summary = await run({});
    expect(summary).toMatchObject({ total: 16, complete: 16, failed: 0, interrupted: false, finishedThisRun: 16 });
    for (const arm of ['uniform', 'per-layer']) {
      const trials = byArm(summary.records, arm);
      expect(trials).toHaveLength(4 * 2);
      expect([...new Set(trials.map((trial) => trial.index))].sort()).toEqual([0, 1, 2, 3]);
      const configs = new Map<string, number[]>();
      for (const trial of trials) configs.set(trial.configId, [...(configs.get(trial.configId) ?? []), trial.seed].sort());
      expect(configs.size).toBe(4);
      for (const seeds of configs.values()) expect(seeds).toEqual([11, 22]);
    }
    expect(new Set(summary.records.map((record) => record.trialId)).size).toBe(16);
    // Per-layer parameters are one coefficient per listed layer.
    expect(Object.keys(byArm(summary.records, 'per-layer')[0].params).sort()).toEqual(['l2.dense_1', 'l2.dense_2']);

    const again = await run({});
    expect(again.finishedThisRun).toBe(0);
    expect(again.records.map((record) => record.trialId).sort()).toEqual(summary.records.map((record) => record.trialId).sort());
    const lines = fs.readFileSync(path.join(directory, 'journal.jsonl'), 'utf8').trim().split('\n');
    expect(lines.filter((line) => line.includes('"op":"finish"'))).toHaveLength(16);
  });

  test('a diverging configuration is recorded as diverged and the sweep completes', async () => {
    const summary = await run({ training: { epochs: 3, divergeIndex: 1 } });
    const diverged = summary.records.filter((record) => record.state === 'diverged');
    expect(diverged).toHaveLength(4); // index 1 of both arms × 2 seeds
    expect(diverged.every((record) => record.index === 1 && record.divergedAtEpoch === 2 && record.attempts === 1)).toBe(true);
    expect(summary.complete).toBe(12);
  });

  test('a crashing trial is retried up to the limit, then failed with the reason', async () => {
    const events: SweepEvent[] = [];
    const summary = await run({ budget: 2, training: { crash: 'always', crashIndex: 0 }, execution: { retries: 2 } }, { onEvent: (event) => events.push(event) });
    const failed = summary.records.filter((record) => record.state === 'failed');
    expect(failed).toHaveLength(4);
    for (const record of failed) {
      expect(record.attempts).toBe(3);
      expect(record.error).toMatch(/synthetic crash.*failed 3 attempts/);
    }
    expect(events.filter((event) => event.type === 'trial-retry')).toHaveLength(8);
    expect(summary.complete).toBe(4);
  });

  test('a trial crashing on its first attempt only completes on the retry', async () => {
    const summary = await run({ budget: 1, training: { crash: 'first-attempt' } });
    expect(summary.records.map((record) => [record.state, record.attempts])).toEqual([
      ['complete', 2],
      ['complete', 2],
      ['complete', 2],
      ['complete', 2],
    ]);
  });

  test('a trial over its time limit fails as timed out', async () => {
    const summary = await run({ budget: 1, seeds: [1], training: { hangIndex: 0 }, execution: { retries: 0, trialTimeoutSeconds: 0.2 } });
    expect(summary.failed).toBe(2);
    expect(summary.records[0].error).toMatch(/timed out after 0.2 s/);
  });

  test('static shards partition the trials exactly and merge into the full sweep', async () => {
    const definition = sweepDefinition({ budget: 5 });
    const sampler = createSampler(definition.sampler);
    const idsOf = (slots: ReturnType<typeof planSlots>): string[] =>
      slots.flatMap((slot) =>
        slotTrials(definition, slot, sampler.sample({ space: armSpace(definition, slot.arm), arm: slot.arm.name, index: slot.index, budget: definition.budget, history: [], retry: 0 })).map((trial) => trial.trialId),
      );
    const all = idsOf(planSlots(definition));
    const shards = [1, 2, 3].map((index) => idsOf(planSlots(definition, { index, count: 3 })));
    expect(shards.flat().sort()).toEqual([...all].sort());
    expect(new Set(shards.flat()).size).toBe(all.length);

    for (const index of [1, 2, 3]) await run({ budget: 5 }, { shard: { index, count: 3 } });
    expect(fs.readdirSync(directory).filter((name) => name.endsWith('.jsonl')).sort()).toEqual([
      'journal.shard-1-of-3.jsonl',
      'journal.shard-2-of-3.jsonl',
      'journal.shard-3-of-3.jsonl',
    ]);
    const merged = await loadTrials(directory);
    expect(merged.map((trial) => trial.trialId).sort()).toEqual([...all].sort());
    await mergeSweepDirectories({ sources: [directory], target: directory });
    // The unsharded sweep over the merged journal has nothing left to do.
    expect((await run({ budget: 5 })).finishedThisRun).toBe(0);
  });

  test('ASHA pruning stops some trials early and records them as pruned', async () => {
    const summary = await run({ budget: 6, seeds: [1], training: { epochs: 9 }, pruning: { type: 'asha', minEpochs: 1, reductionFactor: 3 } });
    const pruned = summary.records.filter((record) => record.state === 'pruned');
    expect(pruned.length).toBeGreaterThan(0);
    expect(pruned.every((record) => record.epochs.length < 9)).toBe(true);
    expect(summary.complete + summary.pruned).toBe(12);
  });

  test('aborting stops cleanly; the rerun finishes the rest without duplicates', async () => {
    const controller = new AbortController();
    let finished = 0;
    const first = await run(
      { training: { epochs: 2, epochMilliseconds: 5 } },
      {
        signal: controller.signal,
        onEvent: (event) => {
          if (event.type === 'trial-finish' && ++finished === 5) controller.abort();
        },
      },
    );
    expect(first.interrupted).toBe(true);
    expect(first.finishedThisRun).toBe(5);
    const second = await run({ training: { epochs: 2, epochMilliseconds: 5 } });
    expect(second.finishedThisRun).toBe(11);
    expect(second.complete).toBe(16);
    const finishLines = fs.readFileSync(path.join(directory, 'journal.jsonl'), 'utf8').split('\n').filter((line) => line.includes('"op":"finish"'));
    expect(finishLines).toHaveLength(16);
  });

  test('TPE sweeps sample distinct configurations per arm and concurrent trials are fine', async () => {
    const progress = new SweepProgress();
    const summary = await run(
      { budget: 8, seeds: [1], sampler: { type: 'tpe', seed: 2, startupTrials: 3 }, training: { epochs: 1, epochMilliseconds: 2 } },
      { executor: new InProcessExecutor({ concurrency: 3 }), onEvent: (event) => progress.update(event) },
    );
    expect(summary.complete).toBe(16);
    for (const arm of ['uniform', 'per-layer']) expect(new Set(byArm(summary.records, arm).map((record) => record.configId)).size).toBe(8);
    const snapshot = progress.snapshot();
    expect(snapshot).toMatchObject({ total: 16, done: 16, complete: 16, running: 0, finished: true });
    const best = Math.min(...byArm(summary.records, 'uniform').map((record) => record.final!.validation!.loss));
    expect(snapshot.bestValidation.uniform).toBe(best);
  });

  test('extending a sweep keeps finished trials and runs only the new ones', async () => {
    await run({ budget: 2 });
    await expect(run({ budget: 3 })).rejects.toThrow(/different definition \(changed: budget\)/);
    const extended = await run({ budget: 3 }, { extend: true });
    expect(extended.finishedThisRun).toBe(4);
    expect(extended.complete).toBe(12);
  });
});
