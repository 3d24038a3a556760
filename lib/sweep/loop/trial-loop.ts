/**
 * The one trial loop, Optuna-style: ask the proposer for ready trials, claim one from the store,
 * execute it, record its epochs (each through the deterministic pruning gate), then finish,
 * requeue or fail it, retrying within the attempt limit. The local sweep (`runSweep`) is this loop
 * with the sampler-based proposer; a distributed worker (`runWorker`) is this loop without one: it
 * claims whatever trial of the sweep is waiting.
 *
 * Everything about leases lives here, for every store that declares it can: heartbeats while an
 * attempt runs, giving the attempt up when the store says it is no longer ours (fencing by attempt
 * number), releasing other workers' stale trials while waiting on them. Nothing here asks which
 * class a store is: it reads `capabilitiesOf(storage)`.
 *
 * Order of writes: an attempt's result is durable in the store (`finishTrial` resolved) before the
 * trial counts as finished here; a stopped attempt is requeued (onStop 'requeue') or left for the
 * store's own recovery ('abandon').
 */
import type { BackendName } from '../../backend/names';
import type { SweepDefinition } from '../definition';
import type { TrialExecutor } from '../executors/executor';
import type { TrialObjective } from '../objective';
import { NoPruner } from '../pruners/pruner';
import type { Pruner } from '../pruners';
import type { TrialRecord } from '../record';
import type { TrialStorage } from '../storage/storage';
import type { TrialSummary } from '../storage/trial-summary';
import type { AttemptEnvironment } from './attempt';
import { capabilitiesOf } from './capabilities';
import { Claimer } from './claim';
import { runPopulationJob, runSingleJob } from './jobs';
import type { LoopEvent } from './loop-events';
import type { Proposer } from './proposer';
import { PruningGate } from './pruning-gate';
import { LoopView } from './view';

export type { LoopEvent } from './loop-events';

export interface TrialLoopArgs {
  definition: SweepDefinition;
  storage: TrialStorage;
  executor: TrialExecutor;
  /** Proposes ready trials (the local sweep). Without one the loop claims any waiting trial of the sweep (a worker). */
  proposer?: Proposer;
  /** The objective (for populations: `populationKey`). Optional. */
  objective?: TrialObjective;
  /** Decides pruning at each epoch, through the deterministic gate. */
  pruner: Pruner;
  /**
   * Trials the caller already read from the store: full records, or summaries (no epochs; the
   * pruning gate reads the epochs it needs). Default: read here.
   */
  known?: ReadonlyArray<TrialRecord | TrialSummary>;
  /** Name in the store's attempt history. */
  workerId: string;
  /** The backend trials train on, when known (population packing weighs its cost). Optional. */
  backend?: BackendName;
  /** Attempts per trial, the first included, before an error is final. */
  maxAttempts: number;
  /** Seconds between heartbeats of running attempts (stores with heartbeats). */
  heartbeatSeconds: number;
  /** Seconds between looks at a shared store while waiting on other workers. */
  pollSeconds: number;
  /** Stops the loop: running attempts are cancelled. */
  signal?: AbortSignal;
  /** Attempts running when `signal` aborts: 'requeue' returns them to waiting (a worker leaving); 'abandon' records nothing (the store recovers them). */
  onStop: 'requeue' | 'abandon';
  /** Claim at most this many trials. Default: no limit. */
  maxTrials?: number;
  /** Members per population job instead of the definition's `execution.population` (see ClaimerArgs.population). */
  population?: 'auto' | number;
  /** Without a proposer: keep polling while trials run elsewhere (they may come back). Default true. */
  waitForRunning?: boolean;
  onEvent?: (event: LoopEvent) => void;
}

export interface TrialLoopSummary {
  claimed: number;
  /** Trials this loop finished (any final state). */
  finished: number;
  requeued: number;
  /** Attempts whose result the store refused because the trial was no longer theirs. */
  lost: number;
  /** True when `signal` stopped the loop. */
  stopped: boolean;
  /** The loop's picture of the store at the end. */
  view: LoopView;
}

/** One job this loop runs: a trial's attempt, or a population of attempts trained as one computation. */
interface Running {
  trials: TrialRecord[];
  promise: Promise<void>;
  /** Members waiting in the pruning gate for an earlier trial that runs nowhere: while any does, the job holds no slot. */
  blocked: Set<string>;
}

