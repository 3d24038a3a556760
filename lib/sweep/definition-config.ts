/**
 * Reading and writing sweep definitions: JSON Schema validation (the published
 * `sweep-definition.schema.json`, checked with ajv, see `definition-validator.ts`), the rules a schema cannot say (low < high,
 * unique arm names, a grid big enough for the budget), defaults, and the round trip
 * `fromConfig(toConfig(definition))` equal to `definition`.
 */
import type { ErrorObject, ValidateFunction } from 'ajv';
import { describeValue, LayerwiseConfigError } from '../errors/config-error';
import { canonicalJson, sha256Hex } from './identity';
import type { ArmDefinition, Coefficient, EvaluationDefinition, JsonObject, PenaltyName, PruningDefinition, SamplerDefinition, SweepDefinition } from './definition';
import { ARM_OPTIONAL_FIELDS, ARM_SLOTS, DATA_SOURCE_KEYS, PENALTY_NAMES } from './definition';
import { Dimension, gridValues, SearchSpace } from './space';
import { armSpace, DROPOUT_PARAMETER, isSearched } from './arms';
import schema from './sweep-definition.schema.json';
import { fewestDecisiveSeeds } from './evaluation-stage';
import { definitionValidator } from './definition-validator';

/** The published JSON Schema of a sweep definition (draft-07). */
export const SWEEP_DEFINITION_SCHEMA: object = schema;

/** `/arms/1/penalties/l2` → `arms[1].penalties.l2`. */
function fieldPath(instancePath: string, extra?: string): string {
  const parts = instancePath.split('/').slice(1).map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (extra !== undefined) parts.push(extra);
  let path = '';
  for (const part of parts) path += /^\d+$/.test(part) ? `[${part}]` : path === '' ? part : `.${part}`;
  return path === '' ? 'sweep' : path;
}

function listValues(values: readonly unknown[]): string {
  return values.map((value) => describeValue(value)).join(', ');
}

/** One readable sentence for the first schema error. */
function schemaError(error: ErrorObject): LayerwiseConfigError {
  const params = error.params as Record<string, unknown>;
  const parentSchema = error.parentSchema as { properties?: Record<string, unknown>; oneOf?: Array<{ properties?: { type?: { const?: unknown } } }> } | undefined;
  if (error.instancePath === '/seeds' || error.instancePath.startsWith('/seeds/')) {
    return new LayerwiseConfigError('seeds', `: ${describeValue(error.data)} is not allowed; give a count (integer >= 1) or a list of distinct integers in [0, 4294967295]`);
  }
  if (error.instancePath === '/data' && error.keyword === 'oneOf') {
    const given = DATA_SOURCE_KEYS.filter((key) => (error.data as Record<string, unknown> | null)?.[key] !== undefined);
    return new LayerwiseConfigError(
      'data',
      given.length === 0 ? `: names no source; give exactly one of ${DATA_SOURCE_KEYS.join(', ')}` : `: gives ${given.join(' and ')}; give exactly one of ${DATA_SOURCE_KEYS.join(', ')}`,
    );
  }
  switch (error.keyword) {
    case 'required':
      return new LayerwiseConfigError(fieldPath(error.instancePath, String(params.missingProperty)), ': is required');
    case 'additionalProperties': {
      const allowed = Object.keys(parentSchema?.properties ?? {});
      return new LayerwiseConfigError(
        fieldPath(error.instancePath, String(params.additionalProperty)),
        `: unknown field; allowed fields here: ${allowed.join(', ') || '(none)'}`,
      );
    }
    case 'enum':
      return new LayerwiseConfigError(
        fieldPath(error.instancePath),
        `: ${describeValue(error.data)} is not allowed; allowed values: ${listValues(params.allowedValues as unknown[])}`,
      );
    case 'const':
      return new LayerwiseConfigError(fieldPath(error.instancePath), `: must be ${describeValue(params.allowedValue)} (got ${describeValue(error.data)})`);
    case 'discriminator': {
      const allowed = (parentSchema?.oneOf ?? []).map((branch) => branch.properties?.type?.const);
      const tag = String(params.tag);
      const value = (error.data as Record<string, unknown> | null)?.[tag];
      return new LayerwiseConfigError(
        fieldPath(error.instancePath, tag),
        value === undefined ? `: is required; allowed values: ${listValues(allowed)}` : `: ${describeValue(value)} is not allowed; allowed values: ${listValues(allowed)}`,
      );
    }
    case 'oneOf':
      return new LayerwiseConfigError(fieldPath(error.instancePath), `: ${describeValue(error.data)} ${error.message ?? 'is invalid'}`);
    case 'propertyNames':
      return new LayerwiseConfigError(fieldPath(error.instancePath, String(params.propertyName)), ': names a dimension; use letters, digits and "_" (no dots)');
    default:
      return new LayerwiseConfigError(fieldPath(error.instancePath), `: ${describeValue(error.data)} ${error.message ?? 'is invalid'}`);
  }
}

