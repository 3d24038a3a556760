/**
 * The worker loop for a shared store: claim a trial, run it while heartbeating, record the result,
 * repeat until nothing is waiting and nothing is running anywhere (a running trial elsewhere may
 * still go stale and come back, so an idle worker waits for it). Workers may join or leave at any
 * time; a worker that dies is noticed by its missing heartbeats.
 */
import { hostname } from 'os';
import type { EpochRecord } from '../../train/record';
import type { TrialRecord } from '../record';
import { TrialResult, TrialStateError } from '../storage/storage';
import { isRetryableError } from '../executors/executor';
import type { SharedTrialStorage } from './store';

/** What an objective gets besides the trial. */
export interface WorkerTrialContext {
  /** Aborted when this worker lost the trial (stale, taken over) or is stopping: stop early, the result will not count. */
  signal: AbortSignal;
  /** Stores one epoch's values now (durable), so `status`, pruners and reports see progress. */
  reportEpoch(epoch: EpochRecord): Promise<void>;
}

/** Runs one trial. Throwing fails the attempt (retried while attempts remain, unless the error is a configuration error: see isRetryableError). */
export type WorkerObjective = (trial: TrialRecord, context: WorkerTrialContext) => Promise<TrialResult>;

export type WorkerEvent =
  | { type: 'claimed'; trialId: string; attempt: number }
  | { type: 'finished'; trialId: string; attempt: number; state: TrialRecord['state'] }
  | { type: 'requeued'; trialId: string; attempt: number; reason: string }
  | { type: 'lost'; trialId: string; attempt: number; reason: string }
  | { type: 'waiting'; running: number };

/** Options of `runWorker`. */
export interface RunWorkerOptions {
  /** Name in the store's attempt history. Default: `<hostname>:<pid>`. */
  workerId?: string;
  /** Seconds between heartbeats. Default: a third of the sweep's grace period. */
  heartbeatSeconds?: number;
  /** Seconds between looks while other workers' trials are still running. Default: 1. */
  pollSeconds?: number;
  /** Keep polling while trials run elsewhere (they may come back). Default: true. */
  waitForRunning?: boolean;
  /** Stop after this many claimed trials. Default: no limit. */
  maxTrials?: number;
  /** Attempts per trial (first included) before an objective error is final. Default: the sweep's (execution.retries + 1). */
  maxAttempts?: number;
  /** Stop: the running trial is aborted and requeued, then the loop ends. */
  signal?: AbortSignal;
  /** Progress events. */
  onEvent?: (event: WorkerEvent) => void;
}

export interface WorkerSummary {
  claimed: number;
  finished: number;
  requeued: number;
  /** Attempts whose result was refused because the trial was no longer theirs. */
  lost: number;
  /** True when the loop ended because `signal` fired. */
  stopped: boolean;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Claims and runs trials of `sweepName` until none are left (or `signal`, or `maxTrials`). */
export async function runWorker(store: SharedTrialStorage, sweepName: string, objective: WorkerObjective, options: RunWorkerOptions = {}): Promise<WorkerSummary> {
  const sweep = await store.findSweep(sweepName);
  if (!sweep) throw new TrialStateError(`sweep: no sweep named ${JSON.stringify(sweepName)} in this store`);
  const workerId = options.workerId ?? `${hostname()}:${process.pid}`;
  const heartbeatMs = 1000 * (options.heartbeatSeconds ?? sweep.graceSeconds / 3);
  const pollMs = 1000 * (options.pollSeconds ?? 1);
  const maxAttempts = options.maxAttempts ?? sweep.maxAttempts;
  const emit = options.onEvent ?? (() => undefined);
  const summary: WorkerSummary = { claimed: 0, finished: 0, requeued: 0, lost: 0, stopped: false };

  while (!options.signal?.aborted && (options.maxTrials === undefined || summary.claimed < options.maxTrials)) {
    const trial = await store.claimTrial(sweepName, { workerId });
    if (!trial) {
      const counts = await store.countTrials(sweepName);
      if (counts.running === 0 && counts.waiting === 0) break;
      if (!(options.waitForRunning ?? true)) break;
      emit({ type: 'waiting', running: counts.running });
      await sleep(pollMs, options.signal);
      continue;
    }
    summary.claimed++;
    const attempt = trial.attempts;
    emit({ type: 'claimed', trialId: trial.trialId, attempt });

    const lease = new AbortController();
    let lostReason: string | undefined;
    const lose = (reason: string): void => {
      if (lostReason === undefined) lostReason = reason;
      lease.abort();
    };
    const stop = (): void => lease.abort();
    options.signal?.addEventListener('abort', stop, { once: true });
    // Heartbeats from a timer: they only fire while the objective yields to the event loop, so the
    // grace period must exceed the longest synchronous stretch of a trial (an epoch, typically).
    const heartbeat = setInterval(() => {
      store.beat(sweepName, trial.trialId, attempt).then(
        (owned) => {
          if (!owned) lose('heartbeat refused: the trial was judged stale and given to another attempt');
        },
        () => undefined, // Server unreachable: keep training, the next beat retries.
      );
    }, heartbeatMs);
    heartbeat.unref?.();

    try {
      let result: TrialResult | undefined;
      let failure: string | undefined;
      let retryable = true;
      try {
        result = await objective(trial, {
          signal: lease.signal,
          reportEpoch: async (epoch) => {
            if (!(await store.recordOwnedEpoch(sweepName, trial.trialId, attempt, epoch))) lose('epoch refused: the trial belongs to another attempt now');
          },
        });
      } catch (error) {
        failure = messageOf(error);
        retryable = isRetryableError(error);
      }
      if (lostReason !== undefined) {
        summary.lost++;
        emit({ type: 'lost', trialId: trial.trialId, attempt, reason: lostReason });
      } else if (options.signal?.aborted) {
        await store.requeueTrial(sweepName, trial.trialId, attempt, `worker ${workerId} stopped`);
        summary.requeued++;
        emit({ type: 'requeued', trialId: trial.trialId, attempt, reason: 'worker stopped' });
      } else if (failure !== undefined && retryable && attempt < maxAttempts) {
        await store.requeueTrial(sweepName, trial.trialId, attempt, failure);
        summary.requeued++;
        emit({ type: 'requeued', trialId: trial.trialId, attempt, reason: failure });
      } else {
        const outcome: TrialResult = result ?? { state: 'failed', epochs: [], error: retryable ? failure : `${failure} (not retried: a configuration error fails every attempt)` };
        try {
          const record = await store.finishTrial(sweepName, trial.trialId, attempt, outcome);
          summary.finished++;
          emit({ type: 'finished', trialId: trial.trialId, attempt, state: record.state });
        } catch (error) {
          if (!(error instanceof TrialStateError)) throw error;
          summary.lost++;
          emit({ type: 'lost', trialId: trial.trialId, attempt, reason: error.message });
        }
      }
    } finally {
      clearInterval(heartbeat);
      options.signal?.removeEventListener('abort', stop);
    }
  }
  summary.stopped = options.signal?.aborted ?? false;
  return summary;
}
