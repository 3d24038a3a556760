/**
 * The shape of a sweep before anything runs: one slot per (arm, configuration index), interleaved
 * across arms (index 0 of every arm, then index 1, ...) so both arms advance together, each slot
 * trained once per seed. Trial identities and the static shard assignment live here.
 */
import { LayerwiseConfigError } from '../errors/config-error';
import { armSpace } from './arms';
import { ArmIdentities } from './arm-identities';
import { canonicalJson, sha256Hex } from './identity';
import type { ArmDefinition, SweepDefinition } from './definition';
import type { ParameterValues, TrialRole } from './record';
import type { TrialSpec } from './storage/storage';

/** Static shard `index/count`, 1-based like `--shard 2/4` (index in 1..count). */
export interface Shard {
  index: number;
  count: number;
}

/** Parses `i/n` (1-based) as given to `--shard`. */
export function parseShard(text: string): Shard {
  const match = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = match ? Number(match[1]) : NaN;
  const count = match ? Number(match[2]) : NaN;
  if (!match || count < 1 || index < 1 || index > count) {
    throw new LayerwiseConfigError('shard', `: "${text}" is not a shard; use i/n with 1 <= i <= n, e.g. 1/4 (for Kubernetes Indexed Jobs: $((JOB_COMPLETION_INDEX+1))/N)`);
  }
  return { index, count };
}

export interface Slot {
  arm: ArmDefinition;
  /** Configuration index within the arm. */
  index: number;
  /** Position in the interleaved order over all arms: index * arms + armPosition. */
  position: number;
}

/** Configurations an arm runs: the budget, or 1 when its space is empty (a `none` or fixed-coefficient arm has one configuration; seeds still vary). */
export function armConfigurations(definition: Pick<SweepDefinition, 'space' | 'budget'>, arm: ArmDefinition): number {
  return Object.keys(armSpace(definition, arm)).length === 0 ? 1 : definition.budget;
}

/**
 * All slots of a sweep in run order, or only those of one shard (position mod count = index - 1).
 * Positions are those of the full interleaved grid (budget × arms), so an arm with one
 * configuration leaves gaps instead of shifting the other arms' positions and shards.
 */
export function planSlots(definition: SweepDefinition, shard?: Shard): Slot[] {
  const slots: Slot[] = [];
  const configurations = definition.arms.map((arm) => armConfigurations(definition, arm));
  for (let index = 0; index < definition.budget; index++) {
    definition.arms.forEach((arm, armPosition) => {
      if (index >= configurations[armPosition]) return;
      const position = index * definition.arms.length + armPosition;
      if (shard === undefined || position % shard.count === shard.index - 1) slots.push({ arm, index, position });
    });
  }
  return slots;
}

/** The part of a definition that decides what a trial computes (not its budget, sampler or name). */
function trialContext(definition: SweepDefinition, arm: ArmDefinition): unknown {
  return {
    objective: definition.objective,
    model: definition.model,
    data: definition.data,
    training: definition.training,
    arm: armContext(arm),
  };
}

/**
 * The arm's part of a trial's identity: which penalties it tunes and where. Fields added after the
 * first release (fixed coefficients, groups, dropout, orthogonal mode) enter only when used, so
 * the identities of earlier sweeps' trials, and with them their resumes, are unchanged.
 */
function armContext(arm: ArmDefinition): Record<string, unknown> {
  const penalties = arm.penalties ?? {};
  const context: Record<string, unknown> = { name: arm.name, kind: arm.kind, layers: arm.layers ?? null, penalties: Object.keys(penalties).sort() };
  const fixed = Object.fromEntries(Object.entries(penalties).filter(([, coefficient]) => typeof coefficient === 'number'));
  if (Object.keys(fixed).length > 0) context.fixed = fixed;
  if (arm.groups !== undefined) context.groups = arm.groups;
  if (arm.dropout !== undefined) context.dropout = arm.dropout;
  if (arm.orthogonalMode !== undefined) context.orthogonalMode = arm.orthogonalMode;
  return context;
}

/** Stable hash of a configuration (everything a trial computes, without the seed). */
export function configIdentity(definition: SweepDefinition, arm: ArmDefinition, params: ParameterValues): string {
  return sha256Hex(canonicalJson({ configuration: trialContext(definition, arm), params }));
}

/**
 * Stable hash of a configuration, seed and role: the trial's identity. The role enters only for
 * evaluation trials, so selection trials keep the identities (and resumes) of earlier sweeps, and
 * an evaluation re-run can never be mistaken for a selection trial.
 */
export function trialIdentity(definition: SweepDefinition, arm: ArmDefinition, params: ParameterValues, seed: number, role: TrialRole = 'selection'): string {
  return sha256Hex(canonicalJson({ configuration: trialContext(definition, arm), params, seed, ...(role === 'selection' ? {} : { role }) }));
}

/** The identities of `arm`'s configurations and trials, for making many (equal to `configIdentity` and `trialIdentity`). */
export function armIdentities(definition: SweepDefinition, arm: ArmDefinition): ArmIdentities {
  return new ArmIdentities(trialContext(definition, arm));
}

/**
 * The trials of one slot with the given parameters, one per seed (the same seed list in every arm).
 * `identities`: the slot's arm's, when the caller makes many slots' trials (see ArmIdentities).
 */
export function slotTrials(definition: SweepDefinition, slot: Slot, params: ParameterValues, identities: ArmIdentities = armIdentities(definition, slot.arm)): TrialSpec[] {
  const { configId, trialIds } = identities.trialIdsOf(params, definition.seeds);
  return definition.seeds.map((seed, position) => ({
    trialId: trialIds[position],
    configId,
    sweepName: definition.name,
    arm: slot.arm.name,
    index: slot.index,
    params,
    seed,
  }));
}
