/**
 * Reading a journal file as a stream of lines: fixed-size chunks, never the whole file as one
 * string, so a journal of any size opens (V8 caps a string at about 512 MiB, which a long sweep's
 * journal passes). Memory is bounded by the chunk, the longest line and the replayed state.
 *
 * A line longer than {@link MAX_JOURNAL_LINE_BYTES} cannot be an event this library wrote (a
 * finished trial is a few KiB): it is skipped and counted like any damaged line, without ever
 * being held in memory. A missing final newline (a torn last line) is reported in `tornTail`.
 */
import * as fs from 'fs';
import { applyEvent, emptyJournalState, JournalState, replayJournalLine } from './journal-format';

/** Bytes read per chunk. */
const CHUNK_BYTES = 4 * 1024 * 1024;
/** Lines longer than this are damage (skipped, counted), never parsed. */
export const MAX_JOURNAL_LINE_BYTES = 64 * 1024 * 1024;

/** Where to start and what to do with an unterminated last line. */
export interface JournalLineOptions {
  /** Byte offset to start at (the start of a line). Default 0. */
  start?: number;
  /**
   * Receives the unterminated last line instead of `onLine` (an index covers complete lines only,
   * so the caller handles a torn or still-being-written line apart). Default: passed to `onLine`.
   */
  onUnterminated?: (line: string) => void;
}

/** What a pass over the lines saw. */
export interface JournalLineResult {
  /** True when the file ended without a newline (its last line was torn or unterminated). */
  tornTail: boolean;
  /** Over-long lines dropped (never parsed). */
  oversizedLines: number;
  /** Byte offset just past the last newline: where the complete lines end. */
  completeBytes: number;
  /** Bytes read from the file in this pass (from `start` on). */
  bytesRead: number;
}

/**
 * Calls `onLine` with each line of the file (without its newline), from `options.start` on, and
 * the line's bytes (valid only during the call: a checksum can hash them without re-encoding).
 */
export function forEachJournalLine(file: string, onLine: (line: string, bytes: Buffer) => void, options: JournalLineOptions = {}): JournalLineResult {
  const descriptor = fs.openSync(file, 'r');
  const chunk = Buffer.allocUnsafe(CHUNK_BYTES);
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let oversized = false;
  let oversizedLines = 0;
  let lastByte = -1;
  const first = options.start ?? 0;
  let position = first;
  let completeBytes = first;
  try {
    for (;;) {
      const read = fs.readSync(descriptor, chunk, 0, CHUNK_BYTES, position);
      if (read === 0) break;
      const chunkStart = position;
      position += read;
      lastByte = chunk[read - 1];
      let start = 0;
      for (;;) {
        const newline = chunk.indexOf(10, start);
        if (newline === -1 || newline >= read) break;
        if (oversized) {
          oversizedLines++;
        } else {
          const piece = chunk.subarray(start, newline);
          const bytes = pending.length === 0 ? piece : Buffer.concat([...pending, piece]);
          onLine(bytes.toString('utf8'), bytes);
        }
        pending = [];
        pendingBytes = 0;
        oversized = false;
        start = newline + 1;
        completeBytes = chunkStart + start;
      }
      if (start < read && !oversized) {
        pendingBytes += read - start;
        if (pendingBytes > MAX_JOURNAL_LINE_BYTES) {
          oversized = true;
          pending = [];
        } else pending.push(Buffer.from(chunk.subarray(start, read)));
      }
    }
    if (oversized) oversizedLines++;
    else if (pending.length > 0) {
      const bytes = Buffer.concat(pending);
      if (options.onUnterminated !== undefined) options.onUnterminated(bytes.toString('utf8'));
      else onLine(bytes.toString('utf8'), bytes);
    }
  } finally {
    fs.closeSync(descriptor);
  }
  return { tornTail: lastByte !== -1 && lastByte !== 10, oversizedLines, completeBytes, bytesRead: position - first };
}

/**
 * Replays a journal file line by line (see {@link forEachJournalLine}); a missing file is an empty
 * journal. `acceptLine`, when given, is asked first and lines it refuses are neither parsed nor
 * counted (a cheap text test, e.g. for the trial ids whose epochs are wanted).
 */
export function readJournalFile(file: string, state: JournalState = emptyJournalState(), acceptLine?: (line: string) => boolean): JournalState {
  if (!fs.existsSync(file)) return state;
  const { tornTail, oversizedLines } = forEachJournalLine(file, (line) => {
    if (line.trim() === '' || (acceptLine !== undefined && !acceptLine(line))) return;
    replayJournalLine(line, state, (event) => applyEvent(state, event));
  });
  state.skippedLines += oversizedLines;
  state.tornTail = tornTail;
  return state;
}
