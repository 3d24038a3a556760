/**
 * The compact index beside a journal: `<journal>.index`, a snapshot of every trial's summary (no
 * per-epoch data) for the first `journalBytes` bytes of the journal. Reading a sweep's trials then
 * costs the index (a few hundred bytes a trial) plus the journal lines written since the snapshot,
 * instead of the whole journal with every epoch of every trial.
 *
 * The journal stays the only source of truth. The index is a cache that is trusted only when:
 *  - it is complete: its last line carries the SHA-256 of every line before it (a torn or
 *    half-written index fails this);
 *  - it belongs to this journal: the journal is at least `journalBytes` long and its first and
 *    last 4 KiB before `journalBytes` hash to the values recorded (a journal replaced by
 *    `sweep merge`, truncated, or edited at either end fails this).
 * Otherwise it is rebuilt from the whole journal. Lines after `journalBytes` are replayed (caught
 * up) on every read; readers and the writer rewrite the index when that tail grows large.
 *
 * Format (JSON Lines, one write to a temporary file, fsync, rename: a reader sees the old or the new):
 *   {"format":"layerwise-journal-index","v":3,"journalBytes":N,"head":"<sha256>","tail":"<sha256>","skippedLines":s,"trials":K,"sweep":{...}|null,"backendChoices":[...]}
 *   one trial per line, K lines, in first-seen order: <head JSON> TAB <detail JSON>
 *   {"end":true,"sha256":"<hash of the lines above, newlines included>"}
 * A trial's line is split in two so that a reader that needs only states and final validation
 * losses (`status`: `readJournalHeads`) parses the head and skips the metric snapshots:
 *  - head: the summary without `final`, `bestEpoch`, `lastEpoch`, plus under "@head" the final
 *    validation loss and the clip-ceiling flag (all `status` reads of those snapshots);
 *  - detail: `{"final":...,"bestEpoch":...,"lastEpoch":...}` (absent ones left out).
 * JSON never writes a raw tab, so the first tab of a line is the split.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import { isFinished, replayJournalLine } from './journal-format';
import { trialAtClipCeiling } from '../../train/divergence';
import { forEachJournalLine } from './journal-reader';
import { emptySummaryState, replaySummaryEvent, SummaryState, TrialSummary } from './trial-summary';

export const INDEX_FORMAT = 'layerwise-journal-index';
// 2: finished summaries carry `bestEpoch` and `lastEpoch`; an index of version 1 lacks them and is rebuilt.
// 3: each trial's line is `<head>\t<detail>` (see above); older indexes are rebuilt.
export const INDEX_VERSION = 3;
/** Bytes hashed at each end of the covered journal prefix. */
const WINDOW_BYTES = 4096;
/** A read that had to replay more journal than this (rebuild or catch-up) rewrites the index. */
export const REWRITE_AFTER_BYTES = 1024 * 1024;

/**
 * Whether an index covering the first `coveredBytes` of a journal should be rewritten now that
 * `uncoveredBytes` more follow it: always when there is none yet; else once the lines after it
 * exceed both REWRITE_AFTER_BYTES and an eighth of what it covers. A reader then replays at most
 * about a ninth of the journal besides the index, and writing the index costs time proportional to
 * the journal at most every time it grew by an eighth (amortized linear). Rewriting at every close
 * was not: extending a 100,000-trial sweep by 10 trials rewrote its 148 MB index (1.9 s) for 50 KB
 * of new journal.
 */
export function indexWorthRewriting(coveredBytes: number, uncoveredBytes: number): boolean {
  if (uncoveredBytes <= 0) return false;
  if (coveredBytes === 0) return true;
  return uncoveredBytes > Math.max(REWRITE_AFTER_BYTES, coveredBytes / 8);
}

/** The index file of a journal. */
export function indexFileOf(journal: string): string {
  return `${journal}.index`;
}

const NEWLINE = Buffer.from('\n');

/** Key of a head's extra fields in an index line. */
const HEAD_KEY = '@head';

/** What a head line carries in place of the metric snapshots. */
interface HeadExtras {
  /** `final.validation.loss`, when the trial has one. */
  finalValidationLoss?: number;
  /** Finished trials: final loss at the cross-entropy clip ceiling (`lossAtClipCeiling`, else computed from `final`). */
  atClipCeiling?: boolean;
}

