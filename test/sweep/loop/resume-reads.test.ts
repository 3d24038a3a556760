/**
 * Resuming reads summaries, not every epoch (issue 18): `runSweep` on a folder whose journal
 * holds finished trials reads them through `listTrialSummaries` (no per-epoch records), and the
 * stored trials' epochs are read only when a pruning decision needs them: once, in one read (a
 * journal scans its file per read), never when nothing is pruned; the end of the run reads
 * summaries too. Records must not change: a sweep extended from budget 4 to 8
 * must record exactly what the same definition records run at once with budget 8 (the median
 * pruner compares each new trial with the stored trials' epochs, so a gate that skipped them
 * would prune differently). Values come from the deterministic `test.synthetic` objective and are
 * compared exactly.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { TrialRecord, TrialState } from '../../../lib/sweep/record';
import { runSweep } from '../../../lib/sweep/runner';
import { JournalStorage } from '../../../lib/sweep/storage/journal-storage';
import { FIXTURE_OBJECTIVES, sweepDefinition } from '../fixtures/definitions';

jest.setTimeout(120_000);

const directories: string[] = [];
function folder(): string {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'layerwise-resume-reads-'));
  directories.push(directory);
  return directory;
}
afterAll(() => {
  for (const directory of directories) fs.rmSync(directory, { recursive: true, force: true });
});

/** The journal store, noting every `listTrials` call (its filter) and whether the sweep had started. */
class CountingJournal extends JournalStorage {
  readonly calls: Array<{ trialIds?: readonly string[]; states?: readonly TrialState[]; afterStart: boolean }> = [];
  started = false;

  override async listTrials(sweepName: string, filter: { states?: readonly TrialState[]; trialIds?: readonly string[] } = {}): Promise<TrialRecord[]> {
    this.calls.push({ ...filter, afterStart: this.started });
    return super.listTrials(sweepName, filter);
  }
}

const definitionWith = (budget: number, pruning: Record<string, unknown> = { type: 'median', startupTrials: 1, warmupEpochs: 1 }) =>
  sweepDefinition({
    budget,
    training: { epochs: 4 },
    sampler: { type: 'random', seed: 5 },
    pruning,
    execution: { population: 1 },
  });

function comparable(records: readonly TrialRecord[]): unknown[] {
  return [...records]
    .sort((a, b) => a.trialId.localeCompare(b.trialId))
    .map((record) => ({ trialId: record.trialId, arm: record.arm, index: record.index, seed: record.seed, params: record.params, state: record.state, epochs: record.epochs, final: record.final }));
}

test('an extended sweep opens from summaries, reads only the epochs its pruning decisions need, and records what one run records', async () => {
  const reference = await runSweep({ definition: definitionWith(8), directory: folder(), workers: 0, objectiveModules: [FIXTURE_OBJECTIVES] });
  expect(reference.records).toHaveLength(32);

  const directory = folder();
  const first = await runSweep({ definition: definitionWith(4), directory, workers: 0, objectiveModules: [FIXTURE_OBJECTIVES] });
  expect(first.records).toHaveLength(16);
  const oldIds = new Set(first.records.map((record) => record.trialId));

  const storage = new CountingJournal({ directory });
  const extended = await runSweep({
    definition: definitionWith(8),
    storage,
    workers: 0,
    extend: true,
    objectiveModules: [FIXTURE_OBJECTIVES],
    onEvent: (event) => {
      if (event.type === 'start') storage.started = true;
    },
  });
  await storage.close();
  expect(extended.finishedThisRun).toBe(16);

  // Opening read no trial with its epochs.
  expect(storage.calls.filter((call) => !call.afterStart)).toEqual([]);
  // Every read named its trials: no whole-sweep read, not even at the end (the summary reads summaries).
  const during = storage.calls;
  expect(during.every((call) => call.trialIds !== undefined)).toBe(true);
  // Epochs were read for stored trials (the gate needed them), each stored trial at most once.
  const read = during.flatMap((call) => call.trialIds ?? []).filter((id) => oldIds.has(id));
  expect(read.length).toBeGreaterThan(0);
  expect(new Set(read).size).toBe(read.length);

  // Pruning among the new trials happened, so the equality below depends on the gate's reads.
  expect(extended.records.filter((record) => !oldIds.has(record.trialId) && record.state === 'pruned').length).toBeGreaterThan(0);
  expect(comparable(extended.records)).toEqual(comparable(reference.records));
});

test('without pruning, an extended sweep reads no stored trial’s epochs, and its summary reads them only when asked', async () => {
  const directory = folder();
  const first = await runSweep({ definition: definitionWith(2, { type: 'none' }), directory, workers: 0, objectiveModules: [FIXTURE_OBJECTIVES] });
  const oldIds = new Set(first.records.map((record) => record.trialId));
  const storage = new CountingJournal({ directory });
  const extended = await runSweep({ definition: definitionWith(3, { type: 'none' }), storage, workers: 0, extend: true, objectiveModules: [FIXTURE_OBJECTIVES] });
  await storage.close();
  expect(extended.finishedThisRun).toBe(4);
  expect(storage.calls.flatMap((call) => call.trialIds ?? ['(every trial)']).filter((id) => id === '(every trial)' || oldIds.has(id))).toEqual([]);
  // `records` reads every record with its epochs from the journal on first access.
  expect(extended.records.filter((record) => oldIds.has(record.trialId)).every((record) => record.epochs.length === 4)).toBe(true);
});