function checkDimension(dimension: Dimension, where: string): void {
  if (dimension.type !== 'choice' && !(dimension.low < dimension.high)) {
    throw new LayerwiseConfigError(`${where}.high`, `: ${dimension.high} must be greater than low (${dimension.low})`);
  }
  if (dimension.type === 'choice' && new Set(dimension.values.map((value) => JSON.stringify(value))).size !== dimension.values.length) {
    throw new LayerwiseConfigError(`${where}.values`, `: ${describeValue(dimension.values)} has repeated values`);
  }
}

/** What the values of a dimension must be, by the parameter it feeds. */
interface ValueRule {
  /** True when `value` is allowed. */
  allows(value: number): boolean;
  /** What is allowed, for the message. */
  allowed: string;
}

/** Penalty coefficients: a negative L2 or decay rewards large weights, which no trial can survive. */
const PENALTY_RULE: ValueRule = { allows: (value) => Number.isFinite(value) && value >= 0, allowed: 'a finite number >= 0' };
/** Shared dimensions whose meaning every objective agrees on. */
const SHARED_RULES: Record<string, ValueRule> = {
  learningRate: { allows: (value) => Number.isFinite(value) && value > 0, allowed: 'a finite number > 0' },
  batchSize: { allows: (value) => Number.isInteger(value) && value >= 1, allowed: 'an integer >= 1' },
};

/**
 * Every value the dimension can produce obeys `rule`: each `choice` value and both bounds of a
 * range (a range is convex, so its bounds decide), checked before the first trial rather than
 * failing every trial twice.
 */
function checkDimensionValues(dimension: Dimension, where: string, rule: ValueRule): void {
  if (dimension.type === 'choice') {
    dimension.values.forEach((value, index) => {
      if (typeof value !== 'number' || !rule.allows(value)) {
        throw new LayerwiseConfigError(`${where}.values[${index}]`, `: ${describeValue(value)} is not allowed; every value must be ${rule.allowed}`);
      }
    });
    return;
  }
  for (const bound of ['low', 'high'] as const) {
    if (!rule.allows(dimension[bound])) throw new LayerwiseConfigError(`${where}.${bound}`, `: ${describeValue(dimension[bound])} is not allowed; must be ${rule.allowed}`);
  }
}

/** Number of distinct configurations of a space (Infinity when a dimension is continuous without steps). */
function gridSize(space: SearchSpace): number {
  let size = 1;
  for (const [name, dimension] of Object.entries(space)) {
    if ((dimension.type === 'uniform' || dimension.type === 'logUniform') && dimension.steps === undefined) return Infinity;
    size *= gridValues(dimension, name).length;
  }
  return size;
}

/** Dropout rates: a rate of 1 drops everything. */
const DROPOUT_RULE: ValueRule = { allows: (value) => Number.isFinite(value) && value >= 0 && value < 1, allowed: 'a number in [0, 1)' };

/** A fixed coefficient or a dimension obeys `rule`. */
function checkCoefficient(coefficient: Coefficient, where: string, rule: ValueRule): void {
  if (!isSearched(coefficient)) {
    if (!rule.allows(coefficient)) throw new LayerwiseConfigError(where, `: ${describeValue(coefficient)} is not allowed; must be ${rule.allowed}`);
    return;
  }
  checkDimension(coefficient, where);
  checkDimensionValues(coefficient, where, rule);
}

