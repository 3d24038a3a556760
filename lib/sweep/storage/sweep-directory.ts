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

function rank(record: TrialRecord): number {
  return isFinished(record) ? 2 : record.state === 'running' ? 1 : 0;
}

/** Merges trial lists by trialId: finished beats unfinished; of two finished copies the earlier finish is kept. Order: first appearance. */
export function mergeTrialRecords(lists: readonly (readonly TrialRecord[])[]): TrialRecord[] {
  const merged = new Map<string, TrialRecord>();
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
  return { journal, trials: trials.length, finished: trials.filter(isFinished).length };
}
