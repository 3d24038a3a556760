/**
 * Reading a sweep's output folder as a whole: every journal in it (one per shard, or one), merged
 * into one list of trials. Also `mergeSweepDirectories`, which writes the merged journal so a
 * sharded sweep becomes one ordinary sweep folder. Readers take no lock: a journal being written
 * is read up to its last complete line.
 */
import type { BackendChoice } from '../../backend/measure';
import * as fs from 'fs';
import * as path from 'path';
import type { TrialRecord } from '../record';
import { encodeEvent, isFinished, JOURNAL_VERSION, JournalEvent } from './journal-format';
import { JournalLock } from './journal-lock';
import { readJournalFile } from './journal-reader';
import { indexFileOf, readJournalHeads, readJournalSummary, ReadJournalSummaryOptions, TrialHead } from './journal-index';
import type { TrialSummary } from './trial-summary';
import type { EpochRecord } from '../../train/record';
import { SweepDefinitionChangedError, SweepInfo, TrialSpec } from './storage';
import { changedFields } from '../definition-config';

const JOURNAL_PATTERN = /^journal(\.shard-\d+-of-\d+)?\.jsonl$/;

export interface SweepDirectory {
  directory: string;
  /** Journal files read, sorted. */
  journals: string[];
  /** The sweep event of each journal (same order as `journals`, undefined for an empty journal). */
  sweeps: Array<SweepInfo | undefined>;
  /** Trials of all journals, one per trialId (a finished copy wins over an unfinished one). */
  trials: TrialRecord[];
  /** Unreadable lines skipped over all journals (torn last lines included). */
  skippedLines: number;
  /** Backend choices recorded by the runs, all journals, in time order. Absent: none read. */
  backendChoices?: BackendChoice[];
}

/** Journal files of a folder (`journal.jsonl`, `journal.shard-i-of-n.jsonl`). */
export function listJournals(directory: string): string[] {
  if (!fs.existsSync(directory) || !fs.statSync(directory).isDirectory()) return [];
  return fs
    .readdirSync(directory)
    .filter((name) => JOURNAL_PATTERN.test(name))
    .sort()
    .map((name) => path.join(directory, name));
}

type Mergeable = Pick<TrialRecord, 'trialId' | 'state' | 'finishedAt'>;

function rank(record: Mergeable): number {
  return isFinished(record) ? 2 : record.state === 'running' ? 1 : 0;
}

/** Merges trial lists (records or summaries) by trialId: finished beats unfinished; of two finished copies the earlier finish is kept. Order: first appearance. */
export function mergeTrialRecords<T extends Mergeable>(lists: readonly (readonly T[])[]): T[] {
  // One journal's trials are already one per trialId.
  if (lists.length === 1) return [...lists[0]];
  const merged = new Map<string, T>();
  for (const list of lists) {
    for (const record of list) {
      const known = merged.get(record.trialId);
      if (known === undefined) merged.set(record.trialId, record);
      else if (rank(record) > rank(known)) merged.set(record.trialId, record);
      else if (rank(record) === 2 && rank(known) === 2 && (record.finishedAt ?? '') < (known.finishedAt ?? '')) merged.set(record.trialId, record);
    }
  }
  return [...merged.values()];
}

/** Reads every journal of a sweep folder. Throws only when the folder holds no journal. */
export function readSweepDirectory(directory: string): SweepDirectory {
  const journals = listJournals(directory);
  if (journals.length === 0) throw new Error(`${directory}: no sweep journal (journal.jsonl or journal.shard-i-of-n.jsonl) found`);
  // Streamed line by line: journals past V8's string limit (about 512 MiB) read like small ones.
  const states = journals.map((file) => readJournalFile(file));
  return {
    directory,
    journals,
    sweeps: states.map((state) => state.sweep),
    trials: mergeTrialRecords(states.map((state) => [...state.trials.values()])),
    skippedLines: states.reduce((sum, state) => sum + state.skippedLines, 0),
    backendChoices: states.flatMap((state) => state.backendChoices).sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0)),
  };
}

/** A sweep folder read through its journals' indexes: every trial without its epochs. */
export interface SweepSummaryDirectory extends Omit<SweepDirectory, 'trials'> {
  /** Trials of all journals, one per trialId (a finished copy wins over an unfinished one), without epochs. */
  trials: TrialSummary[];
  /** Journal bytes replayed beyond the indexes (0 when every index was current). */
  journalBytesReplayed: number;
}

