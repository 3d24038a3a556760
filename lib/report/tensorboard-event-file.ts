/**
 * A TensorBoard event file writer in plain JavaScript: scalar summaries as TensorFlow `Event`
 * protocol buffers (encoded by hand, four fields) in TFRecord framing, the format `tensorboard`
 * and `tf.compat.v1.train.summary_iterator` read. It replaces tfjs-node's `summaryFileWriter`, so
 * TensorBoard logs need no native library and no backend (and loading libtensorflow for them no
 * longer costs the report its load time or its oneDNN notice on stderr).
 *
 * Encoded messages (tensorflow/core/util/event.proto, tensorflow/core/framework/summary.proto):
 *   Event   { double wall_time = 1; int64 step = 2; string file_version = 3; Summary summary = 5; }
 *   Summary { repeated Value value = 1; }
 *   Value   { string tag = 1; float simple_value = 2; }
 * TFRecord framing of each event: uint64 LE length, uint32 LE masked CRC-32C of those 8 bytes,
 * the bytes, uint32 LE masked CRC-32C of the bytes.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { threadId } from 'worker_threads';
import { maskedCrc32c } from './crc32c';

/** The first record of every event file: the format version TensorBoard checks. */
export const EVENT_FILE_VERSION = 'brain.Event:2';

/** Protocol buffer wire keys (field number << 3 | wire type) of the fields written here. */
const KEY = {
  /** Event.wall_time, fixed64. */
  wallTime: (1 << 3) | 1,
  /** Event.step, varint. */
  step: (2 << 3) | 0,
  /** Event.file_version, length-delimited. */
  fileVersion: (3 << 3) | 2,
  /** Event.summary, length-delimited. */
  summary: (5 << 3) | 2,
  /** Summary.value, length-delimited. */
  summaryValue: (1 << 3) | 2,
  /** Value.tag, length-delimited. */
  tag: (1 << 3) | 2,
  /** Value.simple_value, fixed32. */
  simpleValue: (2 << 3) | 5,
} as const;

/** Bytes of the TFRecord header (length and its CRC) and footer (data CRC). */
const RECORD_HEADER_BYTES = 12;
const RECORD_FOOTER_BYTES = 4;

/** Event files named by this module instance so far: the last part of each file name, as TensorFlow's writers number theirs. */
let filesNamed = 0;

/** Options of {@link EventFileWriter}; every field has a default for real use and exists for tests. */
export interface EventFileWriterOptions {
  /** Seconds since the Unix epoch, for each event's wall_time and the file name. Default: `Date.now() / 1000`. */
  wallTime?: () => number;
  /** Host name in the file name. Default: `os.hostname()`. */
  hostname?: string;
}

/** Bytes a non-negative integer below 2^53 takes as a protocol buffer varint. */
function varintBytes(value: number): number {
  let bytes = 1;
  while (value >= 128) {
    value = Math.floor(value / 128);
    bytes++;
  }
  return bytes;
}

/**
 * Writes scalar summaries of one run directory into one event file, named like TensorFlow's:
 * `events.out.tfevents.<unix seconds>.<hostname>.<pid>.<counter>` (`<pid>-<thread>` in a worker
 * thread, whose copy of this module counts from 0 again). Events are kept in memory and
 * appended to the file by {@link flush} (which creates the run directory and the file, version
 * record first). Consecutive scalars of the same step share one event, as a summary of several
 * values. Implements the report's `ScalarWriter` (lib/report/tensorboard.ts).
 */
export class EventFileWriter {
  /** The event file's full path. */
  readonly file: string;
  private readonly wallTime: () => number;
  private buffer: Buffer = Buffer.alloc(4096);
  /** Bytes of `buffer` in use (framed records not yet on disk). */
  private used = 0;
  /** Whether the version record is on disk (the file exists). */
  private started = false;
  /** The step and values of the event being gathered; written when the step changes or on flush. */
  private pendingStep: number | undefined;
  private readonly pendingTags: Buffer[] = [];
  private readonly pendingValues: number[] = [];
  /** UTF-8 bytes of each tag seen, since the same tags repeat at every step. */
  private readonly tagBytes = new Map<string, Buffer>();

  constructor(runDirectory: string, options: EventFileWriterOptions = {}) {
    this.wallTime = options.wallTime ?? (() => Date.now() / 1000);
    const createdAt = this.wallTime();
    const writer = threadId === 0 ? String(process.pid) : `${process.pid}-${threadId}`;
    const name = `events.out.tfevents.${Math.floor(createdAt)}.${options.hostname ?? os.hostname()}.${writer}.${filesNamed++}`;
    this.file = path.join(runDirectory, name);
    this.writeVersionEvent(createdAt);
  }

