/**
 * The backend a sweep trains on, decided once per run before the first trial: forced by
 * `--backend`, `LAYERWISE_BACKEND` or the definition's `execution.backend` (in that order), or
 * `auto`, which times a few training steps of this sweep's model on each available backend and
 * keeps the fastest (lib/backend/measure). The choice (with its timings) is what the runner
 * records in the store and announces, and what every worker process sets up before its first trial.
 */
import { BACKEND_ENV_VAR, BackendChoice, BackendName, initBackend, measureBackends, parseBackendName } from '../backend';
import { BackendUnavailableError } from '../backend/errors';
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
  if (args.trainingThreadEnv !== undefined && !isNativeModuleLoaded()) Object.assign(process.env, args.trainingThreadEnv);
  const timeSteps = args.objective.timeSteps.bind(args.objective, args.definition);
  const measured = await measureBackends({ timeSteps });
  await initBackend({ backend: measured.chosen, log: false, reselect: true });
  return { backend: measured.chosen, selection: measured.selection, timings: measured.timings, steps: measured.steps, at };
}
