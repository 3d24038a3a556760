/**
 * Streaming a sweep folder into trial digests: the same trials as `readSweepDirectory` without
 * their per-epoch lists; full records of chosen configurations on a second pass; damaged lines
 * skipped and counted. Journals are written with the shipped encoder (lib/sweep/storage/journal-format).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { encodeEvent, JournalEvent } from '../../lib/sweep/storage/journal-format';
import { readSweepDirectory } from '../../lib/sweep/storage/sweep-directory';
import { forEachJournalLine, readFinishedRecords, readTrialDigests, readTrialSummaries } from '../../lib/report/trial-digests';
import { digestTrial, summarizeTrial } from '../../lib/report/trial-summary';
import type { TrialRecord } from '../../lib/sweep/record';
import type { EpochRecord } from '../../lib/train/record';

function epoch(n: number, validation: number): EpochRecord {
  return { epoch: n, train: { loss: 1 / n }, validation: { loss: validation }, penalty: 0, penaltyPerLayer: {}, weightNorms: { 'd/kernel': n }, seconds: 0.1 };
}

function finished(configId: string, seed: number, losses: number[]): TrialRecord {
  const epochs = losses.map((loss, position) => epoch(position + 1, loss));
  return { trialId: `${configId}-${seed}`, configId, sweepName: 's', arm: configId.startsWith('u') ? 'uniform' : 'per-layer', index: 0, params: { l2: 0.1 }, seed, state: 'complete', attempts: 1, epochs, final: epochs[epochs.length - 1], finishedAt: `2026-01-0${seed}T00:00:00.000Z` };
}

let directory: string;
const records = [finished('u1', 1, [0.9, 0.5, 0.6]), finished('u1', 2, [0.8, 0.7]), finished('p1', 1, [0.7, 0.4, 0.45, 0.5])];

beforeEach(() => {
  directory = fs.mkdtempSync(path.join(os.tmpdir(), 'layerwise-digests-'));
  const events: JournalEvent[] = [];
  for (const record of records) {
    const { trialId, configId, sweepName, arm, index, params, seed } = record;
    events.push({ op: 'enqueue', trial: { trialId, configId, sweepName, arm, index, params, seed }, at: 'x' });
    events.push({ op: 'claim', trialId, attempt: 1, at: 'x' });
    for (const each of record.epochs) events.push({ op: 'epoch', trialId, attempt: 1, epoch: each });
    events.push({ op: 'finish', trialId, attempt: 1, record });
  }
  // A running trial with one epoch, and a torn last line.
  const running = finished('p2', 3, [0.6]);
  events.push({ op: 'enqueue', trial: { trialId: running.trialId, configId: 'p2', sweepName: 's', arm: 'per-layer', index: 1, params: {}, seed: 3 }, at: 'x' });
  events.push({ op: 'claim', trialId: running.trialId, attempt: 1, at: 'x' });
  events.push({ op: 'epoch', trialId: running.trialId, attempt: 1, epoch: running.epochs[0] });
  fs.writeFileSync(path.join(directory, 'journal.jsonl'), `${events.map(encodeEvent).join('')}{"op":"finish","trialId":"torn`);
});

afterEach(() => fs.rmSync(directory, { recursive: true, force: true }));

test('digests are the folder trials without per-epoch lists, with epoch count and best-validation epoch', () => {
  const folder = readSweepDirectory(directory);
  const digests = readTrialDigests(directory);
  expect(digests.trials).toEqual(folder.trials.map(digestTrial));
  expect(digests.skippedLines).toBe(folder.skippedLines);
  expect(digests.skippedLines).toBe(1);
  const p1 = digests.trials.find((trial) => trial.configId === 'p1')!;
  expect(p1.epochs).toBeUndefined();
  expect(p1.epochsRun).toBe(4);
  expect(p1.bestEpoch?.epoch).toBe(2);
  expect(digests.trials.find((trial) => trial.configId === 'p2')).toMatchObject({ state: 'running', epochsRun: 1 });
});

test('summaries streamed from the journal equal the summaries of the folder trials, a second finish of a trial ignored', () => {
  // A duplicate finish with other numbers (a retried write): the first one wins, as in the replay.
  const duplicate = { ...records[0], final: epoch(9, 0.01), finishedAt: '2026-02-01T00:00:00.000Z' };
  fs.appendFileSync(path.join(directory, 'journal.jsonl'), `\n${encodeEvent({ op: 'finish', trialId: duplicate.trialId, attempt: 1, record: duplicate })}`);
  const folder = readSweepDirectory(directory);
  const streamed = readTrialSummaries(directory);
  expect(streamed.trials).toEqual(folder.trials.map(summarizeTrial));
  expect(streamed.trials.find((trial) => trial.trialId === records[0].trialId)?.final?.validationLoss).toBe(0.6);
  expect(streamed.skippedLines).toBe(folder.skippedLines);
});

test('the second pass returns the full finished records of the chosen configurations only', () => {
  const full = readFinishedRecords(directory, ['u1']);
  expect(full).toEqual(records.filter((record) => record.configId === 'u1'));
  expect(readFinishedRecords(directory, [])).toEqual([]);
});

test('lines are read whole across chunk boundaries, multi-byte characters included', () => {
  const file = path.join(directory, 'lines.txt');
  const long = 'é'.repeat(5 * 1024 * 1024);
  fs.writeFileSync(file, `a\n${long}\nlast`);
  const lines: string[] = [];
  forEachJournalLine(file, (line) => lines.push(line));
  expect(lines.map((line) => line.length)).toEqual([1, long.length, 4]);
  expect(lines[1]).toBe(long);
});
