/**
 * Issue 18, item 1: the compact index beside the journal. Readers that need only final metrics
 * (status, samplers, the report's tables) read the index plus the journal lines after it; the
 * journal stays the truth, and an index that is missing, torn, stale or belongs to another journal
 * is detected and rebuilt with the same result as a full replay.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { definitionFingerprint } from '../../../lib/sweep/definition-config';
import { JournalStorage } from '../../../lib/sweep/storage/journal-storage';
import { encodeEvent } from '../../../lib/sweep/storage/journal-format';
import { readJournalFile } from '../../../lib/sweep/storage/journal-reader';
import { headOf, indexFileOf, indexWorthRewriting, readJournalHeads, readJournalSummary, REWRITE_AFTER_BYTES } from '../../../lib/sweep/storage/journal-index';
import { summarize } from '../../../lib/sweep/storage/trial-summary';
import type { TrialSpec } from '../../../lib/sweep/storage/storage';
import { mergeSweepDirectories, readSweepDirectory, readSweepHeads, readSweepSummaries, readTrialEpochs } from '../../../lib/sweep/storage/sweep-directory';
import { sweepStatus } from '../../../lib/cli/status';
import type { EpochRecord } from '../../../lib/train/record';
import type { TrialRecord } from '../../../lib/sweep/record';
import { sweepDefinition } from '../fixtures/definitions';

const definition = sweepDefinition();
const fingerprint = definitionFingerprint(definition);
const spec = (n: number): TrialSpec => ({ trialId: `t${n}`, configId: `c${n}`, sweepName: definition.name, arm: 'uniform', index: n, params: { l2: n / 1000 }, seed: 1 });
const epochOf = (n: number, loss: number): EpochRecord => ({ epoch: n, train: { loss }, validation: { loss: loss + 0.5 }, penalty: 0, penaltyPerLayer: {}, weightNorms: {}, seconds: 0 });

let directory: string;
let journal: string;
beforeEach(() => {
  directory = fs.mkdtempSync(path.join(os.tmpdir(), 'layerwise-index-'));
  journal = path.join(directory, 'journal.jsonl');
});
afterEach(() => fs.rmSync(directory, { recursive: true, force: true }));

/** A journal with every kind of event: complete (3 epochs), diverged, failed-then-retried, running, waiting. */
async function writeSweep(trials = 6): Promise<void> {
  const store = new JournalStorage({ directory });
  await store.openSweep({ definition, fingerprint });
  await store.enqueueTrials(definition.name, Array.from({ length: trials }, (_, n) => spec(n)));
  for (let n = 0; n < trials - 2; n++) {
    await store.claimTrial(definition.name, { trialIds: [`t${n}`] });
    const epochs = [epochOf(1, 1 + n), epochOf(2, 0.5 + n), epochOf(3, 0.25 + n)];
    for (const epoch of epochs) await store.recordEpoch(definition.name, `t${n}`, 1, epoch);
    if (n === 1) {
      await store.finishTrial(definition.name, `t${n}`, 1, { state: 'diverged', epochs, final: epochs[2], divergedAtEpoch: 2, error: 'validation loss became NaN at epoch 2' });
    } else if (n === 2) {
      await store.requeueTrial(definition.name, `t${n}`, 1, 'worker crashed');
      await store.claimTrial(definition.name, { trialIds: [`t${n}`] });
      await store.finishTrial(definition.name, `t${n}`, 2, { state: 'complete', epochs, final: epochs[2] });
    } else {
      await store.finishTrial(definition.name, `t${n}`, 1, { state: 'complete', epochs, final: epochs[2], backend: 'cpu', seconds: 0.5 });
    }
  }
  // One trial left running with an epoch reported (its process "died"), one waiting.
  await store.claimTrial(definition.name, { trialIds: [`t${trials - 2}`] });
  await store.recordEpoch(definition.name, `t${trials - 2}`, 1, epochOf(1, 9));
  await store.close();
}

