/**
 * The trial loop's picture of the store: the latest record of every trial it knows, the epochs its
 * own running attempts reported, and the sampler history built from them. Samplers and pruners read
 * this, never private state of the loop, so a worker that joins late, a resumed sweep and a local
 * sweep see the same thing: for a single-writer store the picture is complete (the loop wrote
 * everything itself), for a shared store `refresh` reads what other workers wrote.
 */
import type { EpochRecord } from '../../train/record';
import type { SweepDefinition } from '../definition';
import type { TrialRecord } from '../record';
import { SamplerHistory } from '../samplers/history';
import { isFinished } from '../storage/journal-format';
import type { TrialSpec, TrialStorage } from '../storage/storage';
import type { TrialSummary } from '../storage/trial-summary';

/** A trial's place in the plan's fixed order within its arm: configuration index, then seed order. */
export type PlanOrder = [index: number, seedPosition: number];

/** The trial loop's picture of the store (see the file comment). */
export class LoopView {
  /** Latest known record of every trial (specs enqueued by this loop count as waiting records). */
  private readonly records = new Map<string, TrialRecord>();
  /** Epochs reported by this process's running attempts, by trial (reset when an attempt starts). */
  private readonly live = new Map<string, { attempt: number; epochs: Map<number, EpochRecord> }>();
  /** Trials an attempt of this process runs now. */
  private readonly runningHere = new Set<string>();
  private readonly seedOrder: Map<number, number>;
  /** What adaptive samplers learn from, listed in plan order (never in finishing order). */
  readonly history: SamplerHistory;
  private waiters: Array<() => void> = [];
  private readonly storedEpochCounts = new Map<string, number>();
  /** The store's summary of each trial known only as one (its epochs never read here): what selection reads for it. */
  private readonly storedSummaries = new Map<string, TrialSummary>();

  constructor(readonly definition: SweepDefinition) {
    this.seedOrder = new Map(definition.seeds.map((seed, position) => [seed, position]));
    this.history = new SamplerHistory({ position: (trial) => trial.index * definition.seeds.length + this.seedPosition(trial.seed) });
  }

  seedPosition(seed: number): number {
    return this.seedOrder.get(seed) ?? this.definition.seeds.length;
  }

  /** Notes a record (from the store or from this loop's own writes). */
  see(record: TrialRecord): void {
    const known = this.records.get(record.trialId);
    // A finished trial never changes; an older listing must not bring it back to running.
    if (known !== undefined && isFinished(known) && !isFinished(record)) return;
    this.records.set(record.trialId, record);
    this.storedSummaries.delete(record.trialId);
    // Evaluation re-runs (fresh seeds, after selection) never feed the sampler.
    if (record.role !== 'evaluation') this.history.see(record);
    this.changed();
  }

  /**
   * Notes a store summary (a record without its epochs): an unknown trial enters with no epochs, a
   * known one keeps the epochs already read. `epochCount` says how many epochs the store holds,
   * so a reader knows when fetching them can tell something new.
   */
  seeSummary(summary: TrialSummary): void {
    const known = this.records.get(summary.trialId);
    if (known !== undefined && isFinished(known)) return;
    const { epochCount, epochNumbers: _numbers, bestEpoch: _best, lastEpoch: _last, ...fields } = summary;
    this.storedEpochCounts.set(summary.trialId, epochCount);
    this.see({ ...fields, epochs: known?.epochs ?? [] });
    if (known === undefined || known.epochs.length === 0) this.storedSummaries.set(summary.trialId, summary);
  }

  /** Trials known only by their store summary (epochs never read here), among `scope` when given. */
  summaryOnly(scope?: ReadonlySet<string>): string[] {
    return [...this.storedSummaries.keys()].filter((trialId) => scope === undefined || scope.has(trialId));
  }

  /**
   * Every known trial for selection and the evaluation stage: the full record where this view has
   * one, else the store's summary (its epoch count, best and last epoch stand in for the epochs
   * never read), so a trial reads the same whether its epochs were loaded or not.
   */
  selectionTrials(): Array<TrialRecord | TrialSummary> {
    return [...this.records.values()].map((record) => this.storedSummaries.get(record.trialId) ?? record);
  }

