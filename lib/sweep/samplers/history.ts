/**
 * What adaptive samplers learn from, kept up to date one trial at a time: per configuration of an
 * arm, the mean final VALIDATION loss of its complete seeds (train and test metrics never enter:
 * test metrics must not select). Reading an arm's observations costs nothing until a trial of that
 * arm finishes, then one pass over the arm's configurations, never a pass over every trial of the
 * sweep (let alone the journal) per proposal.
 *
 * By default the result equals `observationsOf(records, arm)` (runner.ts) over the records in the
 * order they were first seen: configurations in order of their first-seen finished trial, seeds'
 * losses summed in that order. The runner passes a `position` that is the trial's place in the
 * plan instead (configuration index, then seed), so the order, and the float sums, do not depend
 * on which trial happened to finish first: proposals are the same on 1 or N workers.
 */
import type { ParameterValues, TrialRecord } from '../record';
import { isFinished } from '../storage/journal-format';
import type { Observation } from './sampler';

/** The fields of a trial record (or summary) the history reads. */
export type HistoryTrial = Pick<TrialRecord, 'trialId' | 'configId' | 'arm' | 'index' | 'seed' | 'params' | 'state' | 'final'>;

export interface SamplerHistoryArgs {
  /** A trial's place in the order observations and seed losses are listed and summed. Default: the order `see` first met it. */
  position?: (trial: HistoryTrial) => number;
}

interface ConfigEntry {
  params: ParameterValues;
  /** The configuration's index within its arm. */
  index: number;
  /** First-seen position of the configuration's earliest-seen finished trial. */
  position: number;
  /** Complete seeds' final validation losses with their trials' first-seen positions. */
  losses: Array<{ position: number; loss: number }>;
  finished: number;
  pruned: number;
}

export class SamplerHistory {
  /** First-seen position of every trial id. */
  private readonly positions = new Map<string, number>();
  /** Finished trials already counted (a finished trial never changes). */
  private readonly counted = new Set<string>();
  private readonly configs = new Map<string, Map<string, ConfigEntry>>();
  /** Per arm: the observations (in position order) and each one's configuration index. */
  private readonly cache = new Map<string, { indices: number[]; observations: Observation[] }>();

  constructor(private readonly args: SamplerHistoryArgs = {}) {}

  /** Notes a trial in any state; a finished one is counted once. Call it for every record the caller learns of, in the order it learns of them. */
  see(trial: HistoryTrial): void {
    if (!this.positions.has(trial.trialId)) this.positions.set(trial.trialId, this.args.position?.(trial) ?? this.positions.size);
    if (!isFinished(trial) || this.counted.has(trial.trialId)) return;
    this.counted.add(trial.trialId);
    const position = this.positions.get(trial.trialId)!;
    let arm = this.configs.get(trial.arm);
    if (arm === undefined) this.configs.set(trial.arm, (arm = new Map()));
    let entry = arm.get(trial.configId);
    if (entry === undefined) arm.set(trial.configId, (entry = { params: trial.params, index: trial.index, position, losses: [], finished: 0, pruned: 0 }));
    else if (position < entry.position) [entry.position, entry.params] = [position, trial.params];
    entry.finished++;
    if (trial.state === 'pruned') entry.pruned++;
    const loss = trial.final?.validation?.loss;
    if (trial.state === 'complete' && loss !== undefined && Number.isFinite(loss)) entry.losses.push({ position, loss });
    this.cache.delete(trial.arm);
  }

  /**
   * Finished configurations of `arm` as the sampler sees them; with `belowIndex`, only those with
   * a lower configuration index (what the proposal for configuration `belowIndex` may see).
   */
  observations(arm: string, belowIndex = Infinity): readonly Observation[] {
    const { indices, observations } = this.entries(arm);
    // The usual case (every finished configuration lies below): the cached array itself, no copy.
    if (indices.every((index) => index < belowIndex)) return observations;
    return observations.filter((_observation, position) => indices[position] < belowIndex);
  }

  private entries(arm: string): { indices: number[]; observations: Observation[] } {
    const cached = this.cache.get(arm);
    if (cached !== undefined) return cached;
    const entries = [...(this.configs.get(arm)?.values() ?? [])].sort((a, b) => a.position - b.position);
    const result = { indices: [] as number[], observations: [] as Observation[] };
    for (const entry of entries) {
      // A configuration whose seeds were only pruned says little about its final loss: leave it out.
      if (entry.losses.length === 0 && entry.pruned === entry.finished) continue;
      result.indices.push(entry.index);
      if (entry.losses.length === 0) {
        result.observations.push({ params: entry.params });
        continue;
      }
      const losses = [...entry.losses].sort((a, b) => a.position - b.position);
      result.observations.push({ params: entry.params, value: losses.reduce((sum, item) => sum + item.loss, 0) / losses.length });
    }
    this.cache.set(arm, result);
    return result;
  }
}
