/**
 * Learning-rate schedules: Keras 3's formulas (keras/src/optimizers/schedules/
 * learning_rate_schedule.py) as plain-data specs, and plain functions of the step.
 *
 * `step` is Keras's `optimizer.iterations` at the time of the update: 0 for the first update of a
 * run, 1 for the second, ... The rate for step t is used by update t (and by decoupled weight
 * decay applied just before it), as in Keras's `BaseOptimizer.apply`.
 *
 *     exponentialDecay:  lr = initial · rate^(t / decaySteps)   (floor of the exponent when staircase)
 *     cosineDecay:       without warm-up: t' = min(t, decaySteps);
 *                          lr = initial · ((1 − α)·½(1 + cos(π·t'/decaySteps)) + α)
 *                        with warmupTarget: t' = min(t, decaySteps + warmupSteps);
 *                          t' < warmupSteps: lr = initial + (warmupTarget − initial)·t'/warmupSteps
 *                          else: the cosine above from warmupTarget at t' − warmupSteps
 *     piecewiseConstant: values[0] while t <= boundaries[0], values[i] while
 *                        boundaries[i−1] < t <= boundaries[i], values[last] after the last boundary
 *
 * Keras evaluates them in float32; here they are evaluated in double precision (the two differ by
 * at most a float32 rounding, ~6e-8 relative).
 */
import { LayerwiseConfigError, describeValue } from '../errors/config-error';

/** Keras `ExponentialDecay`. */
export interface ExponentialDecaySpec {
  kind: 'exponentialDecay';
  /** Rate at step 0. */
  initialLearningRate: number;
  /** Steps per factor of `decayRate` (> 0). */
  decaySteps: number;
  /** Factor per `decaySteps` steps (> 0). */
  decayRate: number;
  /** Decay in whole steps of `decaySteps` (floor of the exponent). Default false. */
  staircase?: boolean;
}

/** Keras `CosineDecay`, with optional linear warm-up. */
export interface CosineDecaySpec {
  kind: 'cosineDecay';
  /** Rate at step 0 (the warm-up's start when `warmupTarget` is set). */
  initialLearningRate: number;
  /** Length of the cosine part in steps (> 0). */
  decaySteps: number;
  /** Floor, as a fraction of the peak rate. Default 0. */
  alpha?: number;
  /** Peak rate reached at the end of the warm-up; null (default): no warm-up. */
  warmupTarget?: number | null;
  /** Warm-up length in steps. Default 0. */
  warmupSteps?: number;
}

/** Keras `PiecewiseConstantDecay`. */
export interface PiecewiseConstantSpec {
  kind: 'piecewiseConstant';
  /** Increasing step boundaries. */
  boundaries: number[];
  /** One more value than boundaries. */
  values: number[];
}

/** A learning-rate schedule as plain data. */
export type ScheduleSpec = ExponentialDecaySpec | CosineDecaySpec | PiecewiseConstantSpec;

/** The learning rate for the update at `step` (0 for a run's first update). */
export type LearningRateFunction = (step: number) => number;

/** Everything a `learningRate` field accepts. */
export type LearningRate = number | ScheduleSpec | LearningRateFunction;

export const SCHEDULE_KINDS: readonly ScheduleSpec['kind'][] = ['exponentialDecay', 'cosineDecay', 'piecewiseConstant'];

const DEFAULTS: { [K in ScheduleSpec['kind']]: Record<string, unknown> } = {
  exponentialDecay: { kind: 'exponentialDecay', initialLearningRate: undefined, decaySteps: undefined, decayRate: undefined, staircase: false },
  cosineDecay: { kind: 'cosineDecay', initialLearningRate: undefined, decaySteps: undefined, alpha: 0, warmupTarget: null, warmupSteps: 0 },
  piecewiseConstant: { kind: 'piecewiseConstant', boundaries: undefined, values: undefined },
};

function finite(value: unknown, field: string, test: (x: number) => boolean, allowed: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || !test(value)) throw new LayerwiseConfigError(field, `= ${describeValue(value)}: expected ${allowed}`);
  return value;
}