/** What a full replay of the journal says, as summaries. */
function fullReplaySummaries(): { trials: unknown[]; skippedLines: number; sweepName?: string } {
  const state = readJournalFile(journal);
  return { trials: [...state.trials.values()].map(summarize), skippedLines: state.skippedLines, sweepName: state.sweep?.name };
}

function summaryRead(): { trials: unknown[]; skippedLines: number; sweepName?: string } {
  const read = readJournalSummary(journal);
  return { trials: [...read.state.trials.values()], skippedLines: read.state.skippedLines, sweepName: read.state.sweep?.name };
}

describe('the index answers like the journal', () => {
  test('after a sweep closes, the index covers the whole journal: nothing of the journal is replayed and the summaries equal a full replay', async () => {
    await writeSweep();
    expect(fs.existsSync(indexFileOf(journal))).toBe(true);
    const read = readJournalSummary(journal);
    expect(read.source).toBe('index');
    expect(read.journalBytesReplayed).toBe(0);
    expect(summaryRead()).toEqual(fullReplaySummaries());
    // The running trial stays running in the index (what the journal says), with its one epoch counted.
    expect(read.state.trials.get('t4')).toMatchObject({ state: 'running', attempts: 1, epochCount: 1 });
    expect(read.state.trials.get('t0')).toMatchObject({ state: 'complete', epochCount: 3, final: { epoch: 3 } });
    expect(read.state.trials.get('t0')).not.toHaveProperty('epochs');
  });

  test('status reads only the index: garbling an epoch line in the middle of the journal changes nothing it reports, while a full replay sees the damage', async () => {
    await writeSweep(40);
    const before = sweepStatus(readSweepSummaries(directory));
    const text = fs.readFileSync(journal, 'utf8');
    const lines = text.split('\n');
    const middle = lines.findIndex((line, position) => position > lines.length / 3 && line.includes('"op":"epoch"'));
    lines[middle] = 'x'.repeat(lines[middle].length);
    fs.writeFileSync(journal, lines.join('\n'));
    expect(fs.statSync(journal).size).toBe(Buffer.byteLength(text));
    const summaries = readSweepSummaries(directory);
    expect(summaries.journalBytesReplayed).toBe(0);
    expect(sweepStatus(summaries)).toEqual(before);
    expect(readJournalFile(journal).skippedLines).toBe(1);
  });

  test('status from the index equals status from the full journal, backend choices included', async () => {
    await writeSweep(12);
    const covered = fs.statSync(journal).size;
    const store = new JournalStorage({ directory });
    await store.openSweep({ definition, fingerprint });
    await store.recordBackendChoice(definition.name, { backend: 'cpu', selection: 'measured', at: '2026-01-01T00:00:00.000Z' });
    await store.close();
    // One short line after the index: the index is kept (indexWorthRewriting) and only that line is replayed.
    const summaries = readSweepSummaries(directory);
    expect(summaries.journalBytesReplayed).toBe(fs.statSync(journal).size - covered);
    expect(summaries.journalBytesReplayed).toBeGreaterThan(0);
    expect(summaries.backendChoices).toEqual([expect.objectContaining({ backend: 'cpu' })]);
    expect(sweepStatus(summaries)).toEqual(sweepStatus(readSweepDirectory(directory)));
  });
});

