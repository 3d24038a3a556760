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
import type { EpochRecord } from '../../train/record';
import type { SweepDefinition } from '../definition';
import type { ExecutionResult, PopulationExecutionResult, TrialExecutor } from '../executors/executor';
import type { TrialInput, TrialObjective } from '../objective';
import type { Pruner } from '../pruners';
import type { ArmName, TrialRecord } from '../record';
import { TrialResult, TrialStateError, TrialStorage } from '../storage/storage';
import { capabilitiesOf, StoreCapabilities } from './capabilities';
import { resultOfOutcome } from './outcome';
import type { Proposal, Proposer } from './proposer';
import { PruningGate } from './pruning-gate';
import { LoopView } from './view';

/** What the loop reports (a superset of the sweep's trial events; see lib/sweep/events). */
export type LoopEvent =
  | { type: 'trial-start'; trialId: string; arm: ArmName; index: number; seed: number; attempt: number; at: number }
  | { type: 'trial-epoch'; trialId: string; arm: ArmName; epoch: EpochRecord; pruned: boolean; at: number }
  /** Returned to waiting after attempt `attempt` (an error to retry, or this worker stopping). */
  | { type: 'trial-retry'; trialId: string; arm: ArmName; attempt: number; reason: string; stopped?: boolean; at: number }
  | { type: 'trial-finish'; record: TrialRecord; elsewhere?: boolean; at: number }
  /** The store refused the attempt (stale, claimed again): nothing was recorded. */
  | { type: 'trial-lost'; trialId: string; attempt: number; reason: string; at: number }
  /** Nothing to claim; `running` trials run elsewhere. */
  | { type: 'waiting'; running: number; at: number }
  | { type: 'interrupted'; running: number; at: number };

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
  /** Records the caller already read from the store. Default: read here. */
  known?: readonly TrialRecord[];
  /** Name in the store's attempt history. */
  workerId: string;
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
  const capabilities: StoreCapabilities = capabilitiesOf(storage);
  const emit = (event: LoopEvent): void => args.onEvent?.(event);
  const pollMs = 1000 * args.pollSeconds;
  const view = new LoopView(definition);
  const summary: TrialLoopSummary = { claimed: 0, finished: 0, requeued: 0, lost: 0, stopped: false, view };

  if (args.known !== undefined) for (const record of args.known) view.see(record);
  else if (proposer !== undefined) await view.refresh(storage);

  /** The proposer's trials so far (finished ones of earlier runs included): the plan the pruning gate compares within. */
  const proposedIds = new Set<string>();
  const gate = new PruningGate({
    pruner: args.pruner,
    view,
    storage,
    shared: capabilities.shared,
    pollMs: capabilities.shared ? pollMs : Math.max(pollMs, 1000),
    scope: proposer === undefined ? undefined : () => proposedIds,
  });

  const running = new Map<string, Running>();
  /** Trials the proposer offered that another worker holds: looked at every poll. */
  const elsewhere = new Set<string>();
  const enqueued = new Set<string>();
  let stopping = args.signal?.aborted ?? false;
  let failure: unknown;
  let wake: () => void = () => undefined;
  const stopController = new AbortController();
  const onAbort = (): void => {
    if (stopping) return;
    stopping = true;
    emit({ type: 'interrupted', running: running.size, at: Date.now() });
    stopController.abort();
    if (args.onStop === 'abandon') executor.cancelAll();
    wake();
  };
  args.signal?.addEventListener('abort', onAbort);
  const fail = (error: unknown): void => {
    failure = failure ?? error;
    if (!stopping) {
      stopping = true;
      stopController.abort();
      executor.cancelAll();
    }
    wake();
  };

  /** Attempts holding a slot: running ones, except those waiting in the gate for a trial that runs nowhere. */
  const jobs = (): Running[] => [...new Set(running.values())];
  const busy = (): number => jobs().filter((entry) => entry.blocked.size === 0).length;

  let lastProposal: Proposal | undefined;
  /**
   * Trials per population job: 1 unless the executor and the objective can train populations;
   * then `execution.population` ('auto', Infinity here: the ready trials with an equal key, spread
   * over the free slots). Members are packed in the plan's order, so a member's pruning gate waits
   * only on members before it (populations report each epoch member by member, in order).
   */
  const populationLimit = ((): number => {
    const setting = definition.execution.population ?? 'auto';
    if (executor.executePopulation === undefined || args.objective?.populationKey === undefined || args.objective.runPopulation === undefined) return 1;
    return setting === 'auto' ? Infinity : setting;
  })();
  const populationKeyOf = (trial: Pick<TrialRecord, 'trialId' | 'configId' | 'arm' | 'index' | 'params' | 'seed'>): string | undefined => {
    const input = inputOf({ ...trial, sweepName: name, state: 'waiting', attempts: 1, epochs: [] });
    return input === undefined ? undefined : args.objective!.populationKey!(input);
  };

  /** Claims the next job: one trial, or (populations) the first ready trial and the ready trials after it with an equal population key. */
  const claimNext = async (): Promise<TrialRecord[] | undefined> => {
    if (proposer === undefined) {
      const claimed = await storage.claimTrial(name, { workerId: args.workerId });
      if (claimed !== undefined) view.see(claimed);
      return claimed === undefined ? undefined : [claimed];
    }
    lastProposal = proposer.next(view);
    for (const trial of proposer.proposed()) proposedIds.add(trial.trialId);
    const fresh = lastProposal.trials.filter((trial) => !enqueued.has(trial.trialId));
    if (fresh.length > 0) {
      for (const trial of fresh) enqueued.add(trial.trialId);
      await storage.enqueueTrials(name, fresh);
      view.enqueued(fresh);
    }
    const members: TrialRecord[] = [];
    let key: string | undefined;
    const claimable = lastProposal.trials.filter((spec) => !view.finished(spec.trialId) && !running.has(spec.trialId) && !elsewhere.has(spec.trialId));
    // 'auto' spreads the ready trials over the free slots (each pool worker trains on one core), at least one per job.
    const limit = populationLimit === Infinity ? Math.max(1, Math.ceil(claimable.length / Math.max(1, executor.slots - busy()))) : populationLimit;
    for (const spec of claimable) {
      if (members.length >= limit) break;
      if (view.finished(spec.trialId) || running.has(spec.trialId) || elsewhere.has(spec.trialId)) continue;
      if (members.length > 0 && (key === undefined || populationKeyOf(spec) !== key)) continue;
      const claimed = await storage.claimTrial(name, { trialIds: [spec.trialId], workerId: args.workerId });
      if (claimed === undefined) {
        // Not waiting: another worker of a shared store holds it (or already finished it).
        elsewhere.add(spec.trialId);
        continue;
      }
      view.see(claimed);
      members.push(claimed);
      if (members.length === 1) {
        if (limit <= 1) break;
        key = populationKeyOf(claimed);
        if (key === undefined) break;
      }
    }
    return members.length === 0 ? undefined : members;
  };

  /**
   * Looks at the trials other workers hold: finished ones enter the picture (history, pruning,
   * progress); ones back to waiting (requeued, or stale and released) may be claimed here. Stale
   * trials are released first, so a dead worker's trial is never waited on forever.
   */
  const pollElsewhere = async (): Promise<void> => {
    if (elsewhere.size === 0) return;
    await storage.failStaleTrials?.(name);
    const current = await view.refresh(storage, [...elsewhere]);
    const byId = new Map(current.map((record) => [record.trialId, record]));
    for (const trialId of [...elsewhere]) {
      const record = byId.get(trialId);
      if (record !== undefined && record.state === 'running') continue;
      elsewhere.delete(trialId);
      if (record !== undefined && view.finished(trialId)) emit({ type: 'trial-finish', record, elsewhere: true, at: Date.now() });
    }
  };

  const finish = async (trial: TrialRecord, result: TrialResult): Promise<'finished' | 'lost'> => {
    try {
      const record = await storage.finishTrial(name, trial.trialId, trial.attempts, result);
      view.see(record);
      summary.finished++;
      emit({ type: 'trial-finish', record, at: Date.now() });
      return 'finished';
    } catch (error) {
      if (!(capabilities.fencedWrites && error instanceof TrialStateError)) throw error;
      summary.lost++;
      emit({ type: 'trial-lost', trialId: trial.trialId, attempt: trial.attempts, reason: error.message, at: Date.now() });
      return 'lost';
    }
  };

  const requeue = async (trial: TrialRecord, storeReason: string, eventReason: string, stopped: boolean): Promise<void> => {
    await storage.requeueTrial(name, trial.trialId, trial.attempts, storeReason);
    view.see({ ...trial, state: 'waiting', error: storeReason });
    summary.requeued++;
    emit({ type: 'trial-retry', trialId: trial.trialId, arm: trial.arm, attempt: trial.attempts, reason: eventReason, stopped, at: Date.now() });
  };

  /**
   * Starts one attempt's bookkeeping: the trial-start event, its lease (lost when the store refuses
   * a heartbeat or an epoch), heartbeats, and its epoch handler (record, then the pruning gate).
   * `conclude` turns how the attempt ended into the store's next state.
   */
  const beginAttempt = (trial: TrialRecord, entry: Running) => {
    const attempt = trial.attempts;
    emit({ type: 'trial-start', trialId: trial.trialId, arm: trial.arm, index: trial.index, seed: trial.seed, attempt, at: Date.now() });
    view.startAttempt(trial.trialId, attempt);
    const lease = new AbortController();
    let lostReason: string | undefined;
    const lose = (reason: string): void => {
      lostReason = lostReason ?? reason;
      lease.abort();
    };
    const stopAttempt = (): void => lease.abort();
    stopController.signal.addEventListener('abort', stopAttempt, { once: true });
    // Stores that judge attempts alive by heartbeats get them from a timer while the attempt runs.
    let heartbeat: NodeJS.Timeout | undefined;
    if (capabilities.heartbeats && (storage.beat !== undefined || storage.heartbeat !== undefined)) {
      heartbeat = setInterval(() => {
        if (storage.beat !== undefined) {
          storage.beat(name, trial.trialId, attempt).then(
            (owned) => {
              if (!owned) lose('heartbeat refused: the trial was judged stale and given to another attempt');
            },
            () => undefined, // Store unreachable: keep going, the next beat retries.
          );
        } else void storage.heartbeat!(name, trial.trialId, attempt).catch(() => undefined);
      }, 1000 * args.heartbeatSeconds);
      heartbeat.unref?.();
    }
    let pruned = false;
    let ended = false;

    const onEpoch = async (epoch: EpochRecord): Promise<boolean> => {
      if (lease.signal.aborted || ended) return true;
      view.epoch(trial.trialId, attempt, epoch);
      if (storage.recordOwnedEpoch !== undefined && capabilities.fencedWrites) {
        if (!(await storage.recordOwnedEpoch(name, trial.trialId, attempt, epoch))) {
          lose('epoch refused: the trial belongs to another attempt now');
          return true;
        }
      } else await storage.recordEpoch(name, trial.trialId, attempt, epoch);
      if (!pruned) {
        pruned = await gate.shouldPrune({
          trial,
          epoch: epoch.epoch,
          signal: lease.signal,
          onBlocked: (waitsForUnclaimed) => {
            if (waitsForUnclaimed) entry.blocked.add(trial.trialId);
            else entry.blocked.delete(trial.trialId);
            if (waitsForUnclaimed) wake();
          },
        });
        if (lease.signal.aborted) return true;
      }
      emit({ type: 'trial-epoch', trialId: trial.trialId, arm: trial.arm, epoch, pruned, at: Date.now() });
      return pruned;
    };

    /** Stops heartbeats and listeners; called once the attempt no longer runs. */
    const end = (): void => {
      if (ended) return;
      ended = true;
      if (heartbeat !== undefined) clearInterval(heartbeat);
      stopController.signal.removeEventListener('abort', stopAttempt);
      entry.blocked.delete(trial.trialId);
      view.endAttempt(trial.trialId);
    };

    const conclude = async (result: ExecutionResult): Promise<void> => {
      end();
      if (lostReason !== undefined) {
        summary.lost++;
        emit({ type: 'trial-lost', trialId: trial.trialId, attempt, reason: lostReason, at: Date.now() });
        return;
      }
      if (stopping) {
        if (failure === undefined && args.onStop === 'requeue') await requeue(trial, `worker ${args.workerId} stopped`, 'worker stopped', true);
        return;
      }
      if (result.kind === 'cancelled') return;
      if (result.kind === 'error') {
        // A configuration or shape error fails the same way on every attempt: fail it now.
        if (result.retryable !== false && attempt < args.maxAttempts) {
          await requeue(trial, result.message, result.message, false);
          return;
        }
        const error = `${result.message} (${result.retryable === false ? 'not retried: a configuration error fails every attempt; ' : ''}failed ${attempt} attempt${attempt === 1 ? '' : 's'})`;
        await finish(trial, { state: 'failed', epochs: [], error, seconds: result.seconds });
        return;
      }
      if (result.kind === 'result') {
        const outcome = result.result;
        await finish(trial, pruned && outcome.state === 'complete' ? { ...outcome, state: 'pruned', runStatus: 'pruned' } : outcome);
        return;
      }
      await finish(trial, resultOfOutcome(result.outcome, pruned, result.seconds));
    };

    return { lease, onEpoch, conclude, end };
  };

  const inputOf = (trial: TrialRecord): TrialInput | undefined => {
    const arm = definition.arms.find((candidate) => candidate.name === trial.arm);
    if (arm === undefined) return undefined;
    return { definition, arm, params: trial.params, seed: trial.seed, trialId: trial.trialId, configId: trial.configId, index: trial.index, attempt: trial.attempts };
  };

  const runAttempt = async (trial: TrialRecord, entry: Running): Promise<void> => {
    const member = beginAttempt(trial, entry);
    const input = inputOf(trial);
    let result: ExecutionResult;
    try {
      result =
        input === undefined
          ? { kind: 'error', message: `trial ${trial.trialId}: arm "${trial.arm}" is not in sweep "${name}"`, seconds: 0, retryable: false }
          : await executor.execute({ objective: definition.objective, timeoutSeconds: definition.execution.trialTimeoutSeconds, input }, { signal: member.lease.signal, onEpoch: member.onEpoch });
    } finally {
      member.end();
    }
    await member.conclude(result);
  };

  /**
   * Runs trials as one population job: each member keeps its own lease, heartbeats, pruning and
   * outcome; a member that finishes is made durable at once; when the job fails, every member not
   * yet reported is retried or failed on its own.
   */
  const runPopulationJob = async (trials: TrialRecord[], entry: Running): Promise<void> => {
    const members = trials.map((trial) => beginAttempt(trial, entry));
    const concluded = new Set<number>();
    const concludeMember = async (member: number, result: ExecutionResult): Promise<void> => {
      if (concluded.has(member)) return;
      concluded.add(member);
      await members[member].conclude(result);
    };
    let jobResult: PopulationExecutionResult;
    try {
      jobResult = await executor.executePopulation!(
        { objective: definition.objective, timeoutSeconds: definition.execution.trialTimeoutSeconds, inputs: trials.map((trial) => inputOf(trial)!) },
        {
          signal: stopController.signal,
          onEpoch: (member, epoch) => members[member]?.onEpoch(epoch) ?? Promise.resolve(true),
          onMemberFinished: (member, result) => (members[member] === undefined ? Promise.resolve() : concludeMember(member, result)),
        },
      );
    } finally {
      for (const member of members) member.end();
    }
    const leftover: ExecutionResult =
      jobResult.kind === 'done' ? { kind: 'error', message: 'the population ended without reporting this member', seconds: jobResult.seconds } : jobResult;
    for (let member = 0; member < members.length; member++) await concludeMember(member, leftover);
  };

  const start = (trials: TrialRecord[]): void => {
    summary.claimed += trials.length;
    const entry: Running = { trials, promise: Promise.resolve(), blocked: new Set() };
    entry.promise = (trials.length === 1 ? runAttempt(trials[0], entry) : runPopulationJob(trials, entry))
      .catch(fail)
      .finally(() => {
        for (const trial of trials) running.delete(trial.trialId);
        wake();
      });
    for (const trial of trials) running.set(trial.trialId, entry);
  };

  const maxTrialsReached = (): boolean => args.maxTrials !== undefined && summary.claimed >= args.maxTrials;
  let lastPoll = 0;
  try {
    while (!stopping) {
      let claimedNow = 0;
      while (busy() < executor.slots && !stopping && !maxTrialsReached()) {
        const job = await claimNext();
        if (job === undefined) break;
        claimedNow += job.length;
        start(job);
      }
      if (stopping) break;
      let needPoll = elsewhere.size > 0;
      if (running.size === 0) {
        if (proposer !== undefined) {
          if (lastProposal === undefined) lastProposal = proposer.next(view);
          if (lastProposal.done) break;
          if (elsewhere.size === 0) {
            // Nothing runs, nothing is claimable, nothing runs elsewhere, yet the plan is not done: re-ask once (a finish may have made slots ready).
            lastProposal = proposer.next(view);
            if (lastProposal.done) break;
            if (lastProposal.trials.some((trial) => !view.finished(trial.trialId))) continue;
            throw new Error(`sweep "${name}": no trial is ready, running or held elsewhere, yet the plan is not finished (a proposer that waits on nothing)`);
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
      // Wait for a local attempt, a wake-up (an attempt now waits on an unclaimed trial), or the next look at the store.
      const woken = new Promise<void>((resolve) => (wake = resolve));
      const wait = needPoll ? pause(Math.max(0, lastPoll + pollMs - Date.now()), args.signal) : undefined;
      await Promise.race([...jobs().map((entry) => entry.promise), woken, ...(wait ? [wait.done] : [])]);
      wait?.cancel();
      if (!stopping && needPoll && Date.now() >= lastPoll + pollMs) {
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
