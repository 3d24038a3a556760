/**
 * The worker for a shared store: the sweep's trial loop (lib/sweep/loop) without proposing. Claim
 * a trial, run it while heartbeating, record its epochs through the pruner, record the result,
 * repeat until nothing is waiting and nothing is running anywhere (a running trial elsewhere may
 * still go stale and come back, so an idle worker waits for it). Workers may join or leave at any
 * time; a worker that dies is noticed by its missing heartbeats.
 */
import { hostname } from 'os';
import type { EpochRecord } from '../../train/record';
import type { TrialRecord } from '../record';
import { TrialResult, TrialStateError } from '../storage/storage';
import { errorText, ExecutionHooks, ExecutionResult, isRetryableError, TrialExecutor, TrialJob } from '../executors/executor';
import { createPruner } from '../pruners';
import { runTrialLoop } from '../loop/trial-loop';
import { InProcessExecutor } from '../executors/in-process';
import type { TrialObjective } from '../objective';
import { LayerwiseConfigError } from '../../errors/config-error';
import type { SharedTrialStorage } from './store';

/** What an objective gets besides the trial. */
export interface WorkerTrialContext {
  /** Aborted when this worker lost the trial (stale, taken over) or is stopping: stop early, the result will not count. */
  signal: AbortSignal;
  /**
   * Stores one epoch's values now (durable), so `status`, pruners and reports see progress.
   * Resolves true when the sweep's pruner stops the trial (return promptly: it is recorded as
   * pruned); awaiting it may take a while, as the pruner first waits for earlier trials to reach the epoch.
   */
  reportEpoch(epoch: EpochRecord): Promise<boolean>;
}

/** Runs one trial. Throwing fails the attempt (retried while attempts remain, unless the error is a configuration error: see isRetryableError). */
export type WorkerObjective = (trial: TrialRecord, context: WorkerTrialContext) => Promise<TrialResult>;

/**
 * An objective of the registry (lib/sweep/objective), already loaded in this process
 * (`registeredWorkerObjective` in registry-objective.ts). The worker then runs trials as the local
 * sweep does: in this process through the in-process executor, packing waiting trials with an
 * equal `populationKey` into populations (`runPopulation`).
 */
export interface RegisteredWorkerObjective {
  kind: 'registered';
  /** The registry name (`definition.objective`); the executor resolves it by this name. */
  name: string;
  objective: TrialObjective;
}

/**
 * Members per population job of a worker when the sweep says `execution.population: 'auto'`. A
 * worker cannot see how many others share the waiting trials, so 'auto' is a fixed cap: large
 * enough that the per-step cost is shared (docs/benchmarks.md, population table), small enough
 * that one worker does not take a whole small sweep from the others.
 */
export const WORKER_AUTO_POPULATION = 8;

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
  /**
   * Members per population job (registered objectives that train populations). Default: the
   * sweep's `execution.population`, with 'auto' meaning WORKER_AUTO_POPULATION; 1 trains every
   * trial alone. Ignored for a plain `WorkerObjective` function (it runs one trial at a time).
   */
  population?: number;
  /** Stop: the running trial is aborted and, once its objective has ended, requeued; then the loop ends. */
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

/**
 * Runs a `WorkerObjective` as the trial loop's executor (one attempt at a time): its `reportEpoch`
 * goes through the loop (recorded, then the pruning gate), and its result is the trial's.
 */
class WorkerObjectiveExecutor implements TrialExecutor {
  readonly slots = 1;
  private readonly stops = new Set<AbortController>();

  constructor(private readonly objective: WorkerObjective, private readonly sweepName: string) {}