describe('when the index is rewritten: a closing store and a reader skip it for a short tail (amortized linear)', () => {
  test('the rule: always without an index; else once the tail exceeds both REWRITE_AFTER_BYTES and an eighth of what the index covers', () => {
    expect(indexWorthRewriting(0, 1)).toBe(true);
    expect(indexWorthRewriting(0, 0)).toBe(false);
    expect(indexWorthRewriting(1000, 0)).toBe(false);
    expect(indexWorthRewriting(1000, REWRITE_AFTER_BYTES)).toBe(false);
    expect(indexWorthRewriting(1000, REWRITE_AFTER_BYTES + 1)).toBe(true);
    const covered = 80 * REWRITE_AFTER_BYTES;
    expect(indexWorthRewriting(covered, covered / 8)).toBe(false);
    expect(indexWorthRewriting(covered, covered / 8 + 1)).toBe(true);
  });

  test('a store that appended a short tail keeps the index at close; one that appended more than REWRITE_AFTER_BYTES rewrites it', async () => {
    await writeSweep(8);
    const indexBefore = fs.readFileSync(indexFileOf(journal));
    const store = new JournalStorage({ directory });
    await store.openSweep({ definition, fingerprint });
    await store.enqueueTrials(definition.name, [spec(100)]);
    await store.close();
    expect(fs.readFileSync(indexFileOf(journal))).toEqual(indexBefore);
    expect(summaryRead()).toEqual(fullReplaySummaries());

    const again = new JournalStorage({ directory });
    await again.openSweep({ definition, fingerprint });
    // Long parameter values make a tail of more than REWRITE_AFTER_BYTES in a few lines (a 1-byte index would take 10,000s of trials).
    const padding = 'x'.repeat(64 * 1024);
    const longSpecs = Array.from({ length: Math.ceil((REWRITE_AFTER_BYTES * 1.2) / padding.length) }, (_, n) => ({ ...spec(200 + n), params: { l2: 0.001, note: padding } as unknown as TrialSpec['params'] }));
    await again.enqueueTrials(definition.name, longSpecs);
    await again.close();
    expect(fs.readFileSync(indexFileOf(journal))).not.toEqual(indexBefore);
    expect(readJournalSummary(journal).journalBytesReplayed).toBe(0);
    expect(summaryRead()).toEqual(fullReplaySummaries());
  });
});

describe('heads: what status reads, without parsing the metric snapshots', () => {
  test('heads from the index equal the heads of a full replay (final validation loss and clip flag kept), and status from heads equals status from full records', async () => {
    await writeSweep(12);
    const heads = readJournalHeads(journal);
    expect(heads.source).toBe('index');
    const expected = [...readJournalFile(journal).trials.values()].map((record) => headOf(summarize(record)));
    expect([...heads.state.trials.values()]).toEqual(expected);
    expect(heads.state.trials.get('t0')).toMatchObject({ state: 'complete', finalValidationLoss: 0.75, atClipCeiling: false });
    expect(heads.state.trials.get('t0')).not.toHaveProperty('final');
    expect(heads.state.trials.get('t0')).not.toHaveProperty('bestEpoch');
    expect(sweepStatus(readSweepHeads(directory))).toEqual(sweepStatus(readSweepDirectory(directory)));
  });

  test('a damaged detail half (the part a head read does not parse) still fails the checksum: head and full reads both rebuild with the journal\'s answer', async () => {
    await writeSweep(6);
    const file = indexFileOf(journal);
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    const position = lines.findIndex((line) => line.includes('"trialId":"t0"'));
    const tab = lines[position].indexOf('\t');
    expect(tab).toBeGreaterThan(0);
    // Same length, so only the checksum (not the byte count) can tell; the head half is untouched.
    lines[position] = `${lines[position].slice(0, tab + 1)}${'x'.repeat(lines[position].length - tab - 1)}`;
    fs.writeFileSync(file, lines.join('\n'));
    // The checksum fails for both kinds of read: both rebuild from the journal, with the journal's answer.
    const heads = readJournalHeads(journal, { updateIndex: false });
    expect(heads.source).toBe('rebuilt');
    expect(heads.state.trials.get('t0')).toMatchObject({ finalValidationLoss: 0.75 });
    const full = readJournalSummary(journal);
    expect(full.source).toBe('rebuilt');
    expect(readJournalSummary(journal).source).toBe('index');
  });

  test('trials finished after the index are reduced to heads too, and a head read never rewrites the index', async () => {
    await writeSweep(8);
    const indexBefore = fs.readFileSync(indexFileOf(journal), 'utf8');
    // Append a finish for the waiting trial straight to the journal, as a writer killed before its index rewrite leaves it.
    const record = { ...spec(7), state: 'complete', attempts: 1, epochs: [epochOf(1, 2)], final: epochOf(1, 2) };
    fs.appendFileSync(journal, encodeEvent({ op: 'claim', trialId: 't7', attempt: 1, at: 'x' }) + encodeEvent({ op: 'finish', trialId: 't7', attempt: 1, record: record as never }));
    const heads = readJournalHeads(journal);
    expect(heads.source).toBe('index');
    expect(heads.state.trials.get('t7')).toEqual(headOf(summarize(record as never)));
    expect(heads.state.trials.get('t7')).toMatchObject({ finalValidationLoss: 2.5 });
    expect(fs.readFileSync(indexFileOf(journal), 'utf8')).toBe(indexBefore);
  });
});