/** What each kind of arm needs and refuses, beyond the schema. */
function checkArm(arm: ArmDefinition, where: string): void {
  const penalties = arm.penalties ?? {};
  const hasPenalties = Object.keys(penalties).length > 0;
  if (arm.kind === 'none') {
    for (const field of ['penalties', 'layers', 'groups', 'dropout', 'orthogonalMode'] as const) {
      if (arm[field] !== undefined) throw new LayerwiseConfigError(`${where}.${field}`, `: a "none" arm regularizes nothing and searches nothing; remove the field, or use kind "uniform" or "per-layer"`);
    }
    return;
  }
  if (!hasPenalties && !(arm.kind === 'uniform' && arm.dropout !== undefined)) {
    throw new LayerwiseConfigError(`${where}.penalties`, `: is required for a "${arm.kind}" arm (at least one of ${PENALTY_NAMES.join(', ')}); an arm without regularization is kind "none"`);
  }
  if (arm.kind === 'uniform' && arm.groups !== undefined) {
    throw new LayerwiseConfigError(`${where}.groups`, ': tied groups belong to a "per-layer" arm; a "uniform" arm already ties every layer it lists in `layers`');
  }
  if (arm.kind === 'per-layer') {
    if ((arm.layers ?? []).length === 0 && Object.keys(arm.groups ?? {}).length === 0) {
      throw new LayerwiseConfigError(`${where}.layers`, ': a per-layer arm needs `layers` (selectors, each its own coefficient) or `groups` (tied groups, one coefficient each)');
    }
    for (const group of Object.keys(arm.groups ?? {})) {
      if ((arm.layers ?? []).includes(group)) throw new LayerwiseConfigError(`${where}.groups.${group}`, ': a group is named like a `layers` entry; their parameters would collide, rename the group');
    }
  }
  for (const [penalty, coefficient] of Object.entries(penalties)) checkCoefficient(coefficient as Coefficient, `${where}.penalties.${penalty}`, PENALTY_RULE);
  if (arm.dropout !== undefined) checkCoefficient(arm.dropout, `${where}.dropout`, DROPOUT_RULE);
  // One regularizer per slot: an orthogonal penalty cannot be summed with L1/L2 on the same slot.
  for (const [orthogonalName, others] of [['orthogonal', ['l1', 'l2']], ...ARM_SLOTS.map((slot) => [`${slot}Orthogonal`, [`${slot}L1`, `${slot}L2`]])] as Array<[string, string[]]>) {
    const clash = others.find((other) => (penalties as Record<string, unknown>)[other] !== undefined);
    if ((penalties as Record<string, unknown>)[orthogonalName] !== undefined && clash !== undefined) {
      throw new LayerwiseConfigError(`${where}.penalties.${orthogonalName}`, `: cannot be combined with ${clash} on the same slot (one regularizer per slot); use separate arms`);
    }
  }
  if (arm.orthogonalMode !== undefined && !Object.keys(penalties).some((name) => name.toLowerCase().endsWith('orthogonal'))) {
    throw new LayerwiseConfigError(`${where}.orthogonalMode`, ': the arm has no orthogonal penalty for the mode to apply to');
  }
}

/** Largest seed a trial accepts (the schema's bound on `seeds`). */
const MAX_SEED = 4294967295;

/** What an evaluation block needs beyond its schema: arms to compare, room for fresh seeds, a max that can decide. */
function checkEvaluation(definition: SweepDefinition, evaluation: EvaluationDefinition): void {
  const armNames = definition.arms.map((arm) => arm.name);
  if (armNames.length < 2) {
    throw new LayerwiseConfigError('evaluation', `: compares each arm with a baseline arm, but the sweep has ${armNames.length} arm; add an arm or remove the evaluation block`);
  }
  if (!armNames.includes(evaluation.baseline)) {
    throw new LayerwiseConfigError('evaluation.baseline', `: ${describeValue(evaluation.baseline)} is not an arm; allowed values: ${listValues(armNames)}`);
  }
  const { min, max } = evaluation.seeds;
  if (max < min) throw new LayerwiseConfigError('evaluation.seeds.max', `: ${max} is below evaluation.seeds.min (${min}); max must be >= min`);
  const firstFresh = Math.max(...definition.seeds) + 1;
  if (firstFresh + max - 1 > MAX_SEED) {
    throw new LayerwiseConfigError('evaluation.seeds.max', `: fresh evaluation seeds are numbered from ${firstFresh} (after the largest selection seed), so ${max} of them pass ${MAX_SEED}; use smaller selection seeds or a smaller max`);
  }
  const comparisons = armNames.length - 1;
  const fewest = fewestDecisiveSeeds(evaluation.alpha / comparisons);
  if (max < fewest) {
    throw new LayerwiseConfigError(
      'evaluation.seeds.max',
      `: ${max} seeds can never be decisive: at alpha ${evaluation.alpha}${comparisons > 1 ? ` split over ${comparisons} comparisons` : ''} the confidence sequence is unbounded below ${fewest} paired seeds; use max >= ${fewest}`,
    );
  }
}

