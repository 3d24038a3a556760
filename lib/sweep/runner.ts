/**
 * Runs a sweep: plans slots (arm × configuration index, interleaved), samples parameters, enqueues
 * and claims trials in the store, hands attempts to an executor, prunes on validation loss,
 * retries failed attempts up to the limit and records every outcome. Re-running resumes: finished
 * trials are skipped, unfinished ones run again under the same identity.
 *
 * Order of writes: an attempt's result is durable in the store (`finishTrial` resolved) before
 * the next trial is claimed. With the folder's journal only this process writes the store; its
 * pool workers report to it.
 *
 * With a shared store (PostgreSQL) other processes (`layerwise worker`) may claim trials of the
 * same sweep. Non-adaptive samplers enqueue every trial up front so those workers find them at
 * once. A trial this process cannot claim because another worker holds it is waited for: the
 * runner polls the store every `pollSeconds` until it is finished (its result then feeds the
 * sampler, the pruner and the progress events like a local one) or back to waiting (then it is
 * claimed here). The summary is read from the store at the end, so it counts every worker's trials.
 */
import * as path from 'path';
import { LayerwiseConfigError } from '../errors/config-error';
import type { EpochRecord } from '../train/record';
import { divergenceReason } from '../train/divergence';
import { armSpace } from './arms';
import type { SweepDefinition } from './definition';
import { definitionFingerprint } from './definition-config';
import type { SweepEvent, SweepSummary } from './events';
import type { ExecutionResult, TrialExecutor } from './executors/executor';
import { InProcessExecutor } from './executors/in-process';
import { ProcessPoolExecutor, WORKER_THREAD_ENV } from './executors/process-pool';
import type { BackendChoice } from '../backend/measure';
import { chooseSweepBackend } from './backend-choice';
import { loadObjectiveModules, resolveObjective, TrialOutcome } from './objective';
import { configIdentity, planSlots, Shard, Slot, slotTrials } from './plan';
import { createPruner, TrialCurve } from './pruners';
import { EvaluationOutcome, nextEvaluationStep } from './evaluation-stage';
import type { ParameterValues, TrialRecord } from './record';
import { createSampler, Observation, Sampler } from './samplers';
import { SamplerHistory } from './samplers/history';
import { dimensionAllows } from './space';
import { isFinished } from './storage/journal-format';
import { JournalStorage, journalFileName } from './storage/journal-storage';
import type { TrialResult, TrialSpec, TrialStorage } from './storage/storage';

export interface RunSweepArgs {
  /** A validated definition (`fromConfig`). */
  definition: SweepDefinition;
  /** Output folder: the journal store lives there. Required unless `storage` is given. */
  directory?: string;
  /** Store to use instead of the folder's journal. */
  storage?: TrialStorage;
  /** Executor to use. Default: a process pool of `workers` workers, or in-process when `workers` is 0. */
  executor?: TrialExecutor;
  /** Worker processes for the default executor; 0 runs trials in this process. Default: number of CPU cores. */
  workers?: number;
  /** User modules that register objectives or datasets (loaded here and in every worker). Default []. */
  objectiveModules?: string[];
  /**
   * Backend of every trial (`--backend`): `auto`, `tensorflow`, `cpu` or `wasm`. Default: the
   * `LAYERWISE_BACKEND` variable, else the definition's `execution.backend`, else `auto` (measured;
   * see lib/sweep/backend-choice).
   */
  backend?: string;
  /** Run only this static shard's slice of the slots. Default: all. */
  shard?: Shard;
  /** Continue a sweep whose stored definition differs. Default false. */
  extend?: boolean;
  /** Aborting stops the sweep: running attempts are cancelled (not recorded) and the store stays resumable. */
  signal?: AbortSignal;
  /** Receives progress events. */
  onEvent?: (event: SweepEvent) => void;
  /**
   * Shared stores: create the sweep, enqueue every trial and return without running or waiting
   * (other processes' `layerwise worker` run them). Needs a non-adaptive sampler (grid, random):
   * a model-based sampler picks each configuration from finished results, so it needs a running
   * coordinator. Default false.
   */
  enqueueOnly?: boolean;
  /** Seconds between looks at the store for trials that other workers are running (shared stores). Default: 1. */
  pollSeconds?: number;
  /** Seconds between heartbeats of this process's running trials, for stores that take them (PostgreSQL). Default: 10. */
  heartbeatSeconds?: number;
}

