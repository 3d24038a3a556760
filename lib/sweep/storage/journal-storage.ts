/**
 * The embedded store: an append-only JSON Lines journal in the sweep's output folder, written by
 * one process (the sweep's parent; workers never write it). A lock file next to the journal keeps
 * a second process from writing the same journal; a lock left by a dead process on this host is
 * taken over.
 *
 * Durability: `finishTrial` and the sweep definition are fsynced before their promises resolve,
 * so a finished trial survives a crash (SIGKILL, power loss after fsync) at any moment; the runner
 * awaits `finishTrial` before claiming the next trial. Other events (enqueue, claim, epoch) are
 * written but not synced: losing them only repeats unfinished work.
 *
 * Beside the journal it keeps the compact index (journal-index.ts): trial summaries without
 * epochs, rewritten at open (when it was not current), at close and whenever the journal has
 * grown by half since the last one, so `status`, the report's tables and other readers replay only
 * what was appended since.
 *
 * Opening (resuming) reads through the index too: the summaries it holds plus the journal lines
 * written after it, so no line it covers is parsed again, and no finished trial's epochs are held
 * in memory. Those epochs stay in the journal and are read back, for the trials asked for only,
 * by `listTrials` and `readTrialEpochs`. The index is never needed to resume: a missing, torn or
 * stale one (a crash leaves it behind the journal) is detected and the journal replayed instead.
 * An unfinished trial opens without epochs: those of an interrupted or requeued attempt were never
 * kept past its next claim, which starts from none.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { BackendChoice } from '../../backend/measure';
import { changedFields } from '../definition-config';
import type { TrialRecord, TrialState } from '../record';
import { applyEvent, emptyJournalState, encodeEvent, isFinished, JOURNAL_VERSION, JournalEvent, JournalState } from './journal-format';
import { JournalLock } from './journal-lock';
import { trialAtClipCeiling } from '../../train/divergence';
import { readJournalFile } from './journal-reader';
import { indexFileOf, indexWorthRewriting, readJournalSummary, REWRITE_AFTER_BYTES, writeJournalIndex } from './journal-index';
import { emptySummaryState, replaySummaryEvent, summarize, SummaryState, TrialSummary } from './trial-summary';
import type { EpochRecord } from '../../train/record';
import type { StoreCapabilities } from '../loop/capabilities';
import {
  ClaimArgs,
  OpenSweepArgs,
  SweepDefinitionChangedError,
  SweepInfo,
  SweepNameMismatchError,
  TrialResult,
  TrialSpec,
  TrialStateError,
  TrialStorage,
} from './storage';

export interface JournalStorageArgs {
  /** Output folder of the sweep; created if missing. */
  directory: string;
  /** Journal file name inside `directory`. Default `journal.jsonl` (shards: `journalFileName(shard)`). */
  fileName?: string;
}

/** Journal file name of a shard (`journal.shard-2-of-4.jsonl`, 1-based in the name like `--shard 2/4`), or `journal.jsonl`. */
export function journalFileName(shard?: { index: number; count: number }): string {
  return shard === undefined || shard.count === 1 ? 'journal.jsonl' : `journal.shard-${shard.index}-of-${shard.count}.jsonl`;
}

/**
 * A deep copy with JSON's semantics (what `JSON.parse(JSON.stringify(value))` returns for the plain
 * data a store holds: non-finite numbers become null, undefined and function fields are left out,
 * undefined array elements become null), without building the text: copying 100,000 trial
 * summaries (`listTrialSummaries` of a large sweep) is several times faster this way.
 */
export function copy<T>(value: T): T {
  return copyJsonValue(value) as T;
}

function copyJsonValue(value: unknown): unknown {
  // JSON writes -0 as 0.
  if (typeof value === 'number') return Number.isFinite(value) ? (value === 0 ? 0 : value) : null;
  if (value === null || typeof value !== 'object') return value;
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return JSON.parse(JSON.stringify(value));
  if (Array.isArray(value)) {
    const result = new Array<unknown>(value.length);
    for (let index = 0; index < value.length; index++) {
      const element = value[index];
      result[index] = element === undefined || typeof element === 'function' || typeof element === 'symbol' ? null : copyJsonValue(element);
    }
    return result;
  }
  const result: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const field = (value as Record<string, unknown>)[key];
    if (field === undefined || typeof field === 'function' || typeof field === 'symbol') continue;
    result[key] = copyJsonValue(field);
  }
  return result;
}

