/**
 * The local sweep's proposer: the plan's slots (arm × configuration index, interleaved; see
 * lib/sweep/plan) with parameters from the definition's sampler, each slot trained once per seed.
 *
 * Determinism of adaptive samplers (same proposals on 1 or N workers and after resumes): the
 * proposal for configuration `index` of an arm sees exactly the arm's configurations with a lower
 * index, every seed finished, listed in plan order (the view's history), never whatever happened to
 * finish first. A slot is therefore proposed only when every lower index of its arm has finished,
 * unless the sampler says the index reads no history (TPE's random start-up draws). Duplicate
 * configurations are avoided against lower indices only, which are always proposed first.
 */
import { armSpace } from '../arms';
import type { SweepDefinition } from '../definition';
import type { ArmIdentities } from '../arm-identities';
import { armIdentities, planSlots, Shard, Slot, slotTrials } from '../plan';
import type { ParameterValues, TrialRecord } from '../record';
import type { Sampler } from '../samplers';
import { dimensionAllows } from '../space';
import type { TrialSpec } from '../storage/storage';
import type { Proposal, Proposer } from './proposer';
import type { LoopView } from './view';

interface SlotState {
  slot: Slot;
  params?: ParameterValues;
  trials?: TrialSpec[];
}

export interface SamplerProposerArgs {
  definition: SweepDefinition;
  sampler: Sampler;
  /** Only this static shard's slots. Default: all. */
  shard?: Shard;
  /** Trials already in the store (records or summaries): an adaptive sampler's slot sampled by an earlier run keeps its parameters when they still fit. */
  stored?: ReadonlyArray<Pick<TrialRecord, 'role' | 'arm' | 'index' | 'params' | 'configId'>>;
}

/** Proposes the plan's slots with parameters from the sampler, each slot once per seed (see the file comment). */
export class SamplerProposer implements Proposer {
  private readonly slots: SlotState[];
  private readonly definition: SweepDefinition;
  private readonly sampler: Sampler;
  /**
   * Per arm: each configuration id a slot holds, with the lowest index holding it. A slot's sample
   * avoids the ids held at a lower index of its arm; this answers that in one lookup (a scan of
   * every slot per sample was quadratic: 11 s of 17 s before the first trial at 100,000 trials).
   */
  private readonly lowestIndexOf = new Map<string, Map<string, number>>();
  /** Per arm: its identities, the arm's context serialized once (see ArmIdentities). */
  private readonly identitiesOf = new Map<string, ArmIdentities>();
  readonly total: number;

  constructor(args: SamplerProposerArgs) {
    this.definition = args.definition;
    this.sampler = args.sampler;
    for (const arm of args.definition.arms) this.identitiesOf.set(arm.name, armIdentities(args.definition, arm));
    this.slots = planSlots(args.definition, args.shard).map((slot) => ({ slot }));
    this.total = this.slots.length * args.definition.seeds.length;
    if (this.sampler.adaptive) {
      const bySlot = storedBySlot(args.stored ?? []);
      for (const state of this.slots) this.adoptStored(state, bySlot.get(slotKey(state.slot.arm.name, state.slot.index)) ?? []);
    }
  }

  /** Non-adaptive samplers need nothing: every slot is known at once (so a shared store's workers find every trial). */
  next(view: LoopView): Proposal {
    const trials: TrialSpec[] = [];
    let done = true;
    /** Per arm: true once a configuration index with an unfinished (or unsampled) trial was passed. */
    const blocked = new Set<string>();
    for (const state of this.slots) {
      const arm = state.slot.arm.name;
      if (state.trials === undefined) {
        const mayPropose = !this.sampler.adaptive || !blocked.has(arm) || this.sampler.needsHistory?.(state.slot.index, this.definition.budget) === false;
        if (mayPropose) this.sample(state, view);
      }
      if (state.trials === undefined) {
        done = false;
        blocked.add(arm);
        continue;
      }
      let slotFinished = true;
      for (const trial of state.trials) {
        if (view.finished(trial.trialId)) continue;
        slotFinished = false;
        trials.push(trial);
      }
      if (!slotFinished) {
        done = false;
        // Slots are in index order per arm: every later index of this arm must wait (unless it needs no history).
        blocked.add(arm);
      }
    }
    return { trials, done };
  }

  proposed(): TrialSpec[] {
    return this.slots.flatMap((state) => state.trials ?? []);
  }

  private adopt(state: SlotState, params: ParameterValues): void {
    state.params = params;
    state.trials = slotTrials(this.definition, state.slot, params, this.identitiesOf.get(state.slot.arm.name));
    const configId = state.trials[0]?.configId;
    if (configId === undefined) return;
    let lowest = this.lowestIndexOf.get(state.slot.arm.name);
    if (lowest === undefined) this.lowestIndexOf.set(state.slot.arm.name, (lowest = new Map()));
    const known = lowest.get(configId);
    if (known === undefined || state.slot.index < known) lowest.set(configId, state.slot.index);
  }

  /** `stored`: the stored selection trials of this slot's arm and index, in store order. */
  private adoptStored(state: SlotState, stored: NonNullable<SamplerProposerArgs['stored']>): void {
    const space = armSpace(this.definition, state.slot.arm);
    const earlier = stored.find(
      (record) =>
        Object.keys(space).length === Object.keys(record.params).length &&
        Object.entries(space).every(([name, dimension]) => record.params[name] !== undefined && dimensionAllows(dimension, record.params[name])) &&
        record.configId === this.identitiesOf.get(state.slot.arm.name)?.configId(record.params),
    );
    if (earlier !== undefined) this.adopt(state, earlier.params);
  }

  private sample(state: SlotState, view: LoopView): void {
    const { arm, index } = state.slot;
    const space = armSpace(this.definition, arm);
    const observations = view.history.observations(arm.name, index);
    const lowest = this.lowestIndexOf.get(arm.name);
    // Held by a lower index of this arm (the slots sampled so far; see `lowestIndexOf`).
    const used = (configId: string): boolean => (lowest?.get(configId) ?? Infinity) < index;
    for (let retry = 0; retry < 100; retry++) {
      const params = this.sampler.sample({ space, arm: arm.name, index, budget: this.definition.budget, history: observations, retry });
      if (!used((this.identitiesOf.get(arm.name) as ArmIdentities).configId(params)) || retry === 99) {
        this.adopt(state, params);
        return;
      }
    }
  }
}

type StoredTrial = NonNullable<SamplerProposerArgs['stored']>[number];

function slotKey(arm: string, index: number): string {
  return `${arm}\u0000${index}`;
}

/**
 * Stored selection trials grouped by arm and configuration index, in store order: each slot then
 * looks only at its own (one pass over a 100,000-trial store instead of one per slot).
 */
function storedBySlot(stored: ReadonlyArray<StoredTrial>): Map<string, StoredTrial[]> {
  const bySlot = new Map<string, StoredTrial[]>();
  for (const record of stored) {
    if (record.role === 'evaluation') continue;
    const key = slotKey(record.arm, record.index);
    const list = bySlot.get(key);
    if (list === undefined) bySlot.set(key, [record]);
    else list.push(record);
  }
  return bySlot;
}