/** A wait that ends after `ms`, when `signal` aborts, or when cancelled (its timer cleared). */
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

interface SlotState {
  slot: Slot;
  params?: ParameterValues;
  trials?: TrialSpec[];
}

/** Maps an objective's outcome to the trial's final state; non-finite losses count as divergence. */
export function resultOfOutcome(outcome: TrialOutcome, pruned: boolean, seconds: number): TrialResult {
  const base: Omit<TrialResult, 'state'> = { epochs: outcome.epochs ?? [], final: outcome.final, runStatus: outcome.status, backend: outcome.backend, seconds };
  if (outcome.trainingPath !== undefined) base.trainingPath = outcome.trainingPath;
  if (outcome.generalPathReason !== undefined) base.generalPathReason = outcome.generalPathReason;
  // Every diverged trial carries its reason in words (in `error`).
  if (outcome.status === 'diverged') {
    const divergedAtEpoch = outcome.divergedAtEpoch ?? firstBadEpoch(base.epochs);
    return { ...base, state: 'diverged', divergedAtEpoch, error: divergenceReason(base.epochs, divergedAtEpoch) };
  }
  const badEpoch = firstBadEpoch(base.epochs);
  const finalBad = outcome.final !== undefined && !finiteEpoch(outcome.final);
  if (badEpoch !== undefined || finalBad) {
    const divergedAtEpoch = badEpoch ?? outcome.final?.epoch;
    return { ...base, state: 'diverged', runStatus: 'diverged', divergedAtEpoch, error: divergenceReason(outcome.final !== undefined && badEpoch === undefined ? [outcome.final] : base.epochs, divergedAtEpoch) };
  }
  if (pruned || outcome.status === 'pruned') return { ...base, state: 'pruned', runStatus: 'pruned' };
  return { ...base, state: 'complete' };
}

function finiteEpoch(epoch: EpochRecord): boolean {
  return Number.isFinite(epoch.train?.loss) && (epoch.validation === undefined || Number.isFinite(epoch.validation.loss));
}

function firstBadEpoch(epochs: readonly EpochRecord[]): number | undefined {
  return epochs.find((epoch) => !finiteEpoch(epoch))?.epoch;
}

/**
 * What adaptive samplers learn from: per configuration of `arm`, the mean final VALIDATION loss of
 * its complete seeds. Train and test metrics never enter (test metrics must not select).
 */
export function observationsOf(records: readonly TrialRecord[], arm: string): Observation[] {
  const byConfig = new Map<string, { params: ParameterValues; losses: number[]; finished: number; pruned: number }>();
  for (const record of records) {
    if (record.arm !== arm || !isFinished(record)) continue;
    const entry = byConfig.get(record.configId) ?? { params: record.params, losses: [], finished: 0, pruned: 0 };
    entry.finished++;
    if (record.state === 'pruned') entry.pruned++;
    const loss = record.final?.validation?.loss;
    if (record.state === 'complete' && loss !== undefined && Number.isFinite(loss)) entry.losses.push(loss);
    byConfig.set(record.configId, entry);
  }
  const observations: Observation[] = [];
  for (const entry of byConfig.values()) {
    // A configuration whose seeds were only pruned says little about its final loss: leave it out.
    if (entry.losses.length === 0 && entry.pruned === entry.finished) continue;
    observations.push(entry.losses.length > 0 ? { params: entry.params, value: entry.losses.reduce((a, b) => a + b, 0) / entry.losses.length } : { params: entry.params });
  }
  return observations;
}