/** The rules JSON Schema cannot express; `definition` already has the schema's shape. */
function checkSemantics(definition: SweepDefinition): void {
  for (const [name, dimension] of Object.entries(definition.space)) {
    if ((PENALTY_NAMES as readonly string[]).includes(name) || name === DROPOUT_PARAMETER) {
      throw new LayerwiseConfigError(`space.${name}`, `: is reserved for the arms' penalties and dropout (${[...PENALTY_NAMES, DROPOUT_PARAMETER].join(', ')}); rename the dimension`);
    }
    checkDimension(dimension, `space.${name}`);
    if (SHARED_RULES[name] !== undefined) checkDimensionValues(dimension, `space.${name}`, SHARED_RULES[name]);
  }
  const names = new Set<string>();
  definition.arms.forEach((arm, armIndex) => {
    if (names.has(arm.name)) throw new LayerwiseConfigError(`arms[${armIndex}].name`, `: ${describeValue(arm.name)} is used by another arm; arm names must be unique`);
    names.add(arm.name);
    checkArm(arm, `arms[${armIndex}]`);
  });
  if (definition.evaluation !== undefined) checkEvaluation(definition, definition.evaluation);
  if (definition.sampler.type === 'grid') {
    // Continuous dimensions need grid points; name the field that lacks them.
    for (const [name, dimension] of Object.entries(definition.space)) gridValues(dimension, `space.${name}`);
    definition.arms.forEach((arm, armIndex) => {
      for (const [penalty, coefficient] of Object.entries(arm.penalties ?? {})) if (isSearched(coefficient)) gridValues(coefficient, `arms[${armIndex}].penalties.${penalty}`);
      if (isSearched(arm.dropout)) gridValues(arm.dropout, `arms[${armIndex}].dropout`);
      const space = armSpace(definition, arm);
      // An arm that searches nothing has one configuration whatever the budget (see planSlots).
      const size = Object.keys(space).length === 0 ? Infinity : gridSize(space);
      if (size < definition.budget) {
        throw new LayerwiseConfigError(
          'budget',
          `: ${definition.budget} exceeds the grid of arm "${arm.name}" (${size} configurations); lower the budget or add grid points, every arm gets the same budget`,
        );
      }
    });
  }
}

function withSamplerDefaults(sampler: Partial<SamplerDefinition> | undefined): SamplerDefinition {
  const result: SamplerDefinition = { type: sampler?.type ?? 'random', seed: sampler?.seed ?? 0 };
  if (sampler?.startupTrials !== undefined) result.startupTrials = sampler.startupTrials;
  if (sampler?.candidates !== undefined) result.candidates = sampler.candidates;
  if (sampler?.gamma !== undefined) result.gamma = sampler.gamma;
  return result;
}

function withPruningDefaults(pruning: Record<string, unknown> | undefined): PruningDefinition {
  switch (pruning?.type) {
    case 'median':
      return { type: 'median', startupTrials: (pruning.startupTrials as number) ?? 5, warmupEpochs: (pruning.warmupEpochs as number) ?? 1 };
    case 'asha':
      return { type: 'asha', minEpochs: (pruning.minEpochs as number) ?? 1, reductionFactor: (pruning.reductionFactor as number) ?? 3 };
    default:
      return { type: 'none' };
  }
}

/** The evaluation block with its defaults; the baseline defaults to the arm named 'uniform', else the first arm. */
function withEvaluationDefaults(evaluation: Record<string, any>, arms: readonly ArmDefinition[]): EvaluationDefinition {
  return {
    seeds: { min: evaluation.seeds.min ?? 3, max: evaluation.seeds.max, until: evaluation.seeds.until ?? 'decisive', batch: evaluation.seeds.batch ?? 1 },
    metric: evaluation.metric ?? 'testLoss',
    margin: evaluation.margin ?? 0,
    alpha: evaluation.alpha ?? 0.05,
    baseline: evaluation.baseline ?? (arms.some((arm) => arm.name === 'uniform') ? 'uniform' : arms[0].name),
  };
}

function copyJson<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/**
 * Throws {@link LayerwiseConfigError} for the first schema error of `config`, in one readable
 * sentence. `validate` is the sweep definition validator: the generated or the compiled one
 * (given by the test that both say the same).
 */
export function checkAgainstSchema(config: unknown, validate: ValidateFunction = definitionValidator()): void {
  if (validate(config)) return;
  const errors = validate.errors!;
  // execution.population is one of two forms: say both, not the first branch's type.
  const population = errors.find((error) => error.instancePath === '/execution/population');
  if (population !== undefined) {
    throw new LayerwiseConfigError('execution.population', `: got ${describeValue(population.data)}; allowed: "auto" (pack every ready trial with an equal population key) or an integer >= 1 (at most that many; 1 trains each trial alone)`);
  }
  // A data source error is reported as the whole choice ("give exactly one of ..."), not as the first branch's missing key.
  throw schemaError(errors.find((error) => error.instancePath === '/data' && error.keyword === 'oneOf') ?? errors[0]);
}