describe('a missing, torn or foreign index is rebuilt from the journal', () => {
  test('deleted: rebuilt with identical results, and written again', async () => {
    await writeSweep();
    const expected = summaryRead();
    fs.rmSync(indexFileOf(journal));
    const read = readJournalSummary(journal);
    expect(read.source).toBe('rebuilt');
    expect(read.indexWritten).toBe(true);
    expect(summaryRead()).toEqual(expected);
    expect(readJournalSummary(journal).source).toBe('index');
  });

  test.each([
    ['truncated in the middle (a torn write)', (text: string) => text.slice(0, Math.floor(text.length / 2))],
    ['without its end line', (text: string) => text.split('\n').slice(0, -2).join('\n') + '\n'],
    ['one value changed (checksum)', (text: string) => text.replace('"state":"complete"', '"state":"failed"')],
    ['not JSON', () => 'garbage\n'],
    ['empty', () => ''],
  ])('%s: detected, rebuilt, identical to a full replay', async (_name, damage) => {
    await writeSweep();
    const file = indexFileOf(journal);
    fs.writeFileSync(file, damage(fs.readFileSync(file, 'utf8')));
    const read = readJournalSummary(journal);
    expect(read.source).toBe('rebuilt');
    expect({ trials: [...read.state.trials.values()], skippedLines: read.state.skippedLines, sweepName: read.state.sweep?.name }).toEqual(fullReplaySummaries());
  });

  test('an index of another journal (the folder\'s journal replaced by sweep merge, or copied over) is not used', async () => {
    await writeSweep();
    const foreignIndex = fs.readFileSync(indexFileOf(journal));
    await mergeSweepDirectories({ sources: [directory], target: directory });
    expect(fs.existsSync(indexFileOf(journal))).toBe(false);
    // Even put back by hand, the old index does not match the merged journal's bytes.
    fs.writeFileSync(indexFileOf(journal), foreignIndex);
    const read = readJournalSummary(journal);
    expect(read.source).toBe('rebuilt');
    expect(summaryRead()).toEqual(fullReplaySummaries());
  });

  test('a truncated journal (shorter than the index covers) is replayed in full', async () => {
    await writeSweep();
    const size = fs.statSync(journal).size;
    const text = fs.readFileSync(journal, 'utf8');
    const cut = text.lastIndexOf('\n', size - 2) + 1;
    fs.truncateSync(journal, cut);
    expect(readJournalSummary(journal).source).toBe('rebuilt');
    expect(summaryRead()).toEqual(fullReplaySummaries());
  });
});