/**
 * A trial as `status` reads it: its summary without the metric snapshots (`final`, `bestEpoch`,
 * `lastEpoch`), with the two things status takes from them.
 */
export type TrialHead = Omit<TrialSummary, 'final' | 'bestEpoch' | 'lastEpoch'> & HeadExtras;

/** The head of a summary (a head is returned as it is). */
export function headOf(trial: TrialSummary | TrialHead): TrialHead {
  if (!('final' in trial) && !('bestEpoch' in trial) && !('lastEpoch' in trial)) return trial as TrialHead;
  const { final, bestEpoch: _best, lastEpoch: _last, ...head } = trial as TrialSummary;
  const result: TrialHead = head;
  const loss = final?.validation?.loss;
  if (loss !== undefined) result.finalValidationLoss = loss;
  if (isFinished(trial)) result.atClipCeiling = trial.lossAtClipCeiling ?? trialAtClipCeiling({ state: trial.state, final });
  return result;
}

/** One trial's index line (with its newline). */
function indexLine(summary: TrialSummary): string {
  const { final, bestEpoch, lastEpoch, ...rest } = summary;
  const extras = headOf(summary);
  const head: HeadExtras = {};
  if (extras.finalValidationLoss !== undefined) head.finalValidationLoss = extras.finalValidationLoss;
  if (extras.atClipCeiling !== undefined) head.atClipCeiling = extras.atClipCeiling;
  return `${JSON.stringify({ ...rest, [HEAD_KEY]: head })}\t${JSON.stringify({ final, bestEpoch, lastEpoch })}\n`;
}

/** The summary of an index line (both halves). */
function summaryOfLine(line: string): TrialSummary {
  const tab = line.indexOf('\t');
  if (tab < 0) throw new SyntaxError('index line without its tab');
  const summary = JSON.parse(line.slice(0, tab)) as TrialSummary & { [HEAD_KEY]?: HeadExtras };
  delete summary[HEAD_KEY];
  return Object.assign(summary, JSON.parse(line.slice(tab + 1)) as Pick<TrialSummary, 'final' | 'bestEpoch' | 'lastEpoch'>);
}

/** The head of an index line (the part before its tab only is parsed). */
function headOfLine(line: string): TrialHead {
  const tab = line.indexOf('\t');
  if (tab < 0) throw new SyntaxError('index line without its tab');
  const parsed = JSON.parse(line.slice(0, tab)) as TrialHead & { [HEAD_KEY]?: HeadExtras };
  const extras = parsed[HEAD_KEY] ?? {};
  delete parsed[HEAD_KEY];
  return Object.assign(parsed, extras);
}

interface IndexHeader {
  format: string;
  v: number;
  journalBytes: number;
  head: string;
  tail: string;
  skippedLines: number;
  trials: number;
  sweep: SummaryState['sweep'] | null;
  backendChoices: SummaryState['backendChoices'];
}

/** SHA-256 of bytes [start, end) of an open file. */
function hashRange(descriptor: number, start: number, end: number): string {
  const buffer = Buffer.alloc(Math.max(0, end - start));
  let done = 0;
  while (done < buffer.length) {
    const read = fs.readSync(descriptor, buffer, done, buffer.length - done, start + done);
    if (read === 0) break;
    done += read;
  }
  return createHash('sha256').update(buffer.subarray(0, done)).digest('hex');
}

/** The hashes that tie an index to the first `journalBytes` bytes of a journal. */
function journalFingerprint(journal: string, journalBytes: number): { head: string; tail: string } {
  const descriptor = fs.openSync(journal, 'r');
  try {
    return {
      head: hashRange(descriptor, 0, Math.min(journalBytes, WINDOW_BYTES)),
      tail: hashRange(descriptor, Math.max(0, journalBytes - WINDOW_BYTES), journalBytes),
    };
  } finally {
    fs.closeSync(descriptor);
  }
}

/**
 * Writes the index of `journal` for its first `journalBytes` bytes, whose replay is `state`.
 * Atomic (temporary file + rename). Returns false, writing nothing, when the folder is not
 * writable: an index is a cache, never worth failing a read for.
 */