/** The record of a summary, its epochs not loaded (`epochs: []`). */
function recordOfSummary(summary: TrialSummary): TrialRecord {
  const { epochCount: _count, epochNumbers: _numbers, bestEpoch: _best, lastEpoch: _last, ...record } = summary;
  return { ...record, epochs: [] };
}

/** The first `"trialId":"..."` of a journal line (every event that concerns a trial names it first). */
const TRIAL_ID_PATTERN = /"trialId":"([^"\\]*)"/;

export class JournalStorage implements TrialStorage {
  /** One writer (this process; its pool workers report to it): nothing to poll, no heartbeats. */
  readonly capabilities: StoreCapabilities = { shared: false, heartbeats: false, fencedWrites: false };
  readonly directory: string;
  readonly file: string;
  private readonly lock: JournalLock;
  private descriptor?: number;
  private state: JournalState = emptyJournalState();
  /** The journal's replay without epochs (what the index holds), kept in step with `state`. */
  private summary: SummaryState = emptySummaryState();
  /** Bytes of the journal (all complete lines once open). */
  private journalBytes = 0;
  /** Journal bytes the index on disk covers. */
  private indexedBytes = 0;
  /** Finished trials opened from their summaries: their epochs are in the journal, not in `state` (read back on demand). */
  private epochsInJournal = new Set<string>();

  constructor(args: JournalStorageArgs) {
    this.directory = path.resolve(args.directory);
    this.file = path.join(this.directory, args.fileName ?? 'journal.jsonl');
    this.lock = new JournalLock(this.file);
  }

  /** Lines of the journal that were skipped when it was opened (a torn last line counts). */
  get skippedLines(): number {
    return this.state.skippedLines;
  }

  async openSweep(args: OpenSweepArgs): Promise<SweepInfo> {
    fs.mkdirSync(this.directory, { recursive: true });
    this.lock.acquire();
    try {
      // Through the index: its summaries plus the journal lines after it (the whole journal, streamed,
      // when the index is missing, torn or stale). Finished trials' epochs are not parsed or held.
      const read = readJournalSummary(this.file, { updateIndex: false });
      // The summaries of the journal as read (trials left running stay running here: the index
      // says what the journal says; the reset below is this writer's own decision).
      this.summary = read.state;
      const trials = new Map<string, TrialRecord>();
      this.epochsInJournal = new Set();
      for (const [trialId, summary] of read.state.trials) {
        trials.set(trialId, recordOfSummary(summary));
        if (isFinished(summary) && summary.epochCount > 0) this.epochsInJournal.add(trialId);
      }
      this.state = { sweep: read.state.sweep, trials, backendChoices: [...read.state.backendChoices], skippedLines: read.state.skippedLines, tornTail: read.tornTail };
      this.descriptor = fs.openSync(this.file, 'a');
      // A torn last line must not glue onto the next event: end it, and replay will skip it.
      if (this.state.tornTail) fs.writeSync(this.descriptor, '\n');
      this.journalBytes = fs.fstatSync(this.descriptor).size;
      // An index that covers the journal but for a small tail is kept as it is (see indexWorthRewriting).
      this.indexedBytes = read.indexCoversBytes;
      if (indexWorthRewriting(this.indexedBytes, this.journalBytes - this.indexedBytes)) this.writeIndex();
      const name = args.definition.name;
      const existing = this.state.sweep;
      if (existing !== undefined && existing.name !== name) {
        throw new SweepNameMismatchError(name, existing.name, this.file);
      }
      if (existing === undefined || existing.fingerprint !== args.fingerprint) {
        if (existing !== undefined && !args.extend) {
          throw new SweepDefinitionChangedError(name, this.file, changedFields(existing.definition, args.definition));
        }
        this.append({ op: 'sweep', v: JOURNAL_VERSION, name, definition: args.definition, fingerprint: args.fingerprint, at: new Date().toISOString() }, true);
      }
      // Single writer: a trial still 'running' belongs to a process that died. Its interrupted
      // attempt was not the trial's fault, so it does not count against the retry limit.
      for (const trial of this.state.trials.values()) {
        if (trial.state === 'running') {
          trial.state = 'waiting';
          trial.attempts = Math.max(0, trial.attempts - 1);
          trial.epochs = [];
        }
      }
      return copy(this.state.sweep!);
    } catch (error) {
      await this.close();
      throw error;
    }
  }

  async enqueueTrials(sweepName: string, trials: readonly TrialSpec[]): Promise<void> {
    this.requireOpen(sweepName);
    const at = new Date().toISOString();
    for (const trial of trials) if (!this.state.trials.has(trial.trialId)) this.append({ op: 'enqueue', trial: copy(trial), at });
  }