describe('crashes: a stale index is caught up, a torn journal tail is handled like the full replay', () => {
  test('journal appended after the index (a writer killed before it rewrote the index): only the new bytes are replayed', async () => {
    await writeSweep();
    const staleIndex = fs.readFileSync(indexFileOf(journal));
    const coveredBytes = fs.statSync(journal).size;
    const store = new JournalStorage({ directory });
    await store.openSweep({ definition, fingerprint });
    await store.claimTrial(definition.name, { trialIds: ['t5'] });
    await store.finishTrial(definition.name, 't5', 1, { state: 'complete', epochs: [epochOf(1, 3)], final: epochOf(1, 3) });
    await store.close();
    // As if the process had been SIGKILLed: the index on disk is the one from before.
    fs.writeFileSync(indexFileOf(journal), staleIndex);
    const read = readJournalSummary(journal, { updateIndex: false });
    expect(read.source).toBe('index');
    expect(read.journalBytesReplayed).toBe(fs.statSync(journal).size - coveredBytes);
    expect(read.state.trials.get('t5')).toMatchObject({ state: 'complete', epochCount: 1 });
    expect(summaryRead()).toEqual(fullReplaySummaries());
  });

  test('a torn last line counts as one skipped line, is not covered by a written index, and the next writer continues cleanly', async () => {
    await writeSweep();
    const torn = encodeEvent({ op: 'finish', trialId: 't5', attempt: 1, record: { ...spec(5), state: 'complete', attempts: 1, epochs: [] } }).slice(0, 30);
    fs.appendFileSync(journal, torn);
    fs.rmSync(indexFileOf(journal));
    const read = readJournalSummary(journal);
    expect(read.tornTail).toBe(true);
    expect(read.indexWritten).toBe(true);
    expect(read.completeBytes).toBe(fs.statSync(journal).size - torn.length);
    expect(summaryRead()).toEqual(fullReplaySummaries());
    expect(summaryRead().skippedLines).toBe(1);
    // The writer ends the torn line and appends after it; index and journal agree again.
    const store = new JournalStorage({ directory });
    await store.openSweep({ definition, fingerprint });
    await store.claimTrial(definition.name, { trialIds: ['t5'] });
    await store.finishTrial(definition.name, 't5', 1, { state: 'complete', epochs: [epochOf(1, 3)], final: epochOf(1, 3) });
    await store.close();
    // The index written by the read above still covers everything before the torn line; the lines after it are replayed.
    expect(readJournalSummary(journal).journalBytesReplayed).toBe(fs.statSync(journal).size - read.completeBytes);
    expect(summaryRead()).toEqual(fullReplaySummaries());
    expect(summaryRead().skippedLines).toBe(1);
  });
});

describe('epochs only for the trials asked for', () => {
  test('readTrialEpochs returns the epochs of the requested trials, equal to the full records, and [] for unknown ids', async () => {
    await writeSweep();
    const full = new Map([...readJournalFile(journal).trials.values()].map((record) => [record.trialId, record.epochs]));
    const epochs = readTrialEpochs(directory, ['t0', 't2', 'nope']);
    expect([...epochs.keys()]).toEqual(['t0', 't2', 'nope']);
    expect(epochs.get('t0')).toEqual(full.get('t0'));
    expect(epochs.get('t2')).toEqual(full.get('t2'));
    expect(epochs.get('t2')).toHaveLength(3);
    expect(epochs.get('nope')).toEqual([]);
  });
});

describe('the storage interface: summaries and chosen epochs from the open store', () => {
  test('JournalStorage.listTrialSummaries equals listTrials without epochs, and readTrialEpochs gives the requested trials\' epochs', async () => {
    await writeSweep();
    const store = new JournalStorage({ directory });
    await store.openSweep({ definition, fingerprint });
    try {
      const full = await store.listTrials(definition.name);
      const summaries = await store.listTrialSummaries(definition.name);
      expect(summaries).toEqual(full.map(summarize));
      expect(summaries.find((trial) => trial.trialId === 't0')).toMatchObject({ epochCount: 3 });
      expect(await store.listTrialSummaries(definition.name, { states: ['diverged'] })).toEqual([expect.objectContaining({ trialId: 't1', state: 'diverged' })]);
      const epochs = await store.readTrialEpochs(definition.name, ['t3', 'missing']);
      expect(epochs.get('t3')).toEqual(full.find((trial) => trial.trialId === 't3')!.epochs);
      expect(epochs.get('missing')).toEqual([]);
    } finally {
      await store.close();
    }
  });
});