function pause(ms: number, signal?: AbortSignal): { done: Promise<void>; cancel: () => void } {
  let cancel: () => void = () => undefined;
  const done = new Promise<void>((resolve) => {
    const finish = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', finish);
      resolve();
    };
    const timer = setTimeout(finish, ms);
    signal?.addEventListener('abort', finish, { once: true });
    cancel = finish;
  });
  return { done, cancel };
}

/** Runs trials until the proposer is done (or, without one, nothing is left), the signal stops it, or `maxTrials`. */
export async function runTrialLoop(args: TrialLoopArgs): Promise<TrialLoopSummary> {
  const { definition, storage, executor, proposer } = args;
  const name = definition.name;
  const capabilities = capabilitiesOf(storage);
  const emit = (event: LoopEvent): void => args.onEvent?.(event);
  const pollMs = 1000 * args.pollSeconds;
  const view = new LoopView(definition);
  const summary: TrialLoopSummary = { claimed: 0, finished: 0, requeued: 0, lost: 0, stopped: false, view };
  if (args.known !== undefined) for (const record of args.known) 'epochCount' in record ? view.seeSummary(record) : view.see(record);
  else if (proposer !== undefined) await view.refresh(storage);

  /** Running jobs by each member's trial id. */
  const running = new Map<string, Running>();
  const jobs = (): Running[] => [...new Set(running.values())];
  /** Jobs holding a slot: running ones, except those waiting in the gate for a trial that runs nowhere. */
  const busy = (): number => jobs().filter((entry) => entry.blocked.size === 0).length;

  const claimer = new Claimer({
    definition,
    storage,
    executor,
    proposer,
    objective: args.objective,
    view,
    workerId: args.workerId,
    isRunningHere: (trialId) => running.has(trialId),
    freeSlots: () => executor.slots - busy(),
    population: args.population,
    backend: args.backend,
  });
  const gate = new PruningGate({
    pruner: args.pruner,
    view,
    storage,
    shared: capabilities.shared,
    pollMs: capabilities.shared ? pollMs : Math.max(pollMs, 1000),
    scope: proposer === undefined ? undefined : () => claimer.proposedIds,
  });

  let failure: unknown;
  let wake: () => void = () => undefined;
  const stopController = new AbortController();
  /**
   * What to stop when the loop stops: every running attempt's lease and every population job.
   * They register here rather than on `stopController.signal`, which keeps one listener however
   * many attempts run (a listener per attempt piled up past Node's MaxListeners limit of 10 with
   * populations or many slots, and each left listener pins its attempt in memory).
   */
  const stopHandlers = new Set<() => void>();
  stopController.signal.addEventListener(
    'abort',
    () => {
      for (const handler of [...stopHandlers]) handler();
      stopHandlers.clear();
    },
    { once: true },
  );
  const whenStopped = (handler: () => void): (() => void) => {
    if (stopController.signal.aborted) {
      handler();
      return () => undefined;
    }
    stopHandlers.add(handler);
    return () => stopHandlers.delete(handler);
  };
  const stopping = (): boolean => stopController.signal.aborted;
  const onAbort = (): void => {
    if (stopping()) return;
    emit({ type: 'interrupted', running: running.size, at: Date.now() });
    stopController.abort();
    if (args.onStop === 'abandon') executor.cancelAll();
    wake();
  };
  if (args.signal?.aborted) stopController.abort();
  args.signal?.addEventListener('abort', onAbort);
  const fail = (error: unknown): void => {
    failure = failure ?? error;
    if (!stopping()) {
      stopController.abort();
      executor.cancelAll();
    }
    wake();
  };

  const environment: AttemptEnvironment = {
    definition,
    storage,
    capabilities,
    view,
    gate,
    maxAttempts: args.maxAttempts,
    heartbeatSeconds: args.heartbeatSeconds,
    workerId: args.workerId,
    onStop: args.onStop,
    emit,
    stopSignal: stopController.signal,
    whenStopped,
    failed: () => failure !== undefined,
    wake: () => wake(),
    epochAnswers: args.pruner instanceof NoPruner && !capabilities.fencedWrites ? 'none' : 'wait',
    counts: summary,
  };

  const start = (trials: TrialRecord[]): void => {
    summary.claimed += trials.length;
    const entry: Running = { trials, promise: Promise.resolve(), blocked: new Set() };
    entry.promise = (trials.length === 1 ? runSingleJob(environment, executor, trials[0], entry.blocked) : runPopulationJob(environment, executor, trials, entry.blocked))
      .catch(fail)
      .finally(() => {
        for (const trial of trials) running.delete(trial.trialId);
        wake();
      });
    for (const trial of trials) running.set(trial.trialId, entry);
  };

  /**
   * Looks at the trials other workers hold: finished ones enter the picture (history, pruning,
   * progress); ones back to waiting (requeued, or stale and released) may be claimed here. Stale
   * trials are released first, so a dead worker's trial is never waited on forever.
   */
  const pollElsewhere = async (): Promise<void> => {
    const { elsewhere } = claimer;
    if (elsewhere.size === 0) return;
    await storage.failStaleTrials?.(name);
    const current = new Map((await view.refresh(storage, [...elsewhere])).map((record) => [record.trialId, record]));
    for (const trialId of [...elsewhere]) {
      const record = current.get(trialId);
      if (record !== undefined && record.state === 'running') continue;
      elsewhere.delete(trialId);
      if (record !== undefined && view.finished(trialId)) emit({ type: 'trial-finish', record, elsewhere: true, at: Date.now() });
    }
  };

  const maxTrialsReached = (): boolean => args.maxTrials !== undefined && summary.claimed >= args.maxTrials;
  let lastPoll = 0;
  try {
    while (!stopping()) {
      let claimedNow = 0;
      while (busy() < executor.slots && !stopping() && !maxTrialsReached()) {
        const job = await claimer.next();
        if (job === undefined) break;
        claimedNow += job.length;
        start(job);
      }
      if (stopping()) break;
      let needPoll = claimer.elsewhere.size > 0;
      if (running.size === 0) {
        if (proposer !== undefined) {
          if ((claimer.lastProposal ?? claimer.propose()).done) break;
          if (claimer.elsewhere.size === 0) {
            // Nothing runs, nothing was claimable, nothing runs elsewhere: ask once more (a finish may have made trials ready).
            const proposal = claimer.propose();
            if (proposal.done) break;
            if (proposal.trials.some((trial) => !view.finished(trial.trialId))) continue;
            throw new Error(`sweep "${name}": no trial is ready, running or held elsewhere, yet the proposer is not done`);
          }
        } else {
          if (maxTrialsReached()) break;
          if (claimedNow === 0) {
            const counts = await countTrials(storage, name);
            if (counts.running === 0 && counts.waiting === 0) break;
            if (!(args.waitForRunning ?? true)) break;
            emit({ type: 'waiting', running: counts.running, at: Date.now() });
            needPoll = true;
          }
        }
      } else if (proposer === undefined && !maxTrialsReached() && busy() < executor.slots) needPoll = true;
      // Wait for a job to end, a wake-up (a job now waits on an unclaimed trial), or the next look at the store.
      const woken = new Promise<void>((resolve) => (wake = resolve));
      const wait = needPoll ? pause(Math.max(0, lastPoll + pollMs - Date.now()), args.signal) : undefined;
      await Promise.race([...jobs().map((entry) => entry.promise), woken, ...(wait ? [wait.done] : [])]);
      wait?.cancel();
      if (!stopping() && needPoll && Date.now() >= lastPoll + pollMs) {
        lastPoll = Date.now();
        await pollElsewhere();
      }
    }
  } catch (error) {
    fail(error);
  }
  await Promise.all(jobs().map((entry) => entry.promise));
  args.signal?.removeEventListener('abort', onAbort);
  if (failure !== undefined) throw failure;
  summary.stopped = args.signal?.aborted ?? false;
  return summary;
}

/** Trials per state, from the store's count when it has one. */
async function countTrials(storage: TrialStorage, sweepName: string): Promise<{ running: number; waiting: number }> {
  if (storage.countTrials !== undefined) return storage.countTrials(sweepName);
  const open = await storage.listTrials(sweepName, { states: ['waiting', 'running'] });
  return { running: open.filter((record) => record.state === 'running').length, waiting: open.filter((record) => record.state === 'waiting').length };
}