  /** Epochs the store held at the last summary read (undefined: never read as a summary). */
  storedEpochCount(trialId: string): number | undefined {
    return this.storedEpochCounts.get(trialId);
  }

  /** Notes specs this loop enqueued (waiting until the store says otherwise). */
  enqueued(specs: readonly TrialSpec[]): void {
    for (const spec of specs) if (!this.records.has(spec.trialId)) this.see({ ...spec, state: 'waiting', attempts: 0, epochs: [] });
  }

  record(trialId: string): TrialRecord | undefined {
    return this.records.get(trialId);
  }

  finished(trialId: string): boolean {
    const record = this.records.get(trialId);
    return record !== undefined && isFinished(record);
  }

  /** Every known trial, in no particular order. */
  all(): IterableIterator<TrialRecord> {
    return this.records.values();
  }

  startAttempt(trialId: string, attempt: number): void {
    this.live.set(trialId, { attempt, epochs: new Map() });
    this.runningHere.add(trialId);
    const record = this.records.get(trialId);
    if (record !== undefined && !isFinished(record)) this.records.set(trialId, { ...record, state: 'running', attempts: attempt });
    this.changed();
  }

  endAttempt(trialId: string): void {
    this.runningHere.delete(trialId);
    this.changed();
  }

  epoch(trialId: string, attempt: number, epoch: EpochRecord): void {
    const live = this.live.get(trialId);
    if (live === undefined || live.attempt !== attempt) return;
    live.epochs.set(epoch.epoch, epoch);
    this.changed();
  }

  isRunningHere(trialId: string): boolean {
    return this.runningHere.has(trialId);
  }

  /** The validation loss a trial reported at `epoch` (any attempt: attempts of one trial compute the same values), or undefined. */
  validationLossAt(trialId: string, epoch: number): number | undefined {
    const live = this.live.get(trialId)?.epochs.get(epoch);
    if (live !== undefined) return live.validation?.loss ?? NaN;
    const stored = this.records.get(trialId)?.epochs.find((record) => record.epoch === epoch);
    if (stored !== undefined) return stored.validation?.loss ?? NaN;
    return undefined;
  }

  /** Validation losses of epochs 1..epoch (NaN where missing). */
  curveTo(trialId: string, epoch: number): number[] {
    return Array.from({ length: epoch }, (_, position) => this.validationLossAt(trialId, position + 1) ?? NaN);
  }

  planOrder(trial: Pick<TrialRecord, 'index' | 'seed'>): PlanOrder {
    return [trial.index, this.seedPosition(trial.seed)];
  }

  /** Trials of `trial`'s arm before it in the plan's fixed order, among `scope` (default: every known trial). */
  predecessors(trial: Pick<TrialRecord, 'trialId' | 'arm' | 'index' | 'seed'>, scope?: ReadonlySet<string>): TrialRecord[] {
    const [index, seedPosition] = this.planOrder(trial);
    const result: TrialRecord[] = [];
    for (const record of this.records.values()) {
      // Evaluation re-runs never judge selection trials.
      if (record.arm !== trial.arm || record.trialId === trial.trialId || record.role === 'evaluation') continue;
      if (scope !== undefined && !scope.has(record.trialId)) continue;
      const [otherIndex, otherSeed] = this.planOrder(record);
      if (otherIndex < index || (otherIndex === index && otherSeed < seedPosition)) result.push(record);
    }
    return result;
  }

  /** Reads the latest records of `trialIds` (or of the whole sweep) from the store. */
  async refresh(storage: TrialStorage, trialIds?: readonly string[]): Promise<TrialRecord[]> {
    if (trialIds !== undefined && trialIds.length === 0) return [];
    const records = await storage.listTrials(this.definition.name, trialIds === undefined ? undefined : { trialIds });
    for (const record of records) this.see(record);
    return records;
  }

  /** Resolves at the next change of the picture (an epoch, a finish, a refresh), or after `ms`. */
  nextChange(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal?.addEventListener('abort', done, { once: true });
      this.waiters.push(done);
    });
  }

  private changed(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) waiter();
  }
}
