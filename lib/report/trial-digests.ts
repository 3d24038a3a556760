/**
 * Reading a sweep folder for a report without holding every epoch of every trial: the journals
 * are streamed line by line and each finished trial is kept as a digest (its record without the
 * per-epoch list; see lib/report/trial-summary.ts `digestTrial`). A second streaming pass returns
 * the full records of a few configurations only (those whose learning curves a report draws).
 * Read-only and lock-free like `readSweepDirectory`: a journal being written is read up to its
 * last complete line, and unreadable lines are skipped and counted, never fatal.
 */
import * as fs from 'fs';
import { StringDecoder } from 'string_decoder';
import type { TrialRecord } from '../sweep/record';
import { applyEvent, emptyJournalState, isFinished, JournalEvent } from '../sweep/storage/journal-format';
import { listJournals, mergeTrialRecords } from '../sweep/storage/sweep-directory';
import type { SweepInfo } from '../sweep/storage/storage';
import { digestTrial, summarizeTrial, TrialDigest, TrialSummary } from './trial-summary';

// Small enough that each chunk string is a young-generation object: 8 MB chunks land in large-object
// space and pile up as garbage until a full collection (1.1 GB peak RSS at 100,000 trials).
const CHUNK_BYTES = 64 * 1024;

/** Calls `onLine` with every line of `file` (without its newline), reading it in chunks. */
export function forEachJournalLine(file: string, onLine: (line: string) => void): void {
  const descriptor = fs.openSync(file, 'r');
  const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
  const decoder = new StringDecoder('utf8');
  let rest = '';
  try {
    for (;;) {
      const read = fs.readSync(descriptor, buffer, 0, CHUNK_BYTES, null);
      if (read === 0) break;
      const text = rest + decoder.write(buffer.subarray(0, read));
      let start = 0;
      for (let end = text.indexOf('\n'); end >= 0; end = text.indexOf('\n', start)) {
        onLine(text.slice(start, end));
        start = end + 1;
      }
      rest = text.slice(start);
    }
    rest += decoder.end();
    if (rest.length > 0) onLine(rest);
  } finally {
    fs.closeSync(descriptor);
  }
}

/** The checks of journal-format's replay: an object with a known op and the fields that op needs. */
function asEvent(value: unknown): JournalEvent | undefined {
  const event = value as Record<string, unknown> | null;
  if (event === null || typeof event !== 'object' || typeof event.op !== 'string') return undefined;
  switch (event.op) {
    case 'sweep':
      return typeof event.name === 'string' && typeof event.fingerprint === 'string' && typeof event.definition === 'object' ? (event as unknown as JournalEvent) : undefined;
    case 'enqueue':
      return typeof (event.trial as { trialId?: unknown } | undefined)?.trialId === 'string' ? (event as unknown as JournalEvent) : undefined;
    case 'claim':
    case 'epoch':
    case 'requeue':
      return typeof event.trialId === 'string' && typeof event.attempt === 'number' ? (event as unknown as JournalEvent) : undefined;
    case 'finish':
      return typeof event.trialId === 'string' && typeof (event.record as { trialId?: unknown } | undefined)?.trialId === 'string' ? (event as unknown as JournalEvent) : undefined;
    default:
      return undefined;
  }
}

export interface TrialDigests {
  directory: string;
  journals: string[];
  /** The last sweep event over all journals, when any. */
  sweep?: SweepInfo;
  /** One digest per trial (a finished copy wins over an unfinished one), in first-seen order. */
  trials: TrialDigest[];
  /** Unreadable lines skipped over all journals. */
  skippedLines: number;
}

/** Streams every journal of a sweep folder into trial digests. Throws only when the folder holds no journal. */
export function readTrialDigests(directory: string): TrialDigests {
  const journals = listJournals(directory);
  if (journals.length === 0) throw new Error(`${directory}: no sweep journal (journal.jsonl or journal.shard-i-of-n.jsonl) found`);
  let skippedLines = 0;
  let sweep: SweepInfo | undefined;
  const lists: TrialRecord[][] = [];
  for (const file of journals) {
    const state = emptyJournalState();
    forEachJournalLine(file, (line) => {
      if (line.trim() === '') return;
      let event: JournalEvent | undefined;
      try {
        event = asEvent(JSON.parse(line));
      } catch {
        event = undefined;
      }
      if (event === undefined) {
        skippedLines++;
        return;
      }
      // A finished trial's line carries all its epochs: keep only the digest (the state stores the record as given).
      if (event.op === 'finish') event = { ...event, record: digestTrial(event.record) as unknown as TrialRecord };
      applyEvent(state, event);
    });
    if (state.sweep !== undefined) sweep = state.sweep;
    lists.push([...state.trials.values()].map((trial) => (isFinished(trial) ? trial : (digestTrial(trial) as unknown as TrialRecord))));
  }
  const result: TrialDigests = { directory, journals, trials: mergeTrialRecords(lists) as unknown as TrialDigest[], skippedLines };
  if (sweep !== undefined) result.sweep = sweep;
  return result;
}

