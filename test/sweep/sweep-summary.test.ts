/**
 * The end of a sweep run reads summaries (issue 18): `runSweep`'s summary lists every finished
 * trial of its scope as the store summarizes it (no per-epoch lists) without any whole-sweep read
 * of full records; `records` and `evaluationRecords` keep their type and read the journal on
 * first access; `readRecords(configIds)` reads only the configurations asked for; the report the
 * CLI writes from the summary (`writeSweepSummaryReport`) is the report of the full records.
 * Values come from the deterministic `test.synthetic` objective and are compared exactly.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { TrialRecord, TrialState } from '../../lib/sweep/record';
import { runSweep } from '../../lib/sweep/runner';
import { JournalStorage } from '../../lib/sweep/storage/journal-storage';
import { readSweepDirectory } from '../../lib/sweep/storage/sweep-directory';
import { summarize } from '../../lib/sweep/storage/trial-summary';
import { writeSweepSummaryReport } from '../../lib/report/sweep-report';
import { writeReport } from '../../lib/report/write-report';
import { FIXTURE_OBJECTIVES, sweepDefinition } from './fixtures/definitions';

jest.setTimeout(120_000);

const directories: string[] = [];
function folder(): string {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'layerwise-sweep-summary-'));
  directories.push(directory);
  return directory;
}
afterAll(() => {
  for (const directory of directories) fs.rmSync(directory, { recursive: true, force: true });
});

/** The journal store, noting every `listTrials` call (its filter). */
class CountingJournal extends JournalStorage {
  readonly calls: Array<{ trialIds?: readonly string[]; states?: readonly TrialState[] }> = [];

  override async listTrials(sweepName: string, filter: { states?: readonly TrialState[]; trialIds?: readonly string[] } = {}): Promise<TrialRecord[]> {
    this.calls.push({ ...filter });
    return super.listTrials(sweepName, filter);
  }
}

const EVALUATION = { seeds: { min: 3, max: 6 } };

test('the summary lists summaries, reads no full record at the end, and reads records only when asked', async () => {
  const directory = folder();
  const storage = new CountingJournal({ directory });
  const definition = sweepDefinition({ budget: 4, training: { epochs: 3 }, pruning: { type: 'none' }, evaluation: EVALUATION });
  const summary = await runSweep({ definition, storage, workers: 0, objectiveModules: [FIXTURE_OBJECTIVES] });
  await storage.close();
  // No whole-sweep read of full records, at the start, during or at the end of the run.
  expect(storage.calls.filter((call) => call.trialIds === undefined)).toEqual([]);

  const stored = readSweepDirectory(directory).trials;
  const selection = stored.filter((record) => record.role !== 'evaluation');
  const evaluation = stored.filter((record) => record.role === 'evaluation');
  expect(selection).toHaveLength(16);
  expect(evaluation.length).toBeGreaterThanOrEqual(2 * EVALUATION.seeds.min);
  // `trials`: every finished selection trial as the store's summary of its full record (no epochs held).
  const byId = (list: ReadonlyArray<{ trialId: string }>) => [...list].sort((a, b) => a.trialId.localeCompare(b.trialId));
  expect(byId(summary.trials)).toEqual(byId(selection.map(summarize)));
  expect(summary.trials.every((trial) => !('epochs' in trial))).toBe(true);
  expect(byId(summary.evaluationTrials ?? [])).toEqual(byId(evaluation.map(summarize)));
  expect(summary.complete + summary.pruned + summary.diverged + summary.failed).toBe(16);

  // `records` (read now, from the journal) are the full records, epochs included, in the order of `trials`.
  expect(summary.records.map((record) => record.trialId)).toEqual(summary.trials.map((trial) => trial.trialId));
  expect(byId(summary.records)).toEqual(byId(selection));
  expect(summary.records.every((record) => record.epochs.length === 3)).toBe(true);
  expect(byId(summary.evaluationRecords ?? [])).toEqual(byId(evaluation));

  // `readRecords(configIds)`: the finished trials of those configurations only (selection and evaluation).
  const configId = summary.trials[0].configId;
  const some = await summary.readRecords([configId]);
  expect(byId(some)).toEqual(byId(stored.filter((record) => record.configId === configId)));
  expect(await summary.readRecords([])).toEqual([]);
});

test('the report written from a run\'s summary is the report of its full records, curves included', async () => {
  const directory = folder();
  const definition = sweepDefinition({ budget: 4, training: { epochs: 3 }, pruning: { type: 'none' }, evaluation: EVALUATION });
  const summary = await runSweep({ definition, directory, workers: 0, objectiveModules: [FIXTURE_OBJECTIVES] });
  const options = { bootstrapResamples: 200, evaluation: definition.evaluation, tensorboard: false } as const;
  const fromSummary = await writeSweepSummaryReport(path.join(directory, 'from-summary'), summary, options);
  const full = readSweepDirectory(directory).trials;
  // A run that opened its store itself reads its summaries without a copy: the same summaries.
  const byId = (list: ReadonlyArray<{ trialId: string }>) => [...list].sort((a, b) => a.trialId.localeCompare(b.trialId));
  expect(byId(summary.trials)).toEqual(byId(full.filter((record) => record.role !== 'evaluation').map(summarize)));
  const fromRecords = await writeReport(path.join(directory, 'from-records'), full, options);
  // The learning curves of the selected configurations were drawn from epochs read back for them.
  expect(fromSummary.report.epochCurves.length).toBeGreaterThan(0);
  expect(fromSummary.report.epochCurves.every((curve) => curve.points.length === 3)).toBe(true);
  for (const name of ['report.json', 'trials.csv', 'configurations.csv', 'summary.md', 'report.txt']) {
    expect(fs.readFileSync(path.join(directory, 'from-summary', name), 'utf8')).toEqual(fs.readFileSync(path.join(directory, 'from-records', name), 'utf8'));
  }
});
