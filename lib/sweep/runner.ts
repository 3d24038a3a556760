/**
 * Runs a sweep: plans slots (arm × configuration index, interleaved), samples parameters, enqueues
 * and claims trials in the store, hands attempts to an executor, prunes on validation loss,
 * retries failed attempts up to the limit and records every outcome. Re-running resumes: finished
 * trials are skipped, unfinished ones run again under the same identity.
 *
 * Order of writes: an attempt's result is durable in the store (`finishTrial` resolved) before
 * the next trial is claimed. Only this process writes the store; workers report to it.
 */
import * as path from 'path';
import { LayerwiseConfigError } from '../errors/config-error';
import type { EpochRecord } from '../train/record';
import { armSpace } from './arms';
import type { SweepDefinition } from './definition';
import { definitionFingerprint } from './definition-config';
import type { SweepEvent, SweepSummary } from './events';
import type { ExecutionResult, TrialExecutor } from './executors/executor';
import { InProcessExecutor } from './executors/in-process';
import { ProcessPoolExecutor } from './executors/process-pool';
import { loadObjectiveModules, resolveObjective, TrialOutcome } from './objective';
import { configIdentity, planSlots, Shard, Slot, slotTrials } from './plan';
import { createPruner, TrialCurve } from './pruners';
import type { ParameterValues, TrialRecord } from './record';
import { createSampler, Observation, Sampler } from './samplers';
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
  /** Modules that register objectives (loaded here and in every worker). Default []. */
  objectiveModules?: string[];
  /** Run only this static shard's slice of the slots. Default: all. */
  shard?: Shard;
  /** Continue a sweep whose stored definition differs. Default false. */
  extend?: boolean;
  /** Aborting stops the sweep: running attempts are cancelled (not recorded) and the store stays resumable. */
  signal?: AbortSignal;
  /** Receives progress events. */
  onEvent?: (event: SweepEvent) => void;
}

interface SlotState {
  slot: Slot;
  params?: ParameterValues;
  trials?: TrialSpec[];
}

/** Maps an objective's outcome to the trial's final state; non-finite losses count as divergence. */
export function resultOfOutcome(outcome: TrialOutcome, pruned: boolean, seconds: number): TrialResult {
  const base = { epochs: outcome.epochs ?? [], final: outcome.final, runStatus: outcome.status, backend: outcome.backend, seconds };
  if (outcome.status === 'diverged') return { ...base, state: 'diverged', divergedAtEpoch: outcome.divergedAtEpoch ?? firstBadEpoch(base.epochs) };
  const badEpoch = firstBadEpoch(base.epochs);
  const finalBad = outcome.final !== undefined && !finiteEpoch(outcome.final);
  if (badEpoch !== undefined || finalBad) return { ...base, state: 'diverged', runStatus: 'diverged', divergedAtEpoch: badEpoch ?? outcome.final?.epoch };
  if (pruned || outcome.status === 'pruned') return { ...base, state: 'pruned', runStatus: 'pruned' };
  return { ...base, state: 'complete' };
}

function finiteEpoch(epoch: EpochRecord): boolean {
  return Number.isFinite(epoch.train?.loss) && (epoch.validation === undefined || Number.isFinite(epoch.validation.loss));
}

function firstBadEpoch(epochs: readonly EpochRecord[]): number | undefined {
  return epochs.find((epoch) => !finiteEpoch(epoch))?.epoch;
}

