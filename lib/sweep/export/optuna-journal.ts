/**
 * A sweep written as an Optuna JournalStorage file, so `optuna.load_study` and optuna-dashboard
 * open it. The format is Optuna's own (optuna/storages/journal/_storage.py, Optuna 4 and 5): JSON
 * Lines, one operation per line, each with an `op_code` and a `worker_id`:
 *  - op 0 CREATE_STUDY {study_name, directions}: one study per arm, named `<sweep>/<arm>`; study ids
 *    are assigned by Optuna in creation order (0, 1, ...);
 *  - op 2 SET_STUDY_USER_ATTR {study_id, user_attr}: sweep name, arm, fingerprint, objective metric;
 *  - op 4 CREATE_TRIAL with a complete template: state, value, datetimes, distributions (Optuna's
 *    `distribution_to_json` text), params in Optuna's internal representation (the index for a
 *    categorical), user attributes, and intermediate values keyed by epoch.
 * One CREATE_TRIAL per trial is what Optuna itself writes for `study.add_trial(...)`, so replay needs
 * nothing else. The export is read-only on the sweep: the file is written to a temporary name and
 * renamed, so an interrupted export leaves no half file under the requested name.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { EpochRecord } from '../../train/record';
import type { ArmDefinition, SweepDefinition } from '../definition';
import type { ParameterValues, TrialRecord } from '../record';
import { armSpace } from '../arms';
import type { Dimension, ParameterValue } from '../space';

/** Optuna's `JournalOperation` codes used here. */
export const OPTUNA_OPERATION = { createStudy: 0, setStudyUserAttr: 2, createTrial: 4 } as const;
/** Optuna's `TrialState` values. */
export const OPTUNA_TRIAL_STATE = { running: 0, complete: 1, pruned: 2, fail: 3, waiting: 4 } as const;
/** Optuna's `StudyDirection` values. */
export const OPTUNA_DIRECTION = { minimize: 1, maximize: 2 } as const;

/** Metrics that can become the Optuna objective value (validation only, like the report's selection). */
export type OptunaObjectiveMetric = 'validationLoss' | 'validationAccuracy';
export const OPTUNA_OBJECTIVE_METRICS: readonly OptunaObjectiveMetric[] = ['validationLoss', 'validationAccuracy'];

export interface OptunaJournalArgs {
  /** Name of the sweep (studies are named `<sweepName>/<arm>`). */
  sweepName: string;
  /** The sweep's definition: the arms' search spaces give each parameter's Optuna distribution. Optional: without it every parameter is exported with a one-point distribution around its value. */
  definition?: SweepDefinition;
  /** Definition fingerprint, kept as a study user attribute. Optional. */
  fingerprint?: string;
  /** The trials (any states; in the order they should be numbered). */
  trials: readonly TrialRecord[];
  /** The objective value of each trial and the intermediate value of each epoch. Default `'validationLoss'` (minimized). */
  metric?: OptunaObjectiveMetric;
  /** `worker_id` written on each line. Default `'layerwise-export'`. */
  workerId?: string;
  /** Timestamp used when a trial has none (ISO). Default: the Unix epoch, so output does not depend on the clock. */
  fallbackTime?: string;
}

/** A distribution in Optuna's JSON (`distribution_to_json`), and the parameter value in its internal representation. */
interface OptunaParameter {
  distribution: string;
  internal: number;
}

function floatDistribution(low: number, high: number, log: boolean): string {
  return JSON.stringify({ name: 'FloatDistribution', attributes: { low, high, log, step: null } });
}

/** Maps one of our dimensions and a value to Optuna's distribution and internal value; falls back to a one-point distribution when the value is not in the dimension. */
export function optunaParameter(dimension: Dimension | undefined, value: ParameterValue): OptunaParameter {
  if (dimension !== undefined) {
    switch (dimension.type) {
      case 'logUniform':
        if (typeof value === 'number' && value >= dimension.low && value <= dimension.high) return { distribution: floatDistribution(dimension.low, dimension.high, true), internal: value };
        break;
      case 'uniform':
        if (typeof value === 'number' && value >= dimension.low && value <= dimension.high) return { distribution: floatDistribution(dimension.low, dimension.high, false), internal: value };
        break;
      case 'int': {
        const step = dimension.step ?? 1;
        // Optuna's IntDistribution needs high on the step grid from low.
        const high = dimension.low + Math.floor((dimension.high - dimension.low) / step) * step;
        if (typeof value === 'number' && Number.isInteger(value) && value >= dimension.low && value <= high) {
          return { distribution: JSON.stringify({ name: 'IntDistribution', attributes: { low: dimension.low, high, log: false, step } }), internal: value };
        }
        break;
      }
      case 'choice': {
        const position = dimension.values.indexOf(value);
        if (position >= 0) return { distribution: JSON.stringify({ name: 'CategoricalDistribution', attributes: { choices: dimension.values } }), internal: position };
        break;
      }
    }
  }
  if (typeof value === 'number') return { distribution: floatDistribution(value, value, false), internal: value };
  return { distribution: JSON.stringify({ name: 'CategoricalDistribution', attributes: { choices: [value] } }), internal: 0 };
}