export interface TrialSummaries extends Omit<TrialDigests, 'trials'> {
  /** One summary per trial, merged like {@link readTrialDigests}. */
  trials: TrialSummary[];
}

/**
 * Streams every journal of a sweep folder into the report's per-trial summaries
 * (`summarizeTrial`), summarizing each finished trial as its line is read: the journal replay
 * keeps only a small stub per trial, so a sweep of 100,000 trials is never held as records.
 */
export function readTrialSummaries(directory: string): TrialSummaries {
  const journals = listJournals(directory);
  if (journals.length === 0) throw new Error(`${directory}: no sweep journal (journal.jsonl or journal.shard-i-of-n.jsonl) found`);
  let skippedLines = 0;
  let sweep: SweepInfo | undefined;
  const summaryOf = new Map<TrialRecord, TrialSummary>();
  const lists: TrialRecord[][] = [];
  for (const file of journals) {
    const state = emptyJournalState();
    forEachJournalLine(file, (line) => {
      if (line.trim() === '') return;
      let event: JournalEvent | undefined;
      try {
        event = asEvent(JSON.parse(line));
      } catch {
        event = undefined;
      }
      if (event === undefined) {
        skippedLines++;
        return;
      }
      if (event.op === 'finish') {
        const known = state.trials.get(event.trialId);
        if (known !== undefined && isFinished(known)) return; // the first finish wins, as in the replay
        const record = event.record;
        // The stub carries what the replay and the merge read (state, attempts, finishedAt); the summary carries the rest.
        const stub: TrialRecord = { trialId: record.trialId, configId: record.configId, sweepName: record.sweepName, arm: record.arm, index: record.index, params: record.params, seed: record.seed, state: record.state, attempts: record.attempts, epochs: [] };
        if (record.finishedAt !== undefined) stub.finishedAt = record.finishedAt;
        summaryOf.set(stub, summarizeTrial(digestTrial(record)));
        event = { ...event, record: stub };
      }
      applyEvent(state, event);
    });
    if (state.sweep !== undefined) sweep = state.sweep;
    lists.push([...state.trials.values()]);
  }
  const trials = mergeTrialRecords(lists).map((record) => summaryOf.get(record) ?? summarizeTrial(record));
  const result: TrialSummaries = { directory, journals, trials, skippedLines };
  if (sweep !== undefined) result.sweep = sweep;
  return result;
}

/**
 * Full finished records (per-epoch lists included) of the trials of `configIds`, by a second
 * streaming pass that parses only the `finish` lines naming one of them. Of two finishes of one
 * trial the earlier-finished is kept, as when reading the folder.
 */
export function readFinishedRecords(directory: string, configIds: readonly string[]): TrialRecord[] {
  if (configIds.length === 0) return [];
  const markers = configIds.map((configId) => `"configId":${JSON.stringify(configId)}`);
  const wanted = new Set(configIds);
  const lists: TrialRecord[][] = [];
  for (const file of listJournals(directory)) {
    const byTrial = new Map<string, TrialRecord>();
    forEachJournalLine(file, (line) => {
      // Cheap test first: only finish lines of the wanted configurations are parsed.
      if (!line.startsWith('{"op":"finish"') || !markers.some((marker) => line.includes(marker))) return;
      let event: JournalEvent | undefined;
      try {
        event = asEvent(JSON.parse(line));
      } catch {
        return;
      }
      if (event?.op !== 'finish' || !wanted.has(event.record.configId) || byTrial.has(event.trialId)) return;
      byTrial.set(event.trialId, event.record);
    });
    lists.push([...byTrial.values()]);
  }
  return mergeTrialRecords(lists);
}
