/**
 * Adapts a registered `TrialObjective` (the same registry the local sweep runner uses) to the
 * worker loop's `WorkerObjective`, so `layerwise worker` runs exactly what `layerwise sweep` runs.
 * Every epoch goes through the sweep's pruner in the worker loop, as in a local sweep.
 *
 * The objective is found as the local runner finds it (`resolveObjective`): user modules first,
 * then the built-in objectives (`train`, `synthetic.quadratic`), loaded only when needed.
 */
import type { BackendChoice } from '../../backend/measure';
import { chooseSweepBackend } from '../backend-choice';
import type { SweepDefinition } from '../definition';
import { loadObjectiveModules, resolveObjective } from '../objective';
import { resultOfOutcome } from '../loop/outcome';
import type { RegisteredWorkerObjective, WorkerObjective } from './run-worker';

/** Options of {@link workerObjectiveFor}. */
export interface WorkerObjectiveOptions {
  /** `--backend` of this worker (`auto`, `tensorflow`, `cpu`, `wasm`); default: LAYERWISE_BACKEND, the definition's, else auto. */
  backend?: string;
  /** Receives the backend this worker trains on and why, before its first trial. */
  onBackendChoice?: (choice: BackendChoice) => void;
}

/**
 * The registered objective of `definition.objective`, set up for this worker exactly as
 * {@link workerObjectiveFor} does (modules loaded, definition validated, backend chosen). Given to
 * `runWorker`, the worker runs the local sweep's job path: trials with an equal `populationKey`
 * are claimed together and trained as one population by `runPopulation`. This is what
 * `layerwise worker` uses.
 */
export async function registeredWorkerObjective(definition: SweepDefinition, objectiveModules: readonly string[] = [], options: WorkerObjectiveOptions = {}): Promise<RegisteredWorkerObjective> {
  loadObjectiveModules(objectiveModules);
  const objective = resolveObjective(definition.objective);
  objective.validate?.(definition);
  const choice = await chooseSweepBackend({ definition, objective, option: options.backend });
  if (choice !== undefined) options.onBackendChoice?.(choice);
  return { kind: 'registered', name: definition.objective, objective };
}

/**
 * The worker objective of `definition.objective`, after loading `objectiveModules` (paths, as
 * `--module`). Validates the definition once, then sets up this worker's backend before any model
 * is built, exactly as `layerwise sweep` does for its own trials (lib/sweep/backend-choice: `auto`
 * times this sweep's model here, on this machine). Throws LayerwiseConfigError naming the field.
 */
export async function workerObjectiveFor(definition: SweepDefinition, objectiveModules: readonly string[] = [], options: WorkerObjectiveOptions = {}): Promise<WorkerObjective> {
  const { objective } = await registeredWorkerObjective(definition, objectiveModules, options);
  return async (trial, context) => {
    const arm = definition.arms.find((candidate) => candidate.name === trial.arm);
    if (arm === undefined) throw new Error(`trial ${trial.trialId}: arm "${trial.arm}" is not in sweep "${definition.name}"`);
    const started = Date.now();
    let pruned = false;
    const outcome = await objective.run(
      {
        definition,
        arm,
        params: trial.params,
        seed: trial.seed,
        trialId: trial.trialId,
        configId: trial.configId,
        index: trial.index,
        attempt: trial.attempts,
      },
      {
        signal: context.signal,
        onEpoch: async (epoch) => {
          pruned = (await context.reportEpoch(epoch)) || pruned;
          return pruned;
        },
      },
    );
    return resultOfOutcome(outcome, pruned, (Date.now() - started) / 1000);
  };
}