/**
 * Reads every journal of a sweep folder through its index (journal-index.ts): the same trials,
 * states and final metrics as `readSweepDirectory`, without per-epoch records, at the cost of the
 * index plus the journal lines written after it. What `status`, the samplers and the report's
 * tables need. Throws only when the folder holds no journal. `options.mapFinished` (see
 * `ReadJournalSummaryOptions`) is applied only to a folder with one journal.
 */
export function readSweepSummaries(directory: string, options: ReadJournalSummaryOptions = {}): SweepSummaryDirectory {
  // Two journals may hold the same trial; their copies are merged by finish time, which a mapped trial may not keep.
  const single = listJournals(directory).length === 1;
  return readThroughIndexes(directory, (file) => readJournalSummary(file, single ? options : { ...options, mapFinished: undefined }));
}

/** A sweep folder read as trial heads (`readJournalHeads`): what `status` needs. */
export interface SweepHeadDirectory extends Omit<SweepDirectory, 'trials'> {
  /** Trials of all journals, one per trialId (a finished copy wins over an unfinished one), as heads. */
  trials: TrialHead[];
  /** Journal bytes replayed beyond the indexes (0 when every index was current). */
  journalBytesReplayed: number;
}

/**
 * `readSweepSummaries` as heads: states, identities, parameters, final validation losses and
 * clip-ceiling flags, without parsing the metric snapshots the index holds. What `status` reads.
 */
export function readSweepHeads(directory: string): SweepHeadDirectory {
  return readThroughIndexes(directory, readJournalHeads);
}

/** What reading one journal through its index gives (`readJournalSummary`, `readJournalHeads`). */
interface IndexedJournalRead<Trial> {
  state: { sweep?: SweepInfo; trials: Map<string, Trial>; skippedLines: number; backendChoices: BackendChoice[] };
  journalBytesReplayed: number;
}

/** Every journal of a folder read by `read` (through its index), merged: one trial per trialId, backend choices in time order. */
function readThroughIndexes<Trial extends Mergeable>(
  directory: string,
  read: (file: string) => IndexedJournalRead<Trial>,
): Omit<SweepDirectory, 'trials'> & { trials: Trial[]; journalBytesReplayed: number } {
  const journals = listJournals(directory);
  if (journals.length === 0) throw new Error(`${directory}: no sweep journal (journal.jsonl or journal.shard-i-of-n.jsonl) found`);
  const reads = journals.map((file) => read(file));
  return {
    directory,
    journals,
    sweeps: reads.map((one) => one.state.sweep),
    trials: mergeTrialRecords(reads.map((one) => [...one.state.trials.values()])),
    skippedLines: reads.reduce((sum, one) => sum + one.state.skippedLines, 0),
    backendChoices: reads.flatMap((one) => one.state.backendChoices).sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0)),
    journalBytesReplayed: reads.reduce((sum, one) => sum + one.journalBytesReplayed, 0),
  };
}

/** The first `"trialId":"..."` of a journal line (every event that concerns a trial names it first as `trialId`). */
const TRIAL_ID_PATTERN = /"trialId":"([^"\\]*)"/;

/**
 * Per-epoch records of the given trials only (all shards merged), for the curves a report draws:
 * the journals are streamed and only lines naming one of `trialIds` are parsed. A trial without
 * epochs (or unknown) maps to []. Cost: one pass over the journals' bytes, parsing a few lines.
 */
export function readTrialEpochs(directory: string, trialIds: readonly string[]): Map<string, EpochRecord[]> {
  const wanted = new Set(trialIds);
  const accept = (line: string): boolean => {
    const match = TRIAL_ID_PATTERN.exec(line);
    return match !== null && wanted.has(match[1]);
  };
  const states = listJournals(directory).map((file) => readJournalFile(file, undefined, accept));
  const merged = mergeTrialRecords(states.map((state) => [...state.trials.values()]));
  const result = new Map<string, EpochRecord[]>(trialIds.map((id) => [id, []]));
  for (const record of merged) if (wanted.has(record.trialId)) result.set(record.trialId, record.epochs);
  return result;
}

/**
 * Full records (per-epoch lists included) of the given trials only, all shards merged, in journal
 * order; unknown ids are left out. One streamed pass over the journals, parsing only the lines
 * that name one of `trialIds`.
 */