/** Runs (or resumes) a sweep until every trial in scope is finished or the signal aborts it. */
export async function runSweep(args: RunSweepArgs): Promise<SweepSummary> {
  const started = Date.now();
  const { definition } = args;
  const emit = (event: SweepEvent): void => args.onEvent?.(event);
  loadObjectiveModules(args.objectiveModules ?? []);
  const objective = resolveObjective(definition.objective);
  objective.validate?.(definition);
  if (args.storage === undefined && args.directory === undefined) throw new LayerwiseConfigError('directory', ': an output folder (or a storage) is required');

  const storage: TrialStorage = args.storage ?? new JournalStorage({ directory: args.directory!, fileName: journalFileName(args.shard) });
  await storage.openSweep({ definition, fingerprint: definitionFingerprint(definition), extend: args.extend });
  const inProcess = args.workers === 0 || args.enqueueOnly === true;
  /** The executor this call creates (and closes); none when `args.executor` is given. */
  let ownedExecutor: TrialExecutor | undefined;

  try {
    // Before the first trial: the backend every trial trains on (measured for `auto`), recorded and announced.
    let backend: BackendChoice | undefined;
    if (!args.enqueueOnly) {
      backend = await chooseSweepBackend({ definition, objective, option: args.backend, trainingThreadEnv: inProcess || args.executor !== undefined ? undefined : WORKER_THREAD_ENV });
      if (backend !== undefined) {
        await storage.recordBackendChoice?.(definition.name, backend);
        emit({ type: 'backend', choice: backend, at: Date.now() });
      }
    }
    const executor: TrialExecutor =
      args.executor ??
      (ownedExecutor = inProcess
        ? new InProcessExecutor()
        : new ProcessPoolExecutor({ workers: args.workers, objectiveModules: args.objectiveModules, backend: backend?.backend }));

    const sampler: Sampler = createSampler(definition.sampler);
    const pruner = createPruner(definition.pruning);
    const stored = await storage.listTrials(definition.name);
    const records = new Map<string, TrialRecord>();
    // What adaptive samplers learn from, updated as trials finish (never rebuilt from every record per proposal).
    const seedOrder = new Map(definition.seeds.map((seed, position) => [seed, position]));
    const history = new SamplerHistory({ position: (trial) => trial.index * definition.seeds.length + (seedOrder.get(trial.seed) ?? definition.seeds.length - 1) });
    const remember = (record: TrialRecord): void => {
      records.set(record.trialId, record);
      // Evaluation re-runs (fresh seeds, after selection) never feed the sampler.
      if (record.role !== 'evaluation') history.see(record);
    };
    for (const record of stored) remember(record);
    const slots: SlotState[] = planSlots(definition, args.shard).map((slot) => ({ slot }));
    const usedConfigs = new Map<string, Set<string>>(definition.arms.map((arm) => [arm.name, new Set<string>()]));

    const adopt = (state: SlotState, params: ParameterValues): void => {
      state.params = params;
      state.trials = slotTrials(definition, state.slot, params);
      usedConfigs.get(state.slot.arm.name)!.add(state.trials[0].configId);
    };
    // Adaptive samplers: a slot sampled by an earlier run keeps its parameters when they still fit.
    for (const state of slots) {
      if (!sampler.adaptive) continue;
      const space = armSpace(definition, state.slot.arm);
      const earlier = stored.find(
        (record) =>
          record.arm === state.slot.arm.name &&
          record.index === state.slot.index &&
          Object.keys(space).length === Object.keys(record.params).length &&
          Object.entries(space).every(([name, dimension]) => record.params[name] !== undefined && dimensionAllows(dimension, record.params[name])) &&
          record.configId === configIdentity(definition, state.slot.arm, record.params),
      );
      if (earlier !== undefined) adopt(state, earlier.params);
    }
    /**
     * Determinism of adaptive samplers (same proposals on 1 or N workers and after resumes): the
     * proposal for configuration `index` of an arm sees exactly the arm's configurations with a
     * lower index, every seed finished, listed in index order with seed losses summed in seed
     * order (the history's `position`), never whatever happened to finish first. `slotReady`
     * holds a slot back until that is so: per arm, slots above the lowest configuration index with
     * a trial not finished (or not yet sampled) wait. Other arms and already-sampled slots run on.
     */
    const firstUnfinished = (): Map<string, number> => {
      const lowest = new Map<string, number>();
      for (const state of slots) {
        const arm = state.slot.arm.name;
        if ((lowest.get(arm) ?? Infinity) <= state.slot.index) continue;
        const done = state.trials !== undefined && state.trials.every((trial) => { const record = records.get(trial.trialId); return record !== undefined && isFinished(record); });
        if (!done) lowest.set(arm, state.slot.index);
      }
      return lowest;
    };
    const slotReady = (state: SlotState, lowest: Map<string, number>): boolean =>
      state.params !== undefined || !sampler.adaptive || state.slot.index <= (lowest.get(state.slot.arm.name) ?? Infinity);
    const sampleSlot = (state: SlotState): void => {
      if (state.params !== undefined) return;
      const space = armSpace(definition, state.slot.arm);
      const observations = history.observations(state.slot.arm.name, state.slot.index);
      const used = usedConfigs.get(state.slot.arm.name)!;
      for (let retry = 0; retry < 100; retry++) {
        const params = sampler.sample({ space, arm: state.slot.arm.name, index: state.slot.index, budget: definition.budget, history: observations, retry });
        if (!used.has(configIdentity(definition, state.slot.arm, params)) || retry === 99) {
          adopt(state, params);
          return;
        }
      }
    };
    // Non-adaptive samplers: every slot is known now, so the scope's size and finished trials are exact.
    if (!sampler.adaptive) for (const state of slots) sampleSlot(state);
    // A shared store's other workers can only run what is enqueued: enqueue every known trial now.
    const shared = !(storage instanceof JournalStorage);
    if (args.enqueueOnly && !shared) throw new LayerwiseConfigError('storage', ': enqueueing without running (--enqueue-only) needs a shared store (--storage postgres://...)');
    if (args.enqueueOnly && sampler.adaptive) {
      throw new LayerwiseConfigError(
        'sampler.type',
        `: "${definition.sampler.type}" chooses each configuration from finished results, so it cannot be enqueued ahead (--enqueue-only); ` +
          'allowed with --enqueue-only: "grid", "random"; or keep `layerwise sweep --storage` running as the coordinator',
      );
    }
    if (shared && !sampler.adaptive) await storage.enqueueTrials(definition.name, slots.flatMap((state) => state.trials ?? []));

    const total = slots.length * definition.seeds.length;
    const finishedInScope = (): TrialRecord[] =>
      slots.flatMap((state) => (state.trials ?? []).map((trial) => records.get(trial.trialId)).filter((record): record is TrialRecord => record !== undefined && isFinished(record)));
    const alreadyFinished = finishedInScope();
    emit({
      type: 'start',
      sweepName: definition.name,
      total,
      alreadyFinished: alreadyFinished.length,
      finishedRecords: alreadyFinished,
      slots: executor.slots,
      shard: args.shard,
      journal: storage instanceof JournalStorage ? storage.file : undefined,
      at: Date.now(),
    });

    // Work queue: (slot, seed position) pairs in run order; retried trials go back to the front.
    const queue: Array<{ state: SlotState; seedPosition: number }> = [];
    for (const state of slots) for (let seedPosition = 0; seedPosition < definition.seeds.length; seedPosition++) queue.push({ state, seedPosition });

    const curves = new Map<string, Map<string, TrialCurve>>(definition.arms.map((arm) => [arm.name, new Map()]));
    for (const record of records.values()) {
      if ((record.state === 'complete' || record.state === 'pruned') && curves.has(record.arm) && record.role !== 'evaluation') {
        curves.get(record.arm)!.set(record.trialId, { trialId: record.trialId, state: record.state, validationLosses: record.epochs.map((epoch) => epoch.validation?.loss ?? NaN) });
      }
    }

    let interrupted = args.signal?.aborted ?? false;
    let finishedThisRun = 0;
    const onAbort = (): void => {
      if (interrupted) return;
      interrupted = true;
      emit({ type: 'interrupted', running: running.size, at: Date.now() });
      executor.cancelAll();
    };
    args.signal?.addEventListener('abort', onAbort);
    const running = new Map<string, Promise<void>>();
    /** Trials of this run's scope that another worker holds (shared stores): waited for, by id. */
    const elsewhere = new Map<string, { state: SlotState; seedPosition: number }>();

    const updateCurve = (record: TrialRecord): void => {
      const armCurves = curves.get(record.arm);
      if (armCurves === undefined || record.role === 'evaluation') return;
      if (record.state === 'complete' || record.state === 'pruned') {
        armCurves.set(record.trialId, { trialId: record.trialId, state: record.state, validationLosses: record.epochs.map((epoch) => epoch.validation?.loss ?? NaN) });
      } else armCurves.delete(record.trialId);
    };

    /**
     * Looks at the trials other workers hold: finished ones become this run's knowledge (history,
     * curves, progress); ones back to waiting (requeued, or stale and released) go to the front
     * of the queue to be claimed here. Stale trials are released first, so a dead worker's trial
     * is never waited on forever.
     */
    const pollElsewhere = async (): Promise<void> => {
      if (elsewhere.size === 0) return;
      await storage.failStaleTrials?.(definition.name);
      const current = new Map((await storage.listTrials(definition.name, { trialIds: [...elsewhere.keys()] })).map((record) => [record.trialId, record]));
      for (const [trialId, item] of [...elsewhere]) {
        const record = current.get(trialId);
        if (record !== undefined && record.state === 'running') continue;
        elsewhere.delete(trialId);
        if (record !== undefined && isFinished(record)) {
          remember(record);
          updateCurve(record);
          emit({ type: 'trial-finish', record, elsewhere: true, at: Date.now() });
        } else queue.unshift(item);
      }
    };

    const claimNext = async (): Promise<{ trial: TrialRecord; state: SlotState } | undefined> => {
      // The first item in run order whose slot may be sampled now (see `slotReady`); the others keep their places.
      // Claims here finish nothing, so the lowest unfinished indices hold for this whole call.
      const lowest = firstUnfinished();
      for (let position = queue.findIndex((item) => slotReady(item.state, lowest)); position >= 0; position = queue.findIndex((item) => slotReady(item.state, lowest))) {
        const [item] = queue.splice(position, 1);
        sampleSlot(item.state);
        const spec = item.state.trials![item.seedPosition];
        const known = records.get(spec.trialId);
        if (known !== undefined && isFinished(known)) continue;
        if (running.has(spec.trialId) || elsewhere.has(spec.trialId)) continue;
        await storage.enqueueTrials(definition.name, item.state.trials!);
        const claimed = await storage.claimTrial(definition.name, { trialIds: [spec.trialId], workerId: `pid ${process.pid}` });
        if (claimed === undefined) {
          // Not waiting: another worker of a shared store holds it (or already finished it).
          elsewhere.set(spec.trialId, item);
          continue;
        }
        remember(claimed);
        return { trial: claimed, state: item.state };
      }
      return undefined;
    };

    const runAttempt = async (trial: TrialRecord, state: SlotState): Promise<void> => {
      const attempt = trial.attempts;
      emit({ type: 'trial-start', trialId: trial.trialId, arm: trial.arm, index: trial.index, seed: trial.seed, attempt, at: Date.now() });
      // Evaluation trials are never pruned (their test metric is the answer) and never judge others.
      const evaluation = trial.role === 'evaluation';
      const armCurves = evaluation ? new Map<string, TrialCurve>() : curves.get(trial.arm)!;
      const curve: TrialCurve & { validationLosses: number[] } = { trialId: trial.trialId, state: 'running', validationLosses: [] };
      armCurves.set(trial.trialId, curve);
      let pruned = false;
      // Shared stores judge a trial stale by its heartbeats: keep ours coming while it runs.
      const heartbeat =
        storage.heartbeat === undefined
          ? undefined
          : setInterval(() => void storage.heartbeat!(definition.name, trial.trialId, attempt).catch(() => undefined), 1000 * (args.heartbeatSeconds ?? 10));
      heartbeat?.unref?.();
      const result: ExecutionResult = await executor
        .execute(
        {
          objective: definition.objective,
          timeoutSeconds: definition.execution.trialTimeoutSeconds,
          input: { definition, arm: state.slot.arm, params: trial.params, seed: trial.seed, trialId: trial.trialId, configId: trial.configId, index: trial.index, attempt },
        },
        {
          onEpoch: async (epoch) => {
            if (interrupted) return true;
            curve.validationLosses[epoch.epoch - 1] = epoch.validation?.loss ?? NaN;
            const others = [...armCurves.values()].filter((other) => other.trialId !== trial.trialId);
            pruned = pruned || (!evaluation && pruner.shouldPrune({ trialId: trial.trialId, epoch: epoch.epoch, validationLosses: curve.validationLosses, others }));
            await storage.recordEpoch(definition.name, trial.trialId, attempt, epoch);
            emit({ type: 'trial-epoch', trialId: trial.trialId, arm: trial.arm, epoch, pruned, at: Date.now() });
            return pruned;
          },
        },
        )
        .finally(() => clearInterval(heartbeat));
      if (result.kind === 'cancelled' || interrupted) {
        armCurves.delete(trial.trialId);
        return;
      }
      if (result.kind === 'error') {
        armCurves.delete(trial.trialId);
        // A configuration or shape error fails the same way on every attempt: fail it now.
        if (result.retryable !== false && attempt < 1 + definition.execution.retries) {
          await storage.requeueTrial(definition.name, trial.trialId, attempt, result.message);
          remember({ ...trial, state: 'waiting', error: result.message });
          emit({ type: 'trial-retry', trialId: trial.trialId, arm: trial.arm, attempt, reason: result.message, at: Date.now() });
          queue.unshift({ state, seedPosition: state.trials!.findIndex((spec) => spec.trialId === trial.trialId) });
          return;
        }
        const record = await storage.finishTrial(definition.name, trial.trialId, attempt, { state: 'failed', epochs: [], error: `${result.message} (${result.retryable === false ? 'not retried: a configuration error fails every attempt; ' : ''}failed ${attempt} attempt${attempt === 1 ? '' : 's'})`, seconds: result.seconds });
        remember(record);
        finishedThisRun++;
        emit({ type: 'trial-finish', record, at: Date.now() });
        return;
      }
      const record = await storage.finishTrial(definition.name, trial.trialId, attempt, resultOfOutcome(result.outcome, pruned, result.seconds));
      remember(record);
      if (record.state === 'complete' || record.state === 'pruned') curve.state = record.state;
      else armCurves.delete(trial.trialId);
      finishedThisRun++;
      emit({ type: 'trial-finish', record, at: Date.now() });
    };

    /**
     * After selection: the evaluation stage (lib/sweep/evaluation-stage.ts) says which fresh-seed
     * re-runs of the selected configurations come next; they join the queue like any trial. True
     * when it queued something. Not for a static shard (it sees only its slice of the selection)
     * nor for --enqueue-only.
     */
    let evaluationOutcome: EvaluationOutcome | undefined;
    const enqueueEvaluation = async (): Promise<boolean> => {
      if (definition.evaluation === undefined || args.shard !== undefined || args.enqueueOnly || interrupted) return false;
      const step = nextEvaluationStep({ definition, trials: [...records.values()] });
      if (step.kind === 'wait') return false;
      evaluationOutcome = step.outcome;
      // Only trials not finished, running or held elsewhere: a store that dropped the role would otherwise be asked for the same finished trials forever.
      const fresh =
        step.kind === 'run'
          ? step.trials.filter((spec) => { const known = records.get(spec.trialId); return (known === undefined || !isFinished(known)) && !running.has(spec.trialId) && !elsewhere.has(spec.trialId); })
          : [];
      emit({ type: 'evaluation', outcome: step.outcome, queued: fresh.length, at: Date.now() });
      for (const spec of fresh) {
        const arm = definition.arms.find((candidate) => candidate.name === spec.arm)!;
        queue.push({ state: { slot: { arm, index: spec.index, position: -1 }, params: spec.params, trials: [spec] }, seedPosition: 0 });
      }
      return fresh.length > 0;
    };

    let failure: unknown;
    // Enqueue only: the loop below does nothing (an empty queue claims nothing, nothing is waited for).
    if (args.enqueueOnly) queue.length = 0;
    const pollMs = 1000 * (args.pollSeconds ?? 1);
    let lastPoll = 0;
    while (!interrupted && failure === undefined) {
      try {
        while (running.size < executor.slots && !interrupted) {
          const next = await claimNext();
          if (next === undefined) break;
          const { trial, state } = next;
          const promise = runAttempt(trial, state)
            .catch((error: unknown) => {
              failure = failure ?? error;
              onAbort();
            })
            .finally(() => running.delete(trial.trialId));
          running.set(trial.trialId, promise);
        }
        if (running.size === 0 && elsewhere.size === 0) {
          // Selection (or the last look's trials) done: the evaluation stage may queue more.
          if (await enqueueEvaluation()) continue;
          break;
        }
        if (elsewhere.size === 0) {
          await Promise.race(running.values());
          continue;
        }
        // Wait for a local trial or the next look at the other workers' trials, whichever comes first.
        const wait = pause(Math.max(0, lastPoll + pollMs - Date.now()), args.signal);
        await Promise.race([...running.values(), wait.done]);
        wait.cancel();
        if (!interrupted && Date.now() >= lastPoll + pollMs) {
          lastPoll = Date.now();
          await pollElsewhere();
        }
      } catch (error) {
        // The store failed (unreachable past its retries): stop like an interruption, then report it.
        failure = failure ?? error;
        onAbort();
      }
    }
    await Promise.all(running.values());
    args.signal?.removeEventListener('abort', onAbort);
    if (failure !== undefined) throw failure;

    // The store is the truth: other workers may have finished trials of this scope too.
    for (const record of await storage.listTrials(definition.name)) remember(record);
    const finished = finishedInScope();
    const summary: SweepSummary = {
      sweepName: definition.name,
      total,
      complete: finished.filter((record) => record.state === 'complete').length,
      pruned: finished.filter((record) => record.state === 'pruned').length,
      diverged: finished.filter((record) => record.state === 'diverged').length,
      failed: finished.filter((record) => record.state === 'failed').length,
      finishedThisRun,
      interrupted,
      seconds: (Date.now() - started) / 1000,
      records: finished,
    };
    if (evaluationOutcome !== undefined) {
      summary.evaluation = evaluationOutcome;
      summary.evaluationRecords = [...records.values()].filter((record) => record.role === 'evaluation' && isFinished(record));
    }
    emit({ type: 'end', summary, at: Date.now() });
    return summary;
  } finally {
    await ownedExecutor?.close();
    if (args.storage === undefined) await storage.close();
  }
}

/** Default output folder of a sweep file: `sweeps/<name>` next to the working directory. */
export function defaultOutputFolder(definition: SweepDefinition): string {
  return path.join('sweeps', definition.name);
}
