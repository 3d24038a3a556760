/**
 * One attempt of one trial, from claim to the store's next state: the trial-start event, its lease
 * (lost when the store refuses a heartbeat or an epoch: fencing by attempt number), heartbeats
 * while it runs, each epoch recorded then put through the pruning gate, and `conclude`, which turns
 * how the attempt ended into finish, requeue (retry, or a worker leaving) or fail. The same for a
 * trial trained alone and for a member of a population.
 */
import type { EpochRecord } from '../../train/record';
import type { SweepDefinition } from '../definition';
import type { EpochAnswers, ExecutionResult } from '../executors/executor';
import type { TrialInput } from '../objective';
import type { TrialRecord } from '../record';
import { TrialResult, TrialStateError, TrialStorage } from '../storage/storage';
import type { StoreCapabilities } from './capabilities';
import type { LoopEvent } from './loop-events';
import { resultOfOutcome } from './outcome';
import type { PruningGate } from './pruning-gate';
import type { LoopView } from './view';

/** What every attempt of one loop shares. */
export interface AttemptEnvironment {
  definition: SweepDefinition;
  storage: TrialStorage;
  capabilities: StoreCapabilities;
  view: LoopView;
  gate: PruningGate;
  /** Attempts per trial, the first included, before an error is final. */
  maxAttempts: number;
  heartbeatSeconds: number;
  workerId: string;
  /** What a stopped attempt becomes: 'requeue' (a worker leaving) or 'abandon' (nothing recorded). */
  onStop: 'requeue' | 'abandon';
  emit(event: LoopEvent): void;
  /** Aborted when the loop stops (interrupted, or failed). Read it; to act on the stop, use `whenStopped`. */
  stopSignal: AbortSignal;
  /**
   * Calls `handler` once when the loop stops (at once when it has stopped already); returns the
   * unsubscribe to call when the caller ends. One registry for all attempts, so the stop signal
   * does not gather a listener per attempt.
   */
  whenStopped(handler: () => void): () => void;
  /** True once the loop failed (a store error): stopped attempts are then left as they are. */
  failed(): boolean;
  /** Wakes the loop (an attempt now waits for a trial that runs nowhere, so its slot is free). */
  wake(): void;
  /**
   * Whether jobs wait for the loop's answer to each epoch (see EpochAnswers): 'none' when the
   * pruner never prunes and the store fences no writes (no lost lease to stop a trial for), so a
   * worker process trains on without a round trip per epoch.
   */
  epochAnswers: EpochAnswers;
  /** Counts of the loop's summary, updated here. */
  counts: { finished: number; requeued: number; lost: number };
}

/** The objective's input for a claimed trial; undefined when its arm is not in the definition. */
export function trialInput(definition: SweepDefinition, trial: TrialRecord): TrialInput | undefined {
  const arm = definition.arms.find((candidate) => candidate.name === trial.arm);
  if (arm === undefined) return undefined;
  return { definition, arm, params: trial.params, seed: trial.seed, trialId: trial.trialId, configId: trial.configId, index: trial.index, attempt: trial.attempts };
}

export class Attempt {
  /** Aborted when the attempt must stop: its lease was lost, or the loop stops. Executors cancel it then. */
  readonly lease = new AbortController();
  private lostReason?: string;
  private pruned = false;
  private ended = false;
  private readonly heartbeat?: NodeJS.Timeout;
  /** Unsubscribes from the loop's stop (called by `end`). */
  private readonly offStop: () => void;

  /**
   * @param blocked the job's set of members waiting in the pruning gate for a trial that runs
   *   nowhere (while it is not empty the job holds no slot).
   */
  constructor(
    private readonly env: AttemptEnvironment,
    readonly trial: TrialRecord,
    private readonly blocked: Set<string>,
  ) {
    const { storage, capabilities, definition } = env;
    env.emit({ type: 'trial-start', trialId: trial.trialId, arm: trial.arm, index: trial.index, seed: trial.seed, attempt: trial.attempts, at: Date.now() });
    env.view.startAttempt(trial.trialId, trial.attempts);
    this.offStop = env.whenStopped(() => this.lease.abort());
    // Stores that judge attempts alive by heartbeats get them from a timer while the attempt runs.
    if (capabilities.heartbeats && (storage.beat !== undefined || storage.heartbeat !== undefined)) {
      this.heartbeat = setInterval(() => {
        if (storage.beat !== undefined) {
          storage.beat(definition.name, trial.trialId, trial.attempts).then(
            (owned) => {
              if (!owned) this.lose('heartbeat refused: the trial was judged stale and given to another attempt');
            },
            () => undefined, // Store unreachable: keep going, the next beat retries.
          );
        } else void storage.heartbeat!(definition.name, trial.trialId, trial.attempts).catch(() => undefined);
      }, 1000 * env.heartbeatSeconds);
      this.heartbeat.unref?.();
    }
  }