function metricOf(epoch: EpochRecord | undefined, metric: OptunaObjectiveMetric): number | undefined {
  const value = metric === 'validationLoss' ? epoch?.validation?.loss : epoch?.validation?.accuracy;
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** Optuna parses datetimes with `datetime.fromisoformat`; `+00:00` is read by every Python 3 version, `Z` only from 3.11. */
function optunaTime(iso: string): string {
  return iso.endsWith('Z') ? `${iso.slice(0, -1)}+00:00` : iso;
}

function trialLine(trial: TrialRecord, studyId: number, space: Record<string, Dimension>, args: Required<Pick<OptunaJournalArgs, 'metric' | 'workerId' | 'fallbackTime'>>): Record<string, unknown> {
  const distributions: Record<string, string> = {};
  const params: Record<string, number> = {};
  for (const [name, value] of Object.entries(trial.params as ParameterValues)) {
    const parameter = optunaParameter(space[name], value);
    distributions[name] = parameter.distribution;
    params[name] = parameter.internal;
  }
  const intermediate: Record<string, number> = {};
  for (const epoch of trial.epochs ?? []) {
    const value = metricOf(epoch, args.metric);
    if (value !== undefined) intermediate[String(epoch.epoch)] = value;
  }
  const finalValue = metricOf(trial.final ?? trial.epochs?.[trial.epochs.length - 1], args.metric);
  const userAttrs: Record<string, unknown> = {
    layerwise_trial_id: trial.trialId,
    layerwise_config_id: trial.configId,
    layerwise_state: trial.state,
    arm: trial.arm,
    index: trial.index,
    seed: trial.seed,
    attempts: trial.attempts,
  };
  // Evaluation re-runs (fresh seeds after selection) are marked so Optuna's views can tell them from the search.
  if (trial.role !== undefined) userAttrs.role = trial.role;
  if (trial.backend !== undefined) userAttrs.backend = trial.backend;
  if (trial.runStatus !== undefined) userAttrs.run_status = trial.runStatus;
  if (trial.error !== undefined) userAttrs.error = trial.error;
  if (trial.divergedAtEpoch !== undefined) userAttrs.diverged_at_epoch = trial.divergedAtEpoch;
  if (trial.seconds !== undefined) userAttrs.seconds = trial.seconds;
  const final = trial.final;
  if (final !== undefined) {
    // The other final metrics, so the dashboard's trial table shows test results beside the objective.
    const finals: Record<string, number | undefined> = {
      final_train_loss: final.train?.loss,
      final_validation_loss: final.validation?.loss,
      final_test_loss: final.test?.loss,
      final_train_accuracy: final.train?.accuracy,
      final_validation_accuracy: final.validation?.accuracy,
      final_test_accuracy: final.test?.accuracy,
      final_penalty: final.penalty,
    };
    for (const [name, value] of Object.entries(finals)) if (typeof value === 'number' && Number.isFinite(value)) userAttrs[name] = value;
  }

  // A complete trial without a finite objective (no validation split, NaN loss) cannot be COMPLETE in
  // Optuna (values must be set and not NaN): it becomes FAIL and keeps its real state in user_attrs.
  let state: number;
  switch (trial.state) {
    case 'complete':
      state = finalValue === undefined ? OPTUNA_TRIAL_STATE.fail : OPTUNA_TRIAL_STATE.complete;
      break;
    case 'pruned':
      state = OPTUNA_TRIAL_STATE.pruned;
      break;
    case 'failed':
    case 'diverged':
      state = OPTUNA_TRIAL_STATE.fail;
      break;
    default:
      // Waiting, and running (a live or interrupted attempt): waiting for Optuna, which needs no start time.
      state = OPTUNA_TRIAL_STATE.waiting;
  }
  const line: Record<string, unknown> = {
    op_code: OPTUNA_OPERATION.createTrial,
    worker_id: args.workerId,
    study_id: studyId,
    state,
    value: state === OPTUNA_TRIAL_STATE.complete ? finalValue : null,
    values: null,
    datetime_start: state === OPTUNA_TRIAL_STATE.waiting ? null : optunaTime(trial.startedAt ?? trial.finishedAt ?? args.fallbackTime),
  };
  if (state !== OPTUNA_TRIAL_STATE.waiting) line.datetime_complete = optunaTime(trial.finishedAt ?? trial.startedAt ?? args.fallbackTime);
  line.distributions = distributions;
  line.params = params;
  line.user_attrs = userAttrs;
  line.system_attrs = {};
  line.intermediate_values = intermediate;
  return line;
}

/** Arms in first-seen order: the definition's, then any other arm found in the trials. */
function armsOf(args: OptunaJournalArgs): string[] {
  const arms = new Set<string>(args.definition?.arms.map((arm) => arm.name) ?? []);
  for (const trial of args.trials) arms.add(trial.arm);
  return [...arms];
}

/** The Optuna journal lines of a sweep (each ends with a newline). */
export function* optunaJournalLines(args: OptunaJournalArgs): Generator<string> {
  const metric = args.metric ?? 'validationLoss';
  if (!OPTUNA_OBJECTIVE_METRICS.includes(metric)) {
    throw new RangeError(`export.metric: got ${JSON.stringify(metric)}; allowed: ${OPTUNA_OBJECTIVE_METRICS.join(', ')}`);
  }
  const options = { metric, workerId: args.workerId ?? 'layerwise-export', fallbackTime: args.fallbackTime ?? '1970-01-01T00:00:00.000Z' };
  const direction = metric === 'validationLoss' ? OPTUNA_DIRECTION.minimize : OPTUNA_DIRECTION.maximize;
  const arms = armsOf(args);
  const studyIds = new Map<string, number>();
  const spaces = new Map<string, Record<string, Dimension>>();
  for (const arm of arms) {
    const studyId = studyIds.size;
    studyIds.set(arm, studyId);
    const armDefinition: ArmDefinition | undefined = args.definition?.arms.find((candidate) => candidate.name === arm);
    spaces.set(arm, args.definition !== undefined && armDefinition !== undefined ? armSpace(args.definition, armDefinition) : {});
    const line = (extra: Record<string, unknown>) => `${JSON.stringify({ worker_id: options.workerId, ...extra })}\n`;
    yield line({ op_code: OPTUNA_OPERATION.createStudy, study_name: `${args.sweepName}/${arm}`, directions: [direction] });
    const attributes: Record<string, unknown> = { layerwise_sweep: args.sweepName, layerwise_arm: arm, objective_metric: metric };
    if (args.fingerprint !== undefined) attributes.layerwise_fingerprint = args.fingerprint;
    for (const [key, value] of Object.entries(attributes)) {
      yield line({ op_code: OPTUNA_OPERATION.setStudyUserAttr, study_id: studyId, user_attr: { [key]: value } });
    }
  }
  for (const trial of args.trials) {
    yield `${JSON.stringify(trialLine(trial, studyIds.get(trial.arm) as number, spaces.get(trial.arm) ?? {}, options))}\n`;
  }
}

/** What {@link writeOptunaJournal} wrote. */
export interface OptunaJournalResult {
  file: string;
  /** Study names, one per arm, in study-id order. */
  studies: string[];
  trials: number;
}

/** Writes the sweep as an Optuna journal at `file` (replacing it: Optuna appends to a journal, so an old file would duplicate studies). */
export function writeOptunaJournal(file: string, args: OptunaJournalArgs): OptunaJournalResult {
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const temporary = `${file}.export-${process.pid}.tmp`;
  const descriptor = fs.openSync(temporary, 'w');
  try {
    let buffer = '';
    for (const line of optunaJournalLines(args)) {
      buffer += line;
      if (buffer.length > 4 * 1024 * 1024) {
        fs.writeSync(descriptor, buffer);
        buffer = '';
      }
    }
    fs.writeSync(descriptor, buffer);
    fs.fsyncSync(descriptor);
  } catch (error) {
    fs.closeSync(descriptor);
    fs.rmSync(temporary, { force: true });
    throw error;
  }
  fs.closeSync(descriptor);
  fs.renameSync(temporary, file);
  return { file, studies: armsOf(args).map((arm) => `${args.sweepName}/${arm}`), trials: args.trials.length };
}
