/**
 * Runs a sweep: opens the store, chooses the backend, then runs the sweep's one trial loop
 * (lib/sweep/loop) with the sampler-based proposer (slots = arm × configuration index,
 * interleaved, each once per seed), an executor (a process pool, or this process), the
 * definition's pruner and retry limit. Re-running resumes: finished trials are skipped, unfinished
 * ones run again under the same identity.
 *
 * With the folder's journal only this process writes the store; its pool workers report to it.
 * With a shared store (PostgreSQL, `capabilities.shared`) other processes (`layerwise worker`, the
 * same loop without a proposer) may claim trials of the same sweep: ready trials are enqueued ahead
 * so they find them, and trials they hold are waited for by polling the store every `pollSeconds`
 * (their results feed the sampler, the pruner and the progress events like local ones). The
 * summary is read from the store at the end, so it counts every worker's trials.
 */
import * as path from 'path';
import { LayerwiseConfigError } from '../errors/config-error';
import type { SweepDefinition } from './definition';
import { definitionFingerprint } from './definition-config';
import type { SweepEvent, SweepSummary } from './events';
import type { TrialExecutor } from './executors/executor';
import { InProcessExecutor } from './executors/in-process';
import { ProcessPoolExecutor, WORKER_THREAD_ENV } from './executors/process-pool';
import type { BackendChoice } from '../backend/measure';
import { BACKEND_ENV_VAR } from '../backend/names';
import { chooseSweepBackend } from './backend-choice';
import { loadObjectiveModules, resolveObjective } from './objective';
import type { TrialObjective } from './objective';
import type { Shard } from './plan';
import { createPruner } from './pruners';
import type { ParameterValues, TrialRecord } from './record';
import type { TrialSummary } from './storage/trial-summary';
import { createSampler, Observation, Sampler } from './samplers';
import { isFinished } from './storage/journal-format';
import { JournalStorage, journalFileName } from './storage/journal-storage';
import type { TrialStorage } from './storage/storage';
import { capabilitiesOf } from './loop/capabilities';
import { StagedProposer } from './loop/proposer';
import type { Proposer } from './loop/proposer';
import { EvaluationProposer } from './loop/evaluation-proposer';
import { SamplerProposer } from './loop/sampler-proposer';
import { runTrialLoop } from './loop/trial-loop';
import { readSweepSummary } from './sweep-summary';
import { LoopView } from './loop/view';

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
  /**
   * The default executor, created and started by the caller ahead of time (`backendPending: true`,
   * `prestart()`), so that its workers start while the caller still reads the definition. The
   * sweep then owns it: gives it the backend, closes it at the end (also when the sweep fails).
   * Ignored (and closed) when `executor` is given or the trials run in this process.
   */
  pool?: ProcessPoolExecutor;
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