  private lose(reason: string): void {
    this.lostReason = this.lostReason ?? reason;
    this.lease.abort();
  }

  /** Records the epoch (refused: the lease is lost), then asks the pruning gate. Resolves true to stop the trial. */
  readonly onEpoch = async (epoch: EpochRecord): Promise<boolean> => {
    const { env, trial } = this;
    const { storage, capabilities, definition } = env;
    if (this.lease.signal.aborted || this.ended) return true;
    env.view.epoch(trial.trialId, trial.attempts, epoch);
    if (storage.recordOwnedEpoch !== undefined && capabilities.fencedWrites) {
      if (!(await storage.recordOwnedEpoch(definition.name, trial.trialId, trial.attempts, epoch))) {
        this.lose('epoch refused: the trial belongs to another attempt now');
        return true;
      }
    } else await storage.recordEpoch(definition.name, trial.trialId, trial.attempts, epoch);
    if (!this.pruned) {
      this.pruned = await env.gate.shouldPrune({
        trial,
        epoch: epoch.epoch,
        signal: this.lease.signal,
        onBlocked: (waitsForUnclaimed) => {
          if (waitsForUnclaimed) {
            this.blocked.add(trial.trialId);
            env.wake();
          } else this.blocked.delete(trial.trialId);
        },
      });
      if (this.lease.signal.aborted) return true;
    }
    env.emit({ type: 'trial-epoch', trialId: trial.trialId, arm: trial.arm, epoch, pruned: this.pruned, at: Date.now() });
    return this.pruned;
  };

  /** Stops heartbeats and listeners; called once the attempt no longer runs (idempotent). */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    if (this.heartbeat !== undefined) clearInterval(this.heartbeat);
    this.offStop();
    this.blocked.delete(this.trial.trialId);
    this.env.view.endAttempt(this.trial.trialId);
  }

  /** Records how the attempt ended: lost (nothing), stopped (requeue or nothing), error (retry or fail), or its result. */
  async conclude(result: ExecutionResult): Promise<void> {
    this.end();
    const { env, trial } = this;
    const attempt = trial.attempts;
    if (this.lostReason !== undefined) {
      env.counts.lost++;
      env.emit({ type: 'trial-lost', trialId: trial.trialId, attempt, reason: this.lostReason, at: Date.now() });
      return;
    }
    if (env.stopSignal.aborted) {
      if (!env.failed() && env.onStop === 'requeue') await this.requeue(`worker ${env.workerId} stopped`, 'worker stopped', true);
      return;
    }
    if (result.kind === 'cancelled') return;
    if (result.kind === 'error') {
      // A configuration or shape error fails the same way on every attempt: fail it now.
      if (result.retryable !== false && attempt < env.maxAttempts) {
        await this.requeue(result.message, result.message, false);
        return;
      }
      const error = `${result.message} (${result.retryable === false ? 'not retried: a configuration error fails every attempt; ' : ''}failed ${attempt} attempt${attempt === 1 ? '' : 's'})`;
      await this.finish({ state: 'failed', epochs: [], error, seconds: result.seconds });
      return;
    }
    if (result.kind === 'result') {
      const outcome = result.result;
      await this.finish(this.pruned && outcome.state === 'complete' ? { ...outcome, state: 'pruned', runStatus: 'pruned' } : outcome);
      return;
    }
    await this.finish(resultOfOutcome(result.outcome, this.pruned, result.seconds));
  }

  /** Durable when resolved; a store that fences writes may refuse it (the attempt is then lost). */
  private async finish(result: TrialResult): Promise<void> {
    const { env, trial } = this;
    try {
      const record = await env.storage.finishTrial(env.definition.name, trial.trialId, trial.attempts, result);
      env.view.see(record);
      env.counts.finished++;
      env.emit({ type: 'trial-finish', record, at: Date.now() });
    } catch (error) {
      if (!(env.capabilities.fencedWrites && error instanceof TrialStateError)) throw error;
      env.counts.lost++;
      env.emit({ type: 'trial-lost', trialId: trial.trialId, attempt: trial.attempts, reason: error.message, at: Date.now() });
    }
  }

  private async requeue(storeReason: string, eventReason: string, stopped: boolean): Promise<void> {
    const { env, trial } = this;
    await env.storage.requeueTrial(env.definition.name, trial.trialId, trial.attempts, storeReason);
    env.view.see({ ...trial, state: 'waiting', error: storeReason });
    env.counts.requeued++;
    env.emit({ type: 'trial-retry', trialId: trial.trialId, arm: trial.arm, attempt: trial.attempts, reason: eventReason, stopped, at: Date.now() });
  }
}
