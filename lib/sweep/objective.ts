/**
 * What a trial does, kept apart from how sweeps are run: a `TrialObjective` gets the sweep
 * definition, the arm, the sampled parameters and the seed, trains (or computes) something, reports
 * each epoch so the sweep can prune it, and returns the epochs and final metrics.
 *
 * Objectives are found by name in a registry, so a worker process can load them: it requires the
 * objective modules it is given (each registers its objectives when loaded) and looks the name up.
 */
import * as fs from 'fs';
import * as path from 'path';
import { requireUserModule } from './user-module';
import { LayerwiseConfigError } from '../errors/config-error';
import type { BackendName } from '../backend/names';
import type { EpochRecord, RunStatus } from '../train/record';
import type { ArmDefinition, SweepDefinition } from './definition';
import type { ParameterValues } from './record';

/** Everything that determines one trial. */
export interface TrialInput {
  definition: SweepDefinition;
  arm: ArmDefinition;
  /** Sampled values: shared dimensions plus the arm's coefficients (decode with `armCoefficients`). */
  params: ParameterValues;
  seed: number;
  trialId: string;
  configId: string;
  /** Configuration index within the arm. */
  index: number;
  /** 1 on the first attempt, 2 on the first retry, ... */
  attempt: number;
}

export interface TrialContext {
  /**
   * Call after every epoch with that epoch's record. Resolves true when the sweep's pruner stops
   * the trial: the objective should then return promptly with status 'pruned' (the runner records
   * it as pruned either way).
   */
  onEpoch(epoch: EpochRecord): Promise<boolean>;
  /** Aborted when the sweep is interrupted or the trial timed out; long loops should check it between epochs. */
  signal: AbortSignal;
}

/** What an objective returns. A `TrainResult` (lib/train) is one. */
export interface TrialOutcome {
  /** 'complete' or 'stopped_early' finish normally; 'diverged' records divergence; 'pruned' after onEpoch said so. */
  status: RunStatus;
  epochs: EpochRecord[];
  /** Metrics of the weights kept; selection reads `final.validation.loss`. */
  final?: EpochRecord;
  divergedAtEpoch?: number;
  /** Backend that ran the trial. */
  backend?: string;
  /** Training step that ran (`TrainResult.trainingPath`): 'lean' or 'general'. */
  trainingPath?: string;
  /** Why the lean path did not apply, when `trainingPath` is 'general'. */
  generalPathReason?: string;
}

/**
 * Hooks of a population run (issue 16): several trials that share one computation. Members are
 * indices into the `inputs` given to `runPopulation`.
 */
export interface PopulationContext {
  /** Call after every epoch of `member`; resolves true when the sweep's pruner stops that member (it then leaves the population; the others go on). */
  onEpoch(member: number, epoch: EpochRecord): Promise<boolean>;
  /**
   * Call exactly once per member as soon as it stops (its own early stopping, pruning, divergence,
   * the last epoch) with its outcome, or with the Error that failed it alone: the runner makes a
   * finished member durable at once, as it would a trial trained alone.
   */
  onMemberFinished(member: number, outcome: TrialOutcome | Error): Promise<void>;
  /** Aborted when the sweep is interrupted or the population timed out. */
  signal: AbortSignal;
}

export interface TrialObjective {
  /**
   * Which trials can be trained as one computation: trials whose keys are equal strings may be
   * handed together to `runPopulation`; undefined means this trial always trains alone. Optional.
   */
  populationKey?(input: TrialInput): string | undefined;
  /**
   * Trains `inputs` (equal `populationKey`s) as one computation, each member with its own seed,
   * parameters, early stopping and pruning; every member's metrics match `run` on the same input
   * within float tolerance. Resolves after every member was reported through
   * `context.onMemberFinished`. Throwing fails every member not yet reported. Optional.
   */
  runPopulation?(inputs: TrialInput[], context: PopulationContext): Promise<void>;
  /**
   * Whether `members` ready trials with `input`'s population key train faster as ONE population on
   * one worker than spread as smaller populations over `workers` workers (`execution.population:
   * auto`), on `backend` (the sweep's; undefined when unknown). Optional: without it, or when it
   * answers false, 'auto' spreads the ready trials over the free workers.
   */
  packsTogether?(input: TrialInput, members: number, workers: number, backend?: BackendName): boolean;

  /** Checks the definition's opaque parts (model, data, training) once before any trial; throws LayerwiseConfigError naming the field. */
  validate?(definition: SweepDefinition): void;
  run(input: TrialInput, context: TrialContext): Promise<TrialOutcome>;
  /**
   * Times a few training steps of the definition's model on the active tfjs backend (seconds per
   * step). Optional: backend `auto` compares backends with it; objectives without it run on
   * `initBackend`'s default backend.
   */
  timeSteps?(definition: SweepDefinition, limits?: TimeStepsLimits): Promise<{ secondsPerStep: number; steps: number; cutShort?: boolean }>;
}

/** What may cut a {@link TrialObjective.timeSteps} measurement short. */
export interface TimeStepsLimits {
  /**
   * Stop between batches once this many seconds have passed (warm-up included) and return seconds
   * per step so far, with `cutShort: true`. Set when another backend has already been measured and
   * this one has spent long enough to be a clear loser: a pure-JS CNN step can take seconds.
   */
  maxSeconds?: number;
}

const registry = new Map<string, TrialObjective>();

/** Registers an objective under `name` (replacing any previous one of that name). */
export function registerObjective(name: string, objective: TrialObjective): void {
  if (typeof objective?.run !== 'function') throw new TypeError(`registerObjective("${name}"): the objective needs a run(input, context) method`);
  registry.set(name, objective);
}

/** Names of registered objectives, sorted. */
export function registeredObjectives(): string[] {
  return [...registry.keys()].sort();
}

/** The objective registered as `name`; the error lists what is registered. */
export function getObjective(name: string): TrialObjective {
  const objective = registry.get(name);
  if (objective === undefined) {
    throw new LayerwiseConfigError('objective', `: ${JSON.stringify(name)} is not a registered objective; registered: ${registeredObjectives().join(', ') || '(none)'} (load the module that registers it with --module)`);
  }
  return objective;
}

/** The module of built-in objectives (lib/sweep/objectives), in whatever form this file runs as (.ts or .js). */
export function builtinObjectivesModule(): string {
  return path.join(__dirname, 'objectives', `index${path.extname(__filename)}`);
}

/**
 * Requires user modules (`--module`; absolute paths or paths relative to the working directory),
 * which register objectives (registerObjective), datasets (registerDataset) or anything else as
 * they load. A module that fails to load is a LayerwiseConfigError naming it and the line.
 */
export function loadObjectiveModules(modules: readonly string[] = []): void {
  for (const module of modules.map((entry) => path.resolve(entry))) {
    if (!fs.existsSync(module)) throw new LayerwiseConfigError('module', `: ${module} does not exist`);
    requireUserModule(module, 'module', 'the module');
  }
}

/**
 * The objective `name`, loading the built-in objectives (lib/sweep/objectives) only when no loaded
 * module registered that name: a sweep of a user objective never pays for loading TensorFlow.js,
 * and a user objective is never replaced by a built-in one of the same name.
 */
export function resolveObjective(name: string): TrialObjective {
  if (!registry.has(name)) {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    require(builtinObjectivesModule());
  }
  return getObjective(name);
}