export function writeJournalIndex(journal: string, state: SummaryState, journalBytes: number): boolean {
  const file = indexFileOf(journal);
  const temporary = `${file}.${process.pid}.${Date.now()}.tmp`;
  let descriptor: number | undefined;
  try {
    const header: IndexHeader = {
      format: INDEX_FORMAT,
      v: INDEX_VERSION,
      journalBytes,
      ...journalFingerprint(journal, journalBytes),
      skippedLines: state.skippedLines,
      trials: state.trials.size,
      sweep: state.sweep ?? null,
      backendChoices: state.backendChoices,
    };
    descriptor = fs.openSync(temporary, 'w');
    const hash = createHash('sha256');
    let batch: string[] = [];
    const flush = (): void => {
      const text = batch.join('');
      hash.update(text);
      fs.writeSync(descriptor!, text);
      batch = [];
    };
    batch.push(`${JSON.stringify(header)}\n`);
    for (const summary of state.trials.values()) {
      batch.push(indexLine(summary));
      if (batch.length >= 1000) flush();
    }
    flush();
    fs.writeSync(descriptor, `${JSON.stringify({ end: true, sha256: hash.digest('hex') })}\n`);
    fs.fsyncSync(descriptor);
    fs.closeSync(descriptor);
    descriptor = undefined;
    fs.renameSync(temporary, file);
    return true;
  } catch {
    if (descriptor !== undefined) fs.closeSync(descriptor);
    fs.rmSync(temporary, { force: true });
    return false;
  }
}

/**
 * Reads an index file; undefined when it is missing, torn, of another version, or fails its
 * checksum. `detail: 'head'` parses only each trial's head (the map then holds `TrialHead`s).
 */
export function readIndexFile(file: string, detail: 'full' | 'head' = 'full', mapFinished?: (summary: TrialSummary) => TrialSummary): { header: IndexHeader; state: SummaryState } | undefined {
  const parseLine = detail === 'full' ? summaryOfLine : (headOfLine as unknown as (line: string) => TrialSummary);
  const parseTrial =
    mapFinished === undefined
      ? parseLine
      : (line: string): TrialSummary => {
          const summary = parseLine(line);
          return isFinished(summary) ? mapFinished(summary) : summary;
        };
  if (!fs.existsSync(file)) return undefined;
  const hash = createHash('sha256');
  let header: IndexHeader | undefined;
  let expected: string | undefined;
  let broken = false;
  const state = emptySummaryState();
  try {
    forEachJournalLine(
      file,
      (line, bytes) => {
        if (broken || expected !== undefined) {
          broken = true; // Anything after the end line is damage.
          return;
        }
        if (header === undefined) {
          header = JSON.parse(line) as IndexHeader;
          if (header.format !== INDEX_FORMAT || header.v !== INDEX_VERSION) broken = true;
        } else if (line.startsWith('{"end":')) {
          expected = String((JSON.parse(line) as { sha256?: unknown }).sha256);
          return;
        } else {
          // Each line parsed once, and only the half the caller needs.
          const summary = parseTrial(line);
          state.trials.set(summary.trialId, summary);
        }
        // The bytes as read (no re-encoding of the string), then the newline.
        hash.update(bytes);
        hash.update(NEWLINE);
      },
      { onUnterminated: () => (broken = true) },
    );
  } catch {
    return undefined;
  }
  if (broken || header === undefined || expected === undefined || expected !== hash.digest('hex') || state.trials.size !== header.trials) return undefined;
  if (header.sweep) state.sweep = header.sweep;
  state.backendChoices = Array.isArray(header.backendChoices) ? header.backendChoices : [];
  state.skippedLines = header.skippedLines;
  return { header, state };
}

/** How a journal was read through its index. */
export interface JournalSummaryRead {
  state: SummaryState;
  /** True when the journal did not end with a newline. */
  tornTail: boolean;
  /** 'index': the index was valid (only the lines after it were replayed); 'rebuilt': the whole journal was replayed. */
  source: 'index' | 'rebuilt' | 'empty';
  /** Journal bytes replayed (0 when the index covered everything). */
  journalBytesReplayed: number;
  /** Offset just past the journal's last complete line. */
  completeBytes: number;
  /** True when this read wrote a fresh index. */
  indexWritten: boolean;
  /** The journal prefix a valid index file covers after this read (0 when there is none). */
  indexCoversBytes: number;
}