/** Maps an objective's outcome to the trial's final state (lib/sweep/loop/outcome; kept here for existing importers). */
export { resultOfOutcome } from './loop/outcome';

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
  let objective: TrialObjective;
  try {
    loadObjectiveModules(args.objectiveModules ?? []);
    objective = resolveObjective(definition.objective);
    if (args.storage === undefined && args.directory === undefined) throw new LayerwiseConfigError('directory', ': an output folder (or a storage) is required');
  } catch (error) {
    await args.pool?.close();
    throw error;
  }
  const inProcess = args.workers === 0 || args.enqueueOnly === true;

  // The pool's workers start first, so that their start-up (Node, modules, the native library) overlaps
  // everything this process does before the first trial: validating the definition (which builds the
  // model once), opening the store, choosing the backend. Each waits for the choice and sets it up
  // before it reports ready for a trial. When `auto` may measure (nothing forces a backend), they also
  // load the native library meanwhile.
  const measuring = objective.timeSteps !== undefined && (args.backend ?? process.env[BACKEND_ENV_VAR] ?? definition.execution.backend ?? 'auto') === 'auto';
  const usesPool = args.executor === undefined && !inProcess;
  if (!usesPool) await args.pool?.close();
  const pool = !usesPool
    ? undefined
    : (args.pool ?? new ProcessPoolExecutor({ workers: args.workers, objectiveModules: args.objectiveModules, backendPending: true, preloadNative: measuring }));
  pool?.prestart();
  if (measuring) pool?.preloadNativeLibrary();
  /** The executor this call creates (and closes); none when `args.executor` is given. */
  let ownedExecutor: TrialExecutor | undefined = pool;
  let storage: TrialStorage;
  try {
    objective.validate?.(definition);
    storage = args.storage ?? new JournalStorage({ directory: args.directory!, fileName: journalFileName(args.shard) });
    await storage.openSweep({ definition, fingerprint: definitionFingerprint(definition), extend: args.extend });
  } catch (error) {
    await ownedExecutor?.close();
    throw error;
  }
  const capabilities = capabilitiesOf(storage);

  try {
    const sampler: Sampler = createSampler(definition.sampler);
    if (args.enqueueOnly && !capabilities.shared) throw new LayerwiseConfigError('storage', ': enqueueing without running (--enqueue-only) needs a shared store (--storage postgres://...)');
    if (args.enqueueOnly && sampler.adaptive) {
      throw new LayerwiseConfigError(
        'sampler.type',
        `: "${definition.sampler.type}" chooses each configuration from finished results, so it cannot be enqueued ahead (--enqueue-only); ` +
          'allowed with --enqueue-only: "grid", "random"; or keep `layerwise sweep --storage` running as the coordinator',
      );
    }
    // Before the first trial: the backend every trial trains on (measured for `auto`), recorded and announced.
    let backend: BackendChoice | undefined;
    if (!args.enqueueOnly) {
      backend = await chooseSweepBackend({
        definition,
        objective,
        option: args.backend,
        trainingThreadEnv: pool === undefined ? undefined : WORKER_THREAD_ENV,
        // Only the pool's workers train: a cached choice loads no backend here.
        trainsHere: pool === undefined,
      });
      if (backend !== undefined) {
        await storage.recordBackendChoice?.(definition.name, backend);
        emit({ type: 'backend', choice: backend, at: Date.now() });
      }
    }
    pool?.setBackend(backend?.backend);
    const executor: TrialExecutor = args.executor ?? pool ?? (ownedExecutor = new InProcessExecutor());

    // Opening or resuming reads the stored trials as summaries where the store has them (no
    // per-epoch records: a few hundred bytes a trial instead of several KiB); the pruning gate
    // reads the epochs of the few finished trials a decision needs, when it needs them.
    // A journal this run opened itself is read without copies (100,000 summaries copied to be read
    // once cost ~0.9 s of CPU and their garbage): the loop never mutates what it reads, and a
    // finished trial's summary never changes in the store.
    const storedSummaries =
      args.storage === undefined && storage instanceof JournalStorage
        ? await storage.listTrialSummariesUncopied(definition.name)
        : storage.listTrialSummaries === undefined
          ? undefined
          : await storage.listTrialSummaries(definition.name);
    const stored: ReadonlyArray<TrialRecord | TrialSummary> = storedSummaries ?? (await storage.listTrials(definition.name));
    const sampling = new SamplerProposer({ definition, sampler, shard: args.shard, stored });
    // After selection, the evaluation stage re-runs each arm's selected configuration on fresh seeds
    // until decisive (not for a static shard, which sees only its slice of the selection).
    const evaluation =
      definition.evaluation !== undefined && args.shard === undefined && !args.enqueueOnly
        ? new EvaluationProposer({ definition, onStep: (outcome, queued) => emit({ type: 'evaluation', outcome, queued, at: Date.now() }) })
        : undefined;
    const proposer: Proposer = evaluation === undefined ? sampling : new StagedProposer([sampling, evaluation]);
    const preview = new LoopView(definition);
    for (const record of stored) 'epochCount' in record ? preview.seeSummary(record) : preview.see(record);
    const firstProposal = proposer.next(preview);
    // A shared store's other workers can only run what is enqueued: enqueue every known trial now.
    if (capabilities.shared) await storage.enqueueTrials(definition.name, firstProposal.trials);
    // The scope of the counts and `records`: the selection's trials (evaluation trials are reported apart).
    const inScope = (view: LoopView): TrialRecord[] =>
      sampling.proposed().map((trial) => view.record(trial.trialId)).filter((record): record is TrialRecord => record !== undefined && isFinished(record));
    const alreadyFinished = inScope(preview);
    const total = sampling.total;
    emit({
      type: 'start',
      sweepName: definition.name,
      total,
      alreadyFinished: alreadyFinished.length,
      finishedRecords: alreadyFinished,
      slots: executor.slots,
      shard: args.shard,
      journal: journalFileOf(storage),
      at: Date.now(),
    });

    let interrupted = args.signal?.aborted ?? false;
    let finishedThisRun = 0;
    if (!args.enqueueOnly) {
      const loop = await runTrialLoop({
        definition,
        storage,
        executor,
        proposer,
        objective,
        pruner: createPruner(definition.pruning),
        known: stored,
        workerId: `pid ${process.pid}`,
        backend: backend?.backend,
        maxAttempts: 1 + definition.execution.retries,
        heartbeatSeconds: args.heartbeatSeconds ?? 10,
        pollSeconds: args.pollSeconds ?? 1,
        signal: args.signal,
        onStop: 'abandon',
        onEvent: (event) => {
          switch (event.type) {
            case 'interrupted':
              interrupted = true;
              emit(event);
              return;
            case 'trial-finish':
              if (!event.elsewhere) finishedThisRun++;
              emit(event);
              return;
            case 'trial-retry':
              emit({ type: 'trial-retry', trialId: event.trialId, arm: event.arm, attempt: event.attempt, reason: event.reason, at: event.at });
              return;
            case 'trial-start':
            case 'trial-epoch':
              emit(event);
              return;
            default:
              return;
          }
        },
      });
      interrupted = interrupted || loop.stopped;
    }

    // The store is the truth: other workers may have finished trials of this scope too. Read as
    // summaries (no per-epoch lists); full records only on demand (lib/sweep/sweep-summary.ts).
    const summary = await readSweepSummary({
      storage,
      ownsStorage: args.storage === undefined,
      sweepName: definition.name,
      scope: sampling.proposed().map((trial) => trial.trialId),
      total,
      finishedThisRun,
      interrupted,
      seconds: (Date.now() - started) / 1000,
      evaluation: evaluation?.outcome,
    });
    emit({ type: 'end', summary, at: Date.now() });
    return summary;
  } finally {
    await ownedExecutor?.close();
    if (args.storage === undefined) await storage.close();
  }
}

/** The journal file of a folder store (shown at the start), when the store has one. */
function journalFileOf(storage: TrialStorage): string | undefined {
  const file = (storage as { file?: unknown }).file;
  return typeof file === 'string' ? file : undefined;
}

/** Default output folder of a sweep file: `sweeps/<name>` next to the working directory. */
export function defaultOutputFolder(definition: SweepDefinition): string {
  return path.join('sweeps', definition.name);
}
