/**
 * The report's reader of a sweep folder (`loadTrialSummaries`): trials come from the store's
 * summaries (the journal index), per-epoch records only for the configurations asked for. Its
 * results must equal what summarizing the fully replayed folder gives. Journals are written with
 * the shipped encoder (lib/sweep/storage/journal-format).
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadTrialSummaries } from '../../lib/cli/dependencies';
import { summarizeTrial } from '../../lib/sweep/selection/trial-summary';
import { encodeEvent, JournalEvent } from '../../lib/sweep/storage/journal-format';
import { indexFileOf } from '../../lib/sweep/storage/journal-index';
import { readSweepDirectory } from '../../lib/sweep/storage/sweep-directory';
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
const journalOf = (): string => path.join(directory, 'journal.jsonl');

beforeEach(() => {
  directory = fs.mkdtempSync(path.join(os.tmpdir(), 'layerwise-report-reader-'));
  const events: JournalEvent[] = [];
  for (const record of records) {
    const { trialId, configId, sweepName, arm, index, params, seed } = record;
    events.push({ op: 'enqueue', trial: { trialId, configId, sweepName, arm, index, params, seed }, at: 'x' });
    events.push({ op: 'claim', trialId, attempt: 1, at: 'x' });
    for (const each of record.epochs) events.push({ op: 'epoch', trialId, attempt: 1, epoch: each });
    events.push({ op: 'finish', trialId, attempt: 1, record });
  }
  // A running trial of u1 with one epoch (never returned as a finished record), and a torn last line.
  events.push({ op: 'enqueue', trial: { trialId: 'u1-3', configId: 'u1', sweepName: 's', arm: 'uniform', index: 0, params: { l2: 0.1 }, seed: 3 }, at: 'x' });
  events.push({ op: 'claim', trialId: 'u1-3', attempt: 1, at: 'x' });
  events.push({ op: 'epoch', trialId: 'u1-3', attempt: 1, epoch: epoch(1, 0.6) });
  fs.writeFileSync(journalOf(), `${events.map(encodeEvent).join('')}{"op":"finish","trialId":"torn`);
});

afterEach(() => fs.rmSync(directory, { recursive: true, force: true }));

/**
 * What summarizing the fully replayed folder gives, except that an unfinished trial carries no
 * final snapshot: its epochs are never read (it is excluded from every statistic as 'unfinished').
 */
function expectedSummaries(): ReturnType<typeof summarizeTrial>[] {
  return readSweepDirectory(directory).trials.map((record) => summarizeTrial(record.state === 'running' ? { ...record, epochs: [], epochsRun: record.epochs.length } : record));
}

test('summaries equal the summaries of the replayed folder (best epoch and epoch count included), with or without a current index', async () => {
  const expected = expectedSummaries();
  const cold = await loadTrialSummaries(directory);
  expect(cold.trials).toEqual(expected);
  const p1 = cold.trials.find((trial) => trial.configId === 'p1')!;
  expect(p1.epochsRun).toBe(4);
  expect(p1.best?.epoch).toBe(2); // validation losses 0.7, 0.4, 0.45, 0.5
  expect(p1.best?.validationLoss).toBe(0.4);
  expect(cold.trials.find((trial) => trial.trialId === 'u1-3')).toMatchObject({ state: 'running', epochsRun: 1 });
  // The second read goes through the index written by the first, or rebuilds it: same answer either way.
  const warm = await loadTrialSummaries(directory);
  expect(warm.trials).toEqual(expected);
});

test('an index of format version 1 (no best epoch) is not trusted: the best column comes back after a rebuild', async () => {
  await loadTrialSummaries(directory);
  const index = indexFileOf(journalOf());
  if (!fs.existsSync(index)) return expect(fs.existsSync(index)).toBe(true);
  // Rewrite it as version 1 wrote it: no bestEpoch, header v 1, a valid checksum (so only the version can reject it).
  const body = fs
    .readFileSync(index, 'utf8')
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('{"end":true'))
    .map((line) => {
      // A trial's line is `<head>\t<detail>` since version 3: joined back into one summary, as version 1 held it.
      const tab = line.indexOf('\t');
      const value = (tab < 0 ? JSON.parse(line) : { ...JSON.parse(line.slice(0, tab)), ...JSON.parse(line.slice(tab + 1)) }) as Record<string, unknown>;
      delete value['@head'];
      if ('format' in value) value.v = 1;
      delete value.bestEpoch;
      delete value.lastEpoch;
      return `${JSON.stringify(value)}\n`;
    })
    .join('');
  fs.writeFileSync(index, `${body}${JSON.stringify({ end: true, sha256: createHash('sha256').update(body).digest('hex') })}\n`);
  expect(fs.readFileSync(index, 'utf8')).not.toContain('bestEpoch');
  const reread = await loadTrialSummaries(directory);
  expect(reread.trials.find((trial) => trial.configId === 'p1')?.best?.epoch).toBe(2);
});

test('a second finish of a trial is ignored, as in the journal replay', async () => {
  const duplicate = { ...records[0], final: epoch(9, 0.01), finishedAt: '2026-02-01T00:00:00.000Z' };
  fs.appendFileSync(journalOf(), `\n${encodeEvent({ op: 'finish', trialId: duplicate.trialId, attempt: 1, record: duplicate })}`);
  const summaries = await loadTrialSummaries(directory);
  expect(summaries.trials).toEqual(expectedSummaries());
  expect(summaries.trials.find((trial) => trial.trialId === records[0].trialId)?.final?.validationLoss).toBe(0.6);
});

test('epoch records are the full finished records of the chosen configurations only', async () => {
  const summaries = await loadTrialSummaries(directory);
  expect(await summaries.loadEpochRecords(['u1'])).toEqual(records.filter((record) => record.configId === 'u1'));
  expect(await summaries.loadEpochRecords(['p1'])).toEqual([records[2]]);
  expect(await summaries.loadEpochRecords([])).toEqual([]);
  expect(await summaries.loadEpochRecords(['absent'])).toEqual([]);
});