export interface ReadJournalSummaryOptions {
  /** Rewrite the index when the read replayed more than `indexWorthRewriting` allows. Default true. */
  updateIndex?: boolean;
  /**
   * Applied to each finished trial as the index yields it, so that a reader that wants its own view
   * of the trials (the report's) never holds every stored summary at once: a finished trial never
   * changes again, so the replay of the journal lines after the index leaves the mapped object as
   * it is (it must keep `trialId` and `state`). Trials replayed from the journal, unfinished ones
   * and every trial of a rebuilt index come back unmapped. With a mapping the read never rewrites
   * the index from the mapped trials (only a full rebuild writes it).
   */
  mapFinished?: (summary: TrialSummary) => TrialSummary;
}

/** Parses one journal line into the summary state (bad lines counted, as the full replay counts them). */
function replayLine(state: SummaryState, line: string): void {
  replayJournalLine(line, state, (event) => replaySummaryEvent(state, event));
}

/**
 * Every trial summary of a journal: the index when it is valid, plus the journal lines after it;
 * else the whole journal (streamed). Same trials, states, metrics and skipped-line count as
 * `readJournalFile` minus the epochs. A missing journal is empty.
 */
export function readJournalSummary(journal: string, options: ReadJournalSummaryOptions = {}): JournalSummaryRead {
  return readThroughIndex(journal, options, 'full');
}

/** A journal read through its index as heads (`TrialHead`): what `status` needs, at the cost of the index's head halves. */
export interface JournalHeadRead extends Omit<JournalSummaryRead, 'state'> {
  state: Omit<SummaryState, 'trials'> & { trials: Map<string, TrialHead> };
}

/**
 * Every trial of a journal as a head: `readJournalSummary` without the metric snapshots, which
 * are not parsed from the index. The index is rewritten only after a full replay (a read of
 * heads cannot write the snapshots it skipped).
 */
export function readJournalHeads(journal: string, options: ReadJournalSummaryOptions = {}): JournalHeadRead {
  const read = readThroughIndex(journal, options, 'head');
  // Trials replayed from the journal after the index are full summaries here: reduced like the rest.
  for (const [trialId, trial] of read.state.trials) if ('final' in trial || 'bestEpoch' in trial || 'lastEpoch' in trial) read.state.trials.set(trialId, headOf(trial) as TrialSummary);
  return read as unknown as JournalHeadRead;
}

function readThroughIndex(journal: string, options: ReadJournalSummaryOptions, detail: 'full' | 'head'): JournalSummaryRead {
  if (!fs.existsSync(journal)) return { state: emptySummaryState(), tornTail: false, source: 'empty', journalBytesReplayed: 0, completeBytes: 0, indexWritten: false, indexCoversBytes: 0 };
  const size = fs.statSync(journal).size;
  let state = emptySummaryState();
  let start = 0;
  let source: JournalSummaryRead['source'] = 'rebuilt';
  const index = readIndexFile(indexFileOf(journal), detail, options.mapFinished);
  if (index !== undefined && index.header.journalBytes <= size) {
    const fingerprint = journalFingerprint(journal, index.header.journalBytes);
    if (fingerprint.head === index.header.head && fingerprint.tail === index.header.tail) {
      state = index.state;
      start = index.header.journalBytes;
      source = 'index';
    }
  }
  let unterminated: string | undefined;
  const pass = forEachJournalLine(journal, (line) => replayLine(state, line), { start, onUnterminated: (line) => (unterminated = line) });
  const replayed = pass.completeBytes - start;
  state.skippedLines += pass.oversizedLines;
  let indexWritten = false;
  // The index covers complete lines only: written before the unterminated line is looked at.
  // Heads read from the index lack the snapshots an index holds: only a full replay may rewrite it then.
  // Mapped trials are not summaries: an index is then written only from a full replay.
  const complete = (detail === 'full' && options.mapFinished === undefined) || source === 'rebuilt';
  if ((options.updateIndex ?? true) && complete && indexWorthRewriting(start, replayed)) {
    indexWritten = writeJournalIndex(journal, state, pass.completeBytes);
  }
  if (unterminated !== undefined) replayLine(state, unterminated);
  const indexCoversBytes = indexWritten ? pass.completeBytes : start;
  return { state, tornTail: pass.tornTail, source, journalBytesReplayed: pass.bytesRead, completeBytes: pass.completeBytes, indexWritten, indexCoversBytes };
}