  /** Adds one scalar at `step` (a non-negative integer); written to disk by the next {@link flush}. */
  scalar(name: string, value: number, step: number): void {
    if (!Number.isSafeInteger(step) || step < 0) throw new Error(`TensorBoard scalar "${name}": step must be a non-negative integer, got ${String(step)}`);
    if (typeof value !== 'number') throw new Error(`TensorBoard scalar "${name}": value must be a number, got ${typeof value}`);
    if (this.pendingStep !== undefined && this.pendingStep !== step) this.writePendingEvent();
    this.pendingStep = step;
    let tag = this.tagBytes.get(name);
    if (tag === undefined) {
      tag = Buffer.from(name, 'utf8');
      this.tagBytes.set(name, tag);
    }
    this.pendingTags.push(tag);
    this.pendingValues.push(value);
  }

  /** Appends every event so far to the event file (creating the run directory and the file on first use). */
  flush(): void {
    this.writePendingEvent();
    // Before the first flush the buffer holds at least the version record.
    if (this.used === 0) return;
    if (!this.started) fs.mkdirSync(path.dirname(this.file), { recursive: true });
    // 'wx' on the first write: another writer's file of the same name is an error, never overwritten.
    fs.writeFileSync(this.file, this.buffer.subarray(0, this.used), { flag: this.started ? 'a' : 'wx' });
    this.started = true;
    this.used = 0;
  }

  private writeVersionEvent(wallTime: number): void {
    const version = Buffer.from(EVENT_FILE_VERSION, 'utf8');
    const eventBytes = 1 + 8 + 1 + varintBytes(version.length) + version.length;
    let at = this.beginRecord(eventBytes);
    at = this.putWallTime(at, wallTime);
    at = this.putLengthDelimitedKey(at, KEY.fileVersion, version.length);
    at += version.copy(this.buffer, at);
    this.endRecord(at, eventBytes);
  }

  /** Writes the gathered values of `pendingStep` as one event, if there are any. */
  private writePendingEvent(): void {
    if (this.pendingStep === undefined) return;
    const step = this.pendingStep;
    let summaryBytes = 0;
    for (const tag of this.pendingTags) {
      const valueBytes = 1 + varintBytes(tag.length) + tag.length + 1 + 4;
      summaryBytes += 1 + varintBytes(valueBytes) + valueBytes;
    }
    const eventBytes = 1 + 8 + 1 + varintBytes(step) + 1 + varintBytes(summaryBytes) + summaryBytes;
    let at = this.beginRecord(eventBytes);
    at = this.putWallTime(at, this.wallTime());
    this.buffer[at++] = KEY.step;
    at = this.putVarint(at, step);
    at = this.putLengthDelimitedKey(at, KEY.summary, summaryBytes);
    this.pendingTags.forEach((tag, position) => {
      const valueBytes = 1 + varintBytes(tag.length) + tag.length + 1 + 4;
      at = this.putLengthDelimitedKey(at, KEY.summaryValue, valueBytes);
      at = this.putLengthDelimitedKey(at, KEY.tag, tag.length);
      at += tag.copy(this.buffer, at);
      this.buffer[at++] = KEY.simpleValue;
      at = this.buffer.writeFloatLE(this.pendingValues[position], at);
    });
    this.endRecord(at, eventBytes);
    this.pendingStep = undefined;
    this.pendingTags.length = 0;
    this.pendingValues.length = 0;
  }

  /** Makes room for a record of `dataBytes`, writes its length header, and returns where its data starts. */
  private beginRecord(dataBytes: number): number {
    const needed = this.used + RECORD_HEADER_BYTES + dataBytes + RECORD_FOOTER_BYTES;
    if (needed > this.buffer.length) {
      const grown = Buffer.alloc(Math.max(needed, this.buffer.length * 2));
      this.buffer.copy(grown, 0, 0, this.used);
      this.buffer = grown;
    }
    const start = this.used;
    // uint64 LE length: records here are far below 2^32 bytes, so the high word is 0.
    this.buffer.writeUInt32LE(dataBytes, start);
    this.buffer.writeUInt32LE(0, start + 4);
    this.buffer.writeUInt32LE(maskedCrc32c(this.buffer, start, start + 8), start + 8);
    return start + RECORD_HEADER_BYTES;
  }

  /** Checks the encoded size against the one framed, and appends the data's CRC. */
  private endRecord(end: number, dataBytes: number): void {
    const dataStart = this.used + RECORD_HEADER_BYTES;
    if (end - dataStart !== dataBytes) throw new Error(`event encoding wrote ${end - dataStart} bytes where it framed ${dataBytes} (a bug in EventFileWriter)`);
    this.buffer.writeUInt32LE(maskedCrc32c(this.buffer, dataStart, end), end);
    this.used = end + RECORD_FOOTER_BYTES;
  }

  private putWallTime(at: number, seconds: number): number {
    this.buffer[at++] = KEY.wallTime;
    return this.buffer.writeDoubleLE(seconds, at);
  }

  private putLengthDelimitedKey(at: number, key: number, length: number): number {
    this.buffer[at++] = key;
    return this.putVarint(at, length);
  }

  /** A non-negative integer below 2^53 as a varint (arithmetic, not 32-bit shifts, so large steps stay exact). */
  private putVarint(at: number, value: number): number {
    while (value >= 128) {
      this.buffer[at++] = (value % 128) | 128;
      value = Math.floor(value / 128);
    }
    this.buffer[at++] = value;
    return at;
  }
}