describe('resume opens from the index (issue 18, item 4)', () => {
  /**
   * What opening by replaying the whole journal gave: every record, trials left running back to
   * waiting. An unfinished trial holds no epochs (a requeued attempt's epochs are dropped at open:
   * its next attempt starts from none, as it did before).
   */
  function fullReplayAsOpened(): TrialRecord[] {
    return [...readJournalFile(journal).trials.values()].map((record) =>
      record.state === 'running' ? { ...record, state: 'waiting', attempts: record.attempts - 1, epochs: [] } : record.state === 'waiting' ? { ...record, epochs: [] } : record,
    );
  }

  test('an intact index: no line it covers is parsed (a garbled epoch line in the middle goes unseen), the index is not rewritten, and listTrials, summaries and epochs equal a full replay', async () => {
    await writeSweep(12);
    const lines = fs.readFileSync(journal, 'utf8').split('\n');
    const middle = lines.findIndex((line, position) => position > lines.length / 3 && line.includes('"op":"epoch"') && !line.includes('"trialId":"t10"'));
    const garbledTrial = /"trialId":"([^"]+)"/.exec(lines[middle])![1];
    lines[middle] = 'x'.repeat(lines[middle].length);
    fs.writeFileSync(journal, lines.join('\n'));
    const indexBefore = fs.statSync(indexFileOf(journal)).mtimeMs;
    const expected = fullReplayAsOpened();
    const store = new JournalStorage({ directory });
    await store.openSweep({ definition, fingerprint });
    try {
      // The full replay counts the garbled line; the open through the index never read it.
      expect(readJournalFile(journal).skippedLines).toBe(1);
      expect(store.skippedLines).toBe(0);
      expect(fs.statSync(indexFileOf(journal)).mtimeMs).toBe(indexBefore);
      expect(await store.listTrials(definition.name)).toEqual(expected);
      // The finished trial whose epoch line was garbled still has all its epochs: its finish line holds them.
      expect((await store.readTrialEpochs(definition.name, [garbledTrial])).get(garbledTrial)).toHaveLength(3);
      expect(await store.listTrialSummaries(definition.name)).toEqual(expected.map(summarize));
    } finally {
      await store.close();
    }
  });

  test('a resumed store claims, records and finishes as before; the next open (from the index it wrote) sees old and new trials with their epochs', async () => {
    await writeSweep(8);
    const store = new JournalStorage({ directory });
    await store.openSweep({ definition, fingerprint });
    // t6 was left running by the "dead" writer: back to waiting, its attempt not counted.
    const claimed = await store.claimTrial(definition.name, { trialIds: ['t6'] });
    expect(claimed).toMatchObject({ trialId: 't6', state: 'running', attempts: 1, epochs: [] });
    const epochs = [epochOf(1, 3), epochOf(2, 2)];
    for (const epoch of epochs) await store.recordEpoch(definition.name, 't6', 1, epoch);
    await store.finishTrial(definition.name, 't6', 1, { state: 'complete', epochs, final: epochs[1] });
    expect((await store.readTrialEpochs(definition.name, ['t6', 't0'])).get('t6')).toEqual(epochs);
    await store.close();
    const expected = fullReplayAsOpened();
    const reopened = new JournalStorage({ directory });
    await reopened.openSweep({ definition, fingerprint });
    try {
      expect(await reopened.listTrials(definition.name)).toEqual(expected);
      expect((await reopened.listTrials(definition.name, { trialIds: ['t6'] }))[0]).toMatchObject({ state: 'complete', epochs });
    } finally {
      await reopened.close();
    }
  });

  test.each([
    ['missing', (file: string) => fs.rmSync(file)],
    ['torn', (file: string) => fs.truncateSync(file, Math.floor(fs.statSync(file).size / 2))],
    ['stale (journal appended after it)', (_file: string) => fs.appendFileSync(journal, encodeEvent({ op: 'requeue', trialId: 't6', attempt: 1, reason: 'lost', at: 'x' }))],
  ])('an index that is %s: the journal is replayed (all of it, or the lines after a stale index), results equal a full replay; a missing or torn index is written again, a stale one with a short tail kept', async (name, damage) => {
    await writeSweep(8);
    const covered = fs.statSync(journal).size;
    damage(indexFileOf(journal));
    const expected = fullReplayAsOpened();
    const store = new JournalStorage({ directory });
    await store.openSweep({ definition, fingerprint });
    try {
      expect(await store.listTrials(definition.name)).toEqual(expected);
      expect(readJournalSummary(journal).journalBytesReplayed).toBe(name.startsWith('stale') ? fs.statSync(journal).size - covered : 0);
    } finally {
      await store.close();
    }
  });
});