  async claimTrial(sweepName: string, args: ClaimArgs = {}): Promise<TrialRecord | undefined> {
    this.requireOpen(sweepName);
    const candidates = args.trialIds !== undefined ? args.trialIds.map((id) => this.state.trials.get(id)) : [...this.state.trials.values()];
    const trial = candidates.find((candidate) => candidate !== undefined && candidate.state === 'waiting');
    if (trial === undefined) return undefined;
    this.append({ op: 'claim', trialId: trial.trialId, attempt: trial.attempts + 1, worker: args.workerId, at: new Date().toISOString() });
    return copy(this.state.trials.get(trial.trialId)!);
  }

  async recordEpoch(sweepName: string, trialId: string, attempt: number, epoch: TrialRecord['epochs'][number]): Promise<void> {
    this.requireRunning(sweepName, trialId, attempt);
    this.append({ op: 'epoch', trialId, attempt, epoch });
  }

  async requeueTrial(sweepName: string, trialId: string, attempt: number, reason: string): Promise<void> {
    this.requireRunning(sweepName, trialId, attempt);
    this.append({ op: 'requeue', trialId, attempt, reason, at: new Date().toISOString() });
  }

  async finishTrial(sweepName: string, trialId: string, attempt: number, result: TrialResult): Promise<TrialRecord> {
    const trial = this.requireRunning(sweepName, trialId, attempt);
    const record: TrialRecord = {
      trialId: trial.trialId,
      configId: trial.configId,
      sweepName: trial.sweepName,
      arm: trial.arm,
      index: trial.index,
      params: trial.params,
      seed: trial.seed,
      ...(trial.role !== undefined ? { role: trial.role } : {}),
      state: result.state,
      attempts: attempt,
      epochs: result.epochs,
      startedAt: trial.startedAt,
      finishedAt: new Date().toISOString(),
    };
    if (result.error !== undefined) record.error = result.error;
    if (result.final !== undefined) record.final = result.final;
    if (result.runStatus !== undefined) record.runStatus = result.runStatus;
    if (result.divergedAtEpoch !== undefined) record.divergedAtEpoch = result.divergedAtEpoch;
    if (result.backend !== undefined) record.backend = result.backend;
    if (result.trainingPath !== undefined) record.trainingPath = result.trainingPath;
    if (result.generalPathReason !== undefined) record.generalPathReason = result.generalPathReason;
    if (result.seconds !== undefined) record.seconds = result.seconds;
    if (trialAtClipCeiling(record)) record.lossAtClipCeiling = true;
    this.append({ op: 'finish', trialId, attempt, record }, true);
    return copy(record);
  }

  async recordBackendChoice(sweepName: string, choice: BackendChoice): Promise<void> {
    this.requireOpen(sweepName);
    this.append({ op: 'backend', choice: copy(choice), at: new Date().toISOString() });
  }

  /** Backend choices recorded in this journal, oldest first. */
  get backendChoices(): BackendChoice[] {
    return copy(this.state.backendChoices);
  }

  async listTrials(sweepName: string, filter: { states?: readonly TrialState[]; trialIds?: readonly string[] } = {}): Promise<TrialRecord[]> {
    this.requireOpen(sweepName);
    const ids = filter.trialIds === undefined ? undefined : new Set(filter.trialIds);
    const trials = [...this.state.trials.values()].filter(
      (trial) => (filter.states === undefined || filter.states.includes(trial.state)) && (ids === undefined || ids.has(trial.trialId)),
    );
    const stored = this.epochsFromJournal(trials.map((trial) => trial.trialId));
    // One record at a time: one JSON string of every record would pass V8's string limit on a large sweep.
    return trials.map((trial) => {
      const record = copy(trial);
      const epochs = stored.get(trial.trialId);
      if (epochs !== undefined) record.epochs = epochs;
      return record;
    });
  }

  /** Summaries of the trials as this writer sees them (same states as `listTrials`), without copying epochs. */
  async listTrialSummaries(sweepName: string, filter: { states?: readonly TrialState[]; trialIds?: readonly string[] } = {}): Promise<TrialSummary[]> {
    this.requireOpen(sweepName);
    const ids = filter.trialIds === undefined ? undefined : new Set(filter.trialIds);
    const trials = [...this.state.trials.values()].filter(
      (trial) => (filter.states === undefined || filter.states.includes(trial.state)) && (ids === undefined || ids.has(trial.trialId)),
    );
    // A trial opened from its summary is summarized already (its record here has no epochs to count).
    return trials.map((trial) => copy(this.epochsInJournal.has(trial.trialId) ? (this.summary.trials.get(trial.trialId) as TrialSummary) : summarize(trial)));
  }