/** Checks a schedule spec and fills its defaults; errors name `where.field`. */
export function resolveSchedule(spec: ScheduleSpec, where: string): Required<ScheduleSpec> {
  const fields = spec as unknown as Record<string, unknown>;
  const kind = fields.kind as ScheduleSpec['kind'];
  const defaults = DEFAULTS[kind];
  if (defaults == null) {
    throw new LayerwiseConfigError(`${where}.kind`, `= ${describeValue(fields.kind)}: unknown learning-rate schedule; expected one of ${SCHEDULE_KINDS.join(', ')}`);
  }
  for (const key of Object.keys(fields)) {
    if (!(key in defaults)) throw new LayerwiseConfigError(`${where}.${key}`, `is not a field of the '${kind}' schedule; its fields are ${Object.keys(defaults).filter((k) => k !== 'kind').join(', ')}`);
  }
  const resolved: Record<string, unknown> = { ...defaults };
  for (const [key, value] of Object.entries(fields)) if (value !== undefined) resolved[key] = value;
  const at = (key: string): string => `${where}.${key}`;
  const nonNegative = (x: number): boolean => x >= 0;
  const positive = (x: number): boolean => x > 0;
  switch (kind) {
    case 'exponentialDecay':
      finite(resolved.initialLearningRate, at('initialLearningRate'), nonNegative, 'a finite number >= 0');
      finite(resolved.decaySteps, at('decaySteps'), positive, 'a finite number > 0');
      finite(resolved.decayRate, at('decayRate'), positive, 'a finite number > 0');
      if (typeof resolved.staircase !== 'boolean') throw new LayerwiseConfigError(at('staircase'), `= ${describeValue(resolved.staircase)}: expected true or false`);
      break;
    case 'cosineDecay':
      finite(resolved.initialLearningRate, at('initialLearningRate'), nonNegative, 'a finite number >= 0');
      finite(resolved.decaySteps, at('decaySteps'), positive, 'a finite number > 0');
      finite(resolved.alpha, at('alpha'), (x) => x >= 0 && x <= 1, 'a number >= 0 and <= 1');
      if (resolved.warmupTarget !== null) finite(resolved.warmupTarget, at('warmupTarget'), nonNegative, 'null (no warm-up) or a finite number >= 0');
      finite(resolved.warmupSteps, at('warmupSteps'), nonNegative, 'a finite number >= 0');
      if (resolved.warmupTarget !== null && (resolved.warmupSteps as number) === 0) {
        throw new LayerwiseConfigError(at('warmupSteps'), '= 0 with a warmupTarget: expected the warm-up length in steps (> 0), or warmupTarget null');
      }
      break;
    case 'piecewiseConstant': {
      const { boundaries, values } = resolved as { boundaries: unknown; values: unknown };
      if (!Array.isArray(boundaries) || boundaries.length === 0 || !boundaries.every((b) => typeof b === 'number' && Number.isFinite(b))) {
        throw new LayerwiseConfigError(at('boundaries'), `= ${describeValue(boundaries)}: expected a non-empty array of finite step numbers`);
      }
      if (boundaries.some((b, i) => i > 0 && b <= boundaries[i - 1])) throw new LayerwiseConfigError(at('boundaries'), `= ${describeValue(boundaries)}: expected strictly increasing steps`);
      if (!Array.isArray(values) || values.length !== boundaries.length + 1 || !values.every((v) => typeof v === 'number' && Number.isFinite(v) && v >= 0)) {
        throw new LayerwiseConfigError(at('values'), `= ${describeValue(values)}: expected ${boundaries.length + 1} finite rates >= 0 (one more than boundaries)`);
      }
      resolved.boundaries = [...boundaries];
      resolved.values = [...values];
      break;
    }
  }
  return resolved as unknown as Required<ScheduleSpec>;
}

/** The rate of a resolved schedule at `step`. */
export function scheduleValue(spec: ScheduleSpec, step: number): number {
  switch (spec.kind) {
    case 'exponentialDecay': {
      const exponent = step / spec.decaySteps;
      return spec.initialLearningRate * Math.pow(spec.decayRate, spec.staircase ? Math.floor(exponent) : exponent);
    }
    case 'cosineDecay': {
      const alpha = spec.alpha ?? 0;
      const cosine = (t: number, from: number): number => from * ((1 - alpha) * 0.5 * (1 + Math.cos((Math.PI * t) / spec.decaySteps)) + alpha);
      const warmupTarget = spec.warmupTarget ?? null;
      if (warmupTarget === null) return cosine(Math.min(step, spec.decaySteps), spec.initialLearningRate);
      const warmupSteps = spec.warmupSteps ?? 0;
      const t = Math.min(step, spec.decaySteps + warmupSteps);
      if (t < warmupSteps) return (warmupTarget - spec.initialLearningRate) * (t / warmupSteps) + spec.initialLearningRate;
      return cosine(t - warmupSteps, warmupTarget);
    }
    case 'piecewiseConstant': {
      const { boundaries, values } = spec;
      for (let i = 0; i < boundaries.length; i++) if (step <= boundaries[i]) return values[i];
      return values[values.length - 1];
    }
  }
}

/** A learning rate as a function of the step; a function's result is checked at every step. */
export function learningRateFunction(rate: LearningRate, where: string): LearningRateFunction {
  if (typeof rate === 'number') return () => rate;
  if (typeof rate === 'function') {
    return (step) => {
      const value = rate(step);
      if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
        throw new LayerwiseConfigError(where, `(step ${step}) returned ${describeValue(value)}: a learning-rate function must return a finite number >= 0`);
      }
      return value;
    };
  }
  return (step) => scheduleValue(rate, step);
}