  async execute(job: TrialJob, hooks: ExecutionHooks): Promise<ExecutionResult> {
    const started = Date.now();
    const seconds = (): number => (Date.now() - started) / 1000;
    const controller = new AbortController();
    const stop = (): void => controller.abort();
    hooks.signal?.addEventListener('abort', stop, { once: true });
    this.stops.add(controller);
    const { input } = job;
    const trial: TrialRecord = {
      trialId: input.trialId,
      configId: input.configId,
      sweepName: this.sweepName,
      arm: input.arm.name,
      index: input.index,
      params: input.params,
      seed: input.seed,
      state: 'running',
      attempts: input.attempt,
      epochs: [],
    };
    try {
      // The objective is awaited even when stopped: the attempt's result is decided only once it has let go.
      const result = await this.objective(trial, { signal: controller.signal, reportEpoch: (epoch) => hooks.onEpoch(epoch) });
      return controller.signal.aborted ? { kind: 'cancelled', seconds: seconds() } : { kind: 'result', result, seconds: seconds() };
    } catch (error) {
      if (controller.signal.aborted) return { kind: 'cancelled', seconds: seconds() };
      return { kind: 'error', message: errorText(error), seconds: seconds(), retryable: isRetryableError(error) };
    } finally {
      hooks.signal?.removeEventListener('abort', stop);
      this.stops.delete(controller);
    }
  }

  cancelAll(): void {
    for (const controller of this.stops) controller.abort();
  }

  async close(): Promise<void> {
    this.cancelAll();
  }
}

/**
 * Claims and runs trials of `sweepName` until none are left (or `signal`, or `maxTrials`): the
 * sweep's one trial loop (lib/sweep/loop) without a proposer. Epochs go through the sweep's pruner
 * (deterministic: it compares with trials earlier in the plan, read from the store), so a
 * distributed sweep prunes exactly as a local one.
 */
export async function runWorker(store: SharedTrialStorage, sweepName: string, objective: WorkerObjective | RegisteredWorkerObjective, options: RunWorkerOptions = {}): Promise<WorkerSummary> {
  const sweep = await store.findSweep(sweepName);
  if (!sweep) throw new TrialStateError(`sweep: no sweep named ${JSON.stringify(sweepName)} in this store`);
  const workerId = options.workerId ?? `${hostname()}:${process.pid}`;
  const emit = options.onEvent ?? (() => undefined);
  const registered = typeof objective === 'function' ? undefined : objective;
  if (registered !== undefined && registered.name !== sweep.definition.objective) {
    throw new TrialStateError(`worker: objective "${registered.name}" given, but sweep "${sweepName}" runs objective "${sweep.definition.objective}"`);
  }
  if (options.population !== undefined && !(Number.isInteger(options.population) && options.population >= 1)) {
    throw new LayerwiseConfigError('population', `: got ${JSON.stringify(options.population)}; allowed: an integer >= 1`);
  }
  const setting = sweep.definition.execution.population ?? 'auto';
  const loop = await runTrialLoop({
    definition: sweep.definition,
    storage: store,
    // A registered objective runs as in a local sweep with `--workers 0`: this process, populations included.
    executor: registered !== undefined ? new InProcessExecutor() : new WorkerObjectiveExecutor(objective as WorkerObjective, sweepName),
    objective: registered?.objective,
    population: options.population ?? (setting === 'auto' ? WORKER_AUTO_POPULATION : setting),
    pruner: createPruner(sweep.definition.pruning ?? { type: 'none' }),
    workerId,
    maxAttempts: options.maxAttempts ?? sweep.maxAttempts,
    heartbeatSeconds: options.heartbeatSeconds ?? sweep.graceSeconds / 3,
    pollSeconds: options.pollSeconds ?? 1,
    signal: options.signal,
    onStop: 'requeue',
    maxTrials: options.maxTrials,
    waitForRunning: options.waitForRunning,
    onEvent: (event) => {
      switch (event.type) {
        case 'trial-start':
          emit({ type: 'claimed', trialId: event.trialId, attempt: event.attempt });
          return;
        case 'trial-finish':
          if (!event.elsewhere) emit({ type: 'finished', trialId: event.record.trialId, attempt: event.record.attempts, state: event.record.state });
          return;
        case 'trial-retry':
          emit({ type: 'requeued', trialId: event.trialId, attempt: event.attempt, reason: event.reason });
          return;
        case 'trial-lost':
          emit({ type: 'lost', trialId: event.trialId, attempt: event.attempt, reason: event.reason });
          return;
        case 'waiting':
          emit({ type: 'waiting', running: event.running });
          return;
        default:
          return;
      }
    },
  });
  return { claimed: loop.claimed, finished: loop.finished, requeued: loop.requeued, lost: loop.lost, stopped: loop.stopped };
}
