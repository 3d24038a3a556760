/**
 * The backend a sweep trains on, decided once per run before the first trial: forced by
 * `--backend`, `LAYERWISE_BACKEND` or the definition's `execution.backend` (in that order), or
 * `auto`, which times a few training steps of this sweep's model on each available backend and
 * keeps the fastest (lib/backend/measure), or reuses this machine's earlier measurement of the same
 * model (lib/backend/measurement-cache; the choice then carries `measuredAt`). The choice (with its timings) is what the runner
 * records in the store and announces, and what every worker process sets up before its first trial.
 */
import * as fs from 'fs';
import { BACKEND_ENV_VAR, BackendChoice, BackendName, initBackend, measureBackends, parseBackendName } from '../backend';
import { BackendUnavailableError } from '../backend/errors';
import { machineSignature, measurementCacheFile, measurementKey, readCachedMeasurement, writeCachedMeasurement } from '../backend/measurement-cache';
import { isNativeModuleLoaded } from '../backend/threads';
import { LayerwiseConfigError } from '../errors/config-error';
import type { SweepDefinition } from './definition';
import type { TrialObjective } from './objective';

/** Arguments of {@link chooseSweepBackend}. */
export interface ChooseSweepBackendArgs {
  definition: SweepDefinition;
  /** The sweep's objective: `auto` measures with its `timeSteps`. */
  objective: TrialObjective;
  /** The `--backend` option (`auto`, `tensorflow`, `cpu`, `wasm`); undefined when not given. */
  option?: string;
  /** Environment holding `LAYERWISE_BACKEND`. Default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /**
   * Thread caps the trials run under (a pool's workers get one thread each): applied to this
   * process before the native backend first loads, so that the measurement sees what the workers
   * will see. Default none.
   */
  trainingThreadEnv?: Readonly<Record<string, string>>;
  /**
   * Whether this process trains (and so needs the backend set up here). False when every trial
   * runs in pool workers that set up the choice themselves: a cached `auto` choice then loads no
   * backend in this process at all. Default true.
   */
  trainsHere?: boolean;
}

/**
 * What `auto`'s measurement of a definition depends on, for the per-machine measurement cache
 * (lib/backend/measurement-cache): the objective, model, data, training settings, arms, population
 * setting and how many trials may share a population. Data files count by name and size (the
 * folder they sit in does not change the cost; their size does). Names, seeds' values, sampler,
 * pruning and evaluation do not change the timed model.
 */
export function measurementSignature(definition: SweepDefinition): Record<string, unknown> {
  const file = (location: string | undefined): unknown => {
    if (location === undefined) return undefined;
    let bytes: number | undefined;
    try {
      bytes = fs.statSync(location).size;
    } catch {
      bytes = undefined;
    }
    return { name: location.split(/[\\/]/).pop(), bytes };
  };
  const data = { ...(definition.data as unknown as Record<string, unknown>) };
  const csv = data.csv as { path?: string } | undefined;
  const npy = data.npy as { x?: string; y?: string } | undefined;
  const npz = data.npz as { path?: string } | undefined;
  if (csv !== undefined) data.csv = { ...csv, path: file(csv.path) };
  if (npy !== undefined) data.npy = { ...npy, x: file(npy.x), y: file(npy.y) };
  if (npz !== undefined) data.npz = { ...npz, path: file(npz.path) };
  return {
    objective: definition.objective,
    model: definition.model,
    data,
    training: definition.training,
    arms: definition.arms,
    population: definition.execution.population,
    trials: definition.arms.length * definition.budget * definition.seeds.length,
  };
}

/**
 * Decides and activates (in this process) the sweep's backend. Returns undefined when nothing is
 * forced and the objective cannot time its model (a user objective that may not use tfjs at all:
 * this process then loads no backend). A forced backend that cannot be set up throws
 * `BackendUnavailableError`; a bad name throws `LayerwiseConfigError` naming where it came from.
 */
export async function chooseSweepBackend(args: ChooseSweepBackendArgs): Promise<BackendChoice | undefined> {
  const env = args.env ?? process.env;
  const fromOption = parseBackendName(args.option, '--backend');
  const fromEnvironment = parseBackendName(env[BACKEND_ENV_VAR], BACKEND_ENV_VAR);
  const fromDefinition = parseBackendName(args.definition.execution.backend, 'execution.backend');
  const at = new Date().toISOString();
  const forced: Array<[BackendName | undefined, BackendChoice['selection']]> = [
    [fromOption, 'option'],
    [fromEnvironment, 'environment'],
    [fromDefinition, 'definition'],
  ];
  for (const [backend, selection] of forced) {
    if (backend === undefined) continue;
    try {
      await initBackend({ backend, log: false, reselect: true });
    } catch (error) {
      // A backend the user asked for that cannot run here is a configuration error (exit 2), named by where it was asked.
      const field = selection === 'option' ? '--backend' : selection === 'environment' ? BACKEND_ENV_VAR : 'execution.backend';
      if (error instanceof BackendUnavailableError) throw new LayerwiseConfigError(field, ` = "${backend}": ${error.message}`);
      throw error;
    }
    return { backend, selection, at };
  }
  if (args.objective.timeSteps === undefined) return undefined;
  // A measurement of the same model on this machine (same versions, same thread caps) is reused, and says so.
  const cacheFile = measurementCacheFile(env);
  const key = measurementKey(measurementSignature(args.definition), machineSignature(args.trainingThreadEnv));
  const cached = cacheFile === undefined ? undefined : readCachedMeasurement(cacheFile, key);
  if (cached !== undefined) {
    try {
      if (args.trainsHere !== false) await initBackend({ backend: cached.chosen, log: false, reselect: true });
      return { backend: cached.chosen, selection: cached.selection, timings: cached.timings, steps: cached.steps, at, measuredAt: cached.measuredAt };
    } catch {
      // The cached backend no longer sets up here: measure again.
    }
  }
  if (args.trainingThreadEnv !== undefined && !isNativeModuleLoaded()) Object.assign(process.env, args.trainingThreadEnv);
  const objective = args.objective;
  const timeSteps = (limits: { maxSeconds?: number }) => objective.timeSteps!(args.definition, limits);
  const measured = await measureBackends({ timeSteps });
  await initBackend({ backend: measured.chosen, log: false, reselect: true });
  if (cacheFile !== undefined) writeCachedMeasurement(cacheFile, { key, chosen: measured.chosen, selection: measured.selection, timings: measured.timings, steps: measured.steps, measuredAt: at });
  return { backend: measured.chosen, selection: measured.selection, timings: measured.timings, steps: measured.steps, at };
}