/**
 * Validates plain JSON (a parsed sweep file) and returns the definition with defaults filled in.
 * Throws {@link LayerwiseConfigError} naming the field, the value and what is allowed.
 */
export function fromConfig(config: unknown): SweepDefinition {
  checkAgainstSchema(config);
  const raw = copyJson(config) as JsonObject & Record<string, any>;
  const definition: SweepDefinition = {
    name: raw.name,
    objective: raw.objective ?? 'train',
    model: raw.model,
    data: raw.data,
    training: raw.training ?? {},
    space: raw.space ?? {},
    arms: (raw.arms as ArmDefinition[]).map((arm) => {
      const copy: ArmDefinition = { name: arm.name, kind: arm.kind };
      for (const field of ARM_OPTIONAL_FIELDS) if (arm[field] !== undefined) (copy as unknown as Record<string, unknown>)[field] = arm[field];
      return copy;
    }),
    budget: raw.budget,
    seeds: typeof raw.seeds === 'number' ? Array.from({ length: raw.seeds }, (_, seed) => seed) : raw.seeds,
    sampler: withSamplerDefaults(raw.sampler),
    pruning: withPruningDefaults(raw.pruning),
    execution: { retries: raw.execution?.retries ?? 1 },
  };
  if (raw.description !== undefined) definition.description = raw.description;
  if (raw.evaluation !== undefined) definition.evaluation = withEvaluationDefaults(raw.evaluation, definition.arms);
  if (raw.execution?.trialTimeoutSeconds !== undefined) definition.execution.trialTimeoutSeconds = raw.execution.trialTimeoutSeconds;
  if (raw.execution?.backend !== undefined) definition.execution.backend = raw.execution.backend;
  if (raw.execution?.population !== undefined) definition.execution.population = raw.execution.population;
  checkSemantics(definition);
  return definition;
}

/** Plain JSON of a definition (defaults explicit); `fromConfig(toConfig(d))` deep-equals `d`. */
export function toConfig(definition: SweepDefinition): JsonObject {
  return copyJson(definition) as unknown as JsonObject;
}

/** Validates an already-typed definition (e.g. from a TS module) and returns it with defaults. */
export function validateSweepDefinition(definition: unknown): SweepDefinition {
  return fromConfig(definition);
}

/**
 * Fingerprint of what a sweep is: everything except description and execution limits (timeouts
 * and retries change how trials are run, not which ones). A different fingerprint under the same
 * output folder needs `extend`.
 */
export function definitionFingerprint(definition: SweepDefinition): string {
  const { description: _description, execution: _execution, ...rest } = definition;
  return sha256Hex(canonicalJson(rest));
}

/**
 * Paths of the values that differ between two definitions (for the "changed" error), as deep as
 * they differ: `training.epochs`, `arms[0].penalties.l2.high`, `seeds`. Compared in canonical
 * form, so key order (which PostgreSQL's jsonb rewrites) never counts as a change. Description
 * and execution limits are not part of a sweep's identity and are left out.
 */
export function changedFields(before: SweepDefinition, after: SweepDefinition): string[] {
  const paths: string[] = [];
  const visit = (a: unknown, b: unknown, where: string): void => {
    if (a === undefined && b === undefined) return;
    if (a === undefined || b === undefined) {
      paths.push(where);
      return;
    }
    if (canonicalJson(a) === canonicalJson(b)) return;
    const bothObjects = a !== null && b !== null && typeof a === 'object' && typeof b === 'object' && Array.isArray(a) === Array.isArray(b);
    if (!bothObjects || (Array.isArray(a) && (a as unknown[]).length !== (b as unknown[]).length)) {
      paths.push(where === '' ? '(the whole definition)' : where);
      return;
    }
    if (Array.isArray(a)) {
      (a as unknown[]).forEach((item, index) => visit(item, (b as unknown[])[index], `${where}[${index}]`));
      return;
    }
    const keys = [...new Set([...Object.keys(a as object), ...Object.keys(b as object)])].sort();
    for (const key of keys) {
      if (where === '' && (key === 'description' || key === 'execution')) continue;
      visit((a as JsonObject)[key], (b as JsonObject)[key], where === '' ? key : `${where}.${key}`);
    }
  };
  visit(before, after, '');
  return paths;
}

/** Penalty names an arm tunes (searched or fixed), in canonical order. */
export function armPenalties(arm: ArmDefinition): PenaltyName[] {
  return PENALTY_NAMES.filter((name) => arm.penalties?.[name] !== undefined);
}