function observationsOf(records: readonly TrialRecord[], arm: string): Observation[] {
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
  resolveObjective(definition.objective).validate?.(definition);
  if (args.storage === undefined && args.directory === undefined) throw new LayerwiseConfigError('directory', ': an output folder (or a storage) is required');

  const storage = args.storage ?? new JournalStorage({ directory: args.directory!, fileName: journalFileName(args.shard) });
  await storage.openSweep({ definition, fingerprint: definitionFingerprint(definition), extend: args.extend });
  const executor =
    args.executor ??
    (args.workers === 0 ? new InProcessExecutor() : new ProcessPoolExecutor({ workers: args.workers, objectiveModules: args.objectiveModules }));
  const ownsExecutor = args.executor === undefined;

  try {
    const sampler: Sampler = createSampler(definition.sampler);
    const pruner = createPruner(definition.pruning);
    const stored = await storage.listTrials(definition.name);
    const records = new Map<string, TrialRecord>(stored.map((record) => [record.trialId, record]));
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
    const sampleSlot = (state: SlotState): void => {
      if (state.params !== undefined) return;
      const space = armSpace(definition, state.slot.arm);
      const history = observationsOf([...records.values()], state.slot.arm.name);
      const used = usedConfigs.get(state.slot.arm.name)!;
      for (let retry = 0; retry < 100; retry++) {
        const params = sampler.sample({ space, arm: state.slot.arm.name, index: state.slot.index, budget: definition.budget, history, retry });
        if (!used.has(configIdentity(definition, state.slot.arm, params)) || retry === 99) {
          adopt(state, params);
          return;
        }
      }
    };
    // Non-adaptive samplers: every slot is known now, so the scope's size and finished trials are exact.
    if (!sampler.adaptive) for (const state of slots) sampleSlot(state);

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
      if ((record.state === 'complete' || record.state === 'pruned') && curves.has(record.arm)) {
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

    const claimNext = async (): Promise<{ trial: TrialRecord; state: SlotState } | undefined> => {
      while (queue.length > 0) {
        const item = queue.shift()!;
        sampleSlot(item.state);
        const spec = item.state.trials![item.seedPosition];
        const known = records.get(spec.trialId);
        if (known !== undefined && isFinished(known)) continue;
        if (running.has(spec.trialId)) continue;
        await storage.enqueueTrials(definition.name, item.state.trials!);
        const claimed = await storage.claimTrial(definition.name, { trialIds: [spec.trialId], workerId: `pid ${process.pid}` });
        if (claimed === undefined) continue;
        records.set(claimed.trialId, claimed);
        return { trial: claimed, state: item.state };
      }
      return undefined;
    };

    const runAttempt = async (trial: TrialRecord, state: SlotState): Promise<void> => {
      const attempt = trial.attempts;
      emit({ type: 'trial-start', trialId: trial.trialId, arm: trial.arm, index: trial.index, seed: trial.seed, attempt, at: Date.now() });
      const armCurves = curves.get(trial.arm)!;
      const curve: TrialCurve & { validationLosses: number[] } = { trialId: trial.trialId, state: 'running', validationLosses: [] };
      armCurves.set(trial.trialId, curve);
      let pruned = false;
      const result: ExecutionResult = await executor.execute(
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
            pruned = pruned || pruner.shouldPrune({ trialId: trial.trialId, epoch: epoch.epoch, validationLosses: curve.validationLosses, others });
            await storage.recordEpoch(definition.name, trial.trialId, attempt, epoch);
            emit({ type: 'trial-epoch', trialId: trial.trialId, arm: trial.arm, epoch, pruned, at: Date.now() });
            return pruned;
          },
        },
      );
      if (result.kind === 'cancelled' || interrupted) {
        armCurves.delete(trial.trialId);
        return;
      }
      if (result.kind === 'error') {
        armCurves.delete(trial.trialId);
        if (attempt < 1 + definition.execution.retries) {
          await storage.requeueTrial(definition.name, trial.trialId, attempt, result.message);
          records.set(trial.trialId, { ...trial, state: 'waiting', error: result.message });
          emit({ type: 'trial-retry', trialId: trial.trialId, arm: trial.arm, attempt, reason: result.message, at: Date.now() });
          queue.unshift({ state, seedPosition: state.trials!.findIndex((spec) => spec.trialId === trial.trialId) });
          return;
        }
        const record = await storage.finishTrial(definition.name, trial.trialId, attempt, { state: 'failed', epochs: [], error: `${result.message} (failed ${attempt} attempt${attempt === 1 ? '' : 's'})`, seconds: result.seconds });
        records.set(record.trialId, record);
        finishedThisRun++;
        emit({ type: 'trial-finish', record, at: Date.now() });
        return;
      }
      const record = await storage.finishTrial(definition.name, trial.trialId, attempt, resultOfOutcome(result.outcome, pruned, result.seconds));
      records.set(record.trialId, record);
      if (record.state === 'complete' || record.state === 'pruned') curve.state = record.state;
      else armCurves.delete(trial.trialId);
      finishedThisRun++;
      emit({ type: 'trial-finish', record, at: Date.now() });
    };

    let failure: unknown;
    while (!interrupted && failure === undefined) {
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
      if (running.size === 0) break;
      await Promise.race(running.values());
    }
    await Promise.all(running.values());
    args.signal?.removeEventListener('abort', onAbort);
    if (failure !== undefined) throw failure;

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
    emit({ type: 'end', summary, at: Date.now() });
    return summary;
  } finally {
    if (ownsExecutor) await executor.close();
    if (args.storage === undefined) await storage.close();
  }
}

/** Default output folder of a sweep file: `sweeps/<name>` next to the working directory. */
export function defaultOutputFolder(definition: SweepDefinition): string {
  return path.join('sweeps', definition.name);
}