export function readTrialRecords(directory: string, trialIds: readonly string[]): TrialRecord[] {
  const wanted = new Set(trialIds);
  const accept = (line: string): boolean => {
    const match = TRIAL_ID_PATTERN.exec(line);
    return match !== null && wanted.has(match[1]);
  };
  const states = listJournals(directory).map((file) => readJournalFile(file, undefined, accept));
  return mergeTrialRecords(states.map((state) => [...state.trials.values()])).filter((record) => wanted.has(record.trialId));
}

/** Trial records of a sweep folder (all shards merged): what `report`, `check` and `status` read. */
export async function loadTrials(directory: string): Promise<TrialRecord[]> {
  return readSweepDirectory(directory).trials;
}

export interface MergeArgs {
  /** Sweep folders (or shard folders) to merge. */
  sources: string[];
  /** Folder receiving the merged `journal.jsonl` (may be one of the sources). */
  target: string;
  /** Accept sources whose definitions differ (the last one's definition is kept). Default false. */
  extend?: boolean;
}

/**
 * Writes one `journal.jsonl` in `target` holding every trial of the sources (finished trials with
 * their records, unfinished ones as waiting). Written to a temporary file, fsynced and renamed, so
 * a crash leaves either the old or the new journal. It holds the target journal's lock (the one a
 * running sweep holds) from before reading until the rename, so it never replaces a journal that
 * a sweep is appending to: it fails with JournalLockedError naming the holder instead. Shard journals are left in place; readers
 * merge them with the new journal without duplicates.
 */
export async function mergeSweepDirectories(args: MergeArgs): Promise<{ journal: string; trials: number; finished: number }> {
  fs.mkdirSync(args.target, { recursive: true });
  const journal = path.join(args.target, 'journal.jsonl');
  const lock = new JournalLock(journal);
  lock.acquire();
  try {
    return writeMergedJournal(args, journal);
  } finally {
    lock.release();
  }
}

function writeMergedJournal(args: MergeArgs, journal: string): { journal: string; trials: number; finished: number } {
  const directories = args.sources.map((source) => readSweepDirectory(source));
  const sweeps = directories.flatMap((directory) => directory.sweeps.map((sweep, position) => ({ sweep, file: directory.journals[position] })));
  const defined = sweeps.filter((entry): entry is { sweep: SweepInfo; file: string } => entry.sweep !== undefined);
  if (defined.length === 0) throw new Error(`merge: no sweep definition in ${args.sources.join(', ')}`);
  const first = defined[0];
  for (const entry of defined) {
    if (entry.sweep.name !== first.sweep.name) throw new Error(`merge: ${entry.file} holds sweep "${entry.sweep.name}", ${first.file} holds "${first.sweep.name}"`);
    if (entry.sweep.fingerprint !== first.sweep.fingerprint && !args.extend) {
      throw new SweepDefinitionChangedError(first.sweep.name, entry.file, changedFields(first.sweep.definition, entry.sweep.definition), 'use `sweep merge --extend` to merge them anyway (the last definition is kept)');
    }
  }
  const kept = defined[defined.length - 1].sweep;
  const trials = mergeTrialRecords(directories.map((directory) => directory.trials));
  const now = new Date().toISOString();
  const temporary = `${journal}.merge-${process.pid}.tmp`;
  const descriptor = fs.openSync(temporary, 'w');
  try {
    // Line by line, never one string: the merged journal may be larger than V8's string limit.
    fs.writeSync(descriptor, encodeEvent({ op: 'sweep', v: JOURNAL_VERSION, name: kept.name, definition: kept.definition, fingerprint: kept.fingerprint, at: kept.createdAt }));
    for (const trial of trials) {
      const spec: TrialSpec = { trialId: trial.trialId, configId: trial.configId, sweepName: trial.sweepName, arm: trial.arm, index: trial.index, params: trial.params, seed: trial.seed };
      const events: JournalEvent[] = [{ op: 'enqueue', trial: spec, at: now }];
      if (isFinished(trial)) events.push({ op: 'finish', trialId: trial.trialId, attempt: trial.attempts, record: trial });
      for (const event of events) fs.writeSync(descriptor, encodeEvent(event));
    }
    fs.fsyncSync(descriptor);
  } catch (error) {
    fs.closeSync(descriptor);
    fs.rmSync(temporary, { force: true });
    throw error;
  }
  fs.closeSync(descriptor);
  fs.renameSync(temporary, journal);
  // The old index describes the replaced journal (its fingerprint would fail too): remove it.
  fs.rmSync(indexFileOf(journal), { force: true });
  return { journal, trials: trials.length, finished: trials.filter(isFinished).length };
}