  /**
   * `listTrialSummaries` without the copy: the store's own summary objects (and summaries sharing
   * fields with its records), for a caller that owns the store and closes it right after, such as
   * the end of a sweep run (100,000 summaries are not copied to be read once). They must not be
   * mutated while the store is open.
   */
  async listTrialSummariesUncopied(sweepName: string): Promise<TrialSummary[]> {
    this.requireOpen(sweepName);
    return [...this.state.trials.values()].map((trial) => (this.epochsInJournal.has(trial.trialId) ? (this.summary.trials.get(trial.trialId) as TrialSummary) : summarize(trial)));
  }

  /** Epochs of the given trials: of this run's trials from memory, of trials finished before it from the journal. */
  async readTrialEpochs(sweepName: string, trialIds: readonly string[]): Promise<Map<string, EpochRecord[]>> {
    this.requireOpen(sweepName);
    const stored = this.epochsFromJournal(trialIds);
    return new Map(trialIds.map((id) => [id, stored.get(id) ?? copy(this.state.trials.get(id)?.epochs ?? [])]));
  }

  /**
   * Epochs of those of `trialIds` that were finished when the journal was opened, read back from
   * the journal: one streamed pass that parses only the lines naming one of them (their finish
   * lines carry the full records). Nothing is read when none of them is such a trial.
   */
  private epochsFromJournal(trialIds: readonly string[]): Map<string, EpochRecord[]> {
    const wanted = new Set(trialIds.filter((id) => this.epochsInJournal.has(id)));
    const result = new Map<string, EpochRecord[]>();
    if (wanted.size === 0) return result;
    const accept = (line: string): boolean => {
      const match = TRIAL_ID_PATTERN.exec(line);
      return match !== null && wanted.has(match[1]);
    };
    for (const record of readJournalFile(this.file, undefined, accept).trials.values()) {
      if (wanted.has(record.trialId) && isFinished(record)) result.set(record.trialId, record.epochs);
    }
    return result;
  }

  /** The index file beside the journal. */
  get indexFile(): string {
    return indexFileOf(this.file);
  }

  async close(): Promise<void> {
    if (this.descriptor !== undefined) {
      if (indexWorthRewriting(this.indexedBytes, this.journalBytes - this.indexedBytes)) this.writeIndex();
      fs.closeSync(this.descriptor);
      this.descriptor = undefined;
    }
    this.lock.release();
  }

  private append(event: JournalEvent, durable = false): void {
    if (this.descriptor === undefined) throw new TrialStateError(`journal ${this.file} is not open`);
    // One write per line, so a crash tears at most the last line.
    const line = encodeEvent(event);
    fs.writeSync(this.descriptor, line);
    if (durable) fs.fsyncSync(this.descriptor);
    applyEvent(this.state, event);
    replaySummaryEvent(this.summary, event);
    this.journalBytes += Buffer.byteLength(line);
    // Rewritten when the journal grew by half since the last index: the total cost of index writes
    // stays proportional to the journal, and a reader never catches up more than a third of it.
    if (durable && this.journalBytes - this.indexedBytes > Math.max(REWRITE_AFTER_BYTES, this.indexedBytes / 2)) this.writeIndex();
  }

  private writeIndex(): void {
    if (writeJournalIndex(this.file, this.summary, this.journalBytes)) this.indexedBytes = this.journalBytes;
  }

  private requireOpen(sweepName: string): void {
    if (this.descriptor === undefined || this.state.sweep === undefined) throw new TrialStateError(`journal ${this.file} is not open (call openSweep first)`);
    if (this.state.sweep.name !== sweepName) throw new TrialStateError(`journal ${this.file} holds sweep "${this.state.sweep.name}", not "${sweepName}"`);
  }

  private requireRunning(sweepName: string, trialId: string, attempt: number): TrialRecord {
    this.requireOpen(sweepName);
    const trial = this.state.trials.get(trialId);
    if (trial === undefined) throw new TrialStateError(`trial ${trialId} is not in ${this.file}`);
    if (isFinished(trial)) throw new TrialStateError(`trial ${trialId} is already ${trial.state}`);
    if (trial.state !== 'running' || trial.attempts !== attempt) {
      throw new TrialStateError(`trial ${trialId}: attempt ${attempt} is stale (state ${trial.state}, attempt ${trial.attempts})`);
    }
    return trial;
  }
}