describe('a reader that maps finished trials as the index yields them (the report\'s own summaries)', () => {
  /** A mapping that marks what it saw: a copy with the stored epoch count under another name. */
  const mapped = (summary: ReturnType<typeof summarize>) => ({ trialId: summary.trialId, state: summary.state, mappedEpochs: summary.epochCount }) as unknown as ReturnType<typeof summarize>;

  test('finished trials from the index come back mapped, unfinished ones and those finished after the index as summaries; the stale index is not rewritten from mapped trials', async () => {
    await writeSweep();
    const staleIndex = fs.readFileSync(indexFileOf(journal));
    const store = new JournalStorage({ directory });
    await store.openSweep({ definition, fingerprint });
    await store.claimTrial(definition.name, { trialIds: ['t5'] });
    await store.finishTrial(definition.name, 't5', 1, { state: 'complete', epochs: [epochOf(1, 3)], final: epochOf(1, 3) });
    await store.close();
    fs.writeFileSync(indexFileOf(journal), staleIndex);
    // A catch-up of more than REWRITE_AFTER_BYTES would rewrite the index on an unmapped read: make the tail that large.
    fs.appendFileSync(journal, encodeEvent({ op: 'enqueue', trial: { ...spec(99), params: { note: 'x'.repeat(1100 * 1024) } }, at: '2026-01-01T00:00:00.000Z' }));
    const read = readJournalSummary(journal, { mapFinished: mapped });
    expect(read.source).toBe('index');
    expect(read.indexWritten).toBe(false);
    expect(fs.readFileSync(indexFileOf(journal))).toEqual(staleIndex);
    const full = new Map([...readJournalFile(journal).trials.values()].map((record) => [record.trialId, summarize(record)]));
    for (const [trialId, trial] of read.state.trials) {
      const expected = full.get(trialId)!;
      // t0-t3 were finished when the index was written: mapped. t4 (running), t5 (finished after it) and t99: replayed summaries.
      if (['t0', 't1', 't2', 't3'].includes(trialId)) expect(trial).toEqual({ trialId, state: expected.state, mappedEpochs: expected.epochCount });
      else expect(trial).toEqual(expected);
    }
    expect([...read.state.trials.keys()]).toEqual([...full.keys()]);
    // An unmapped read of the same journal rewrites the index (the tail is large), as before.
    expect(readJournalSummary(journal).indexWritten).toBe(true);
  });

  test('readSweepSummaries maps only in a folder with one journal (two journals merge their copies of a trial by finish time)', async () => {
    await writeSweep();
    expect(readSweepSummaries(directory, { mapFinished: mapped }).trials.filter((trial) => 'mappedEpochs' in trial)).toHaveLength(4);
    fs.copyFileSync(journal, path.join(directory, 'journal.shard-1-of-2.jsonl'));
    const merged = readSweepSummaries(directory, { mapFinished: mapped }).trials;
    expect(merged.filter((trial) => 'mappedEpochs' in trial)).toEqual([]);
    expect(merged).toEqual(readSweepSummaries(directory).trials);
  });
});
