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
 * epochs, rewritten at open, at close and whenever the journal has grown by half since the last
 * one, so `status`, the report's tables and other readers replay only what was appended since.
 * The index is never needed to resume: a crash leaves it behind the journal, which readers detect
 * and catch up.
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
import { indexFileOf, REWRITE_AFTER_BYTES, writeJournalIndex } from './journal-index';
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

function copy<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

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
      // Streamed line by line: a journal of any size opens.
      this.state = readJournalFile(this.file);
      this.descriptor = fs.openSync(this.file, 'a');
      // A torn last line must not glue onto the next event: end it, and replay will skip it.
      if (this.state.tornTail) fs.writeSync(this.descriptor, '\n');
      this.journalBytes = fs.fstatSync(this.descriptor).size;
      // The summaries of the journal as replayed (trials left running stay running here: the index
      // says what the journal says; the reset below is this writer's own decision).
      this.summary = { sweep: this.state.sweep, trials: new Map([...this.state.trials].map(([id, record]) => [id, summarize(record)])), backendChoices: [...this.state.backendChoices], skippedLines: this.state.skippedLines };
      this.writeIndex();
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
    // One record at a time: one JSON string of every record would pass V8's string limit on a large sweep.
    return trials.map(copy);
  }

  /** Summaries of the trials as this writer sees them (same states as `listTrials`), without copying epochs. */
  async listTrialSummaries(sweepName: string, filter: { states?: readonly TrialState[]; trialIds?: readonly string[] } = {}): Promise<TrialSummary[]> {
    this.requireOpen(sweepName);
    const ids = filter.trialIds === undefined ? undefined : new Set(filter.trialIds);
    const trials = [...this.state.trials.values()].filter(
      (trial) => (filter.states === undefined || filter.states.includes(trial.state)) && (ids === undefined || ids.has(trial.trialId)),
    );
    return trials.map((trial) => copy(summarize(trial)));
  }

  /** Epochs of the given trials (held in memory by the writer). */
  async readTrialEpochs(sweepName: string, trialIds: readonly string[]): Promise<Map<string, EpochRecord[]>> {
    this.requireOpen(sweepName);
    return new Map(trialIds.map((id) => [id, copy(this.state.trials.get(id)?.epochs ?? [])]));
  }

  /** The index file beside the journal. */
  get indexFile(): string {
    return indexFileOf(this.file);
  }

  async close(): Promise<void> {
    if (this.descriptor !== undefined) {
      if (this.journalBytes !== this.indexedBytes) this.writeIndex();
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
