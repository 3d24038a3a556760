/**
 * Claiming the next job. Without a proposer (a worker): any waiting trial of the sweep. With one:
 * ask it for the ready trials, enqueue the new ones (a shared store's other workers can take them
 * too), claim the first that is neither finished, nor running here, nor held elsewhere; when the
 * executor and objective can train populations, also claim the ready trials after it with an equal
 * population key, in the plan's order, so a member's pruning gate waits only on members before it.
 */
import type { SweepDefinition } from '../definition';
import type { TrialExecutor } from '../executors/executor';
import type { BackendName } from '../../backend/names';
import type { TrialInput, TrialObjective } from '../objective';
import type { TrialRecord } from '../record';
import type { TrialSpec, TrialStorage } from '../storage/storage';
import { trialInput } from './attempt';
import type { Proposal, Proposer } from './proposer';
import type { LoopView } from './view';

export interface ClaimerArgs {
  definition: SweepDefinition;
  storage: TrialStorage;
  executor: TrialExecutor;
  proposer?: Proposer;
  objective?: TrialObjective;
  view: LoopView;
  workerId: string;
  /** Whether a trial runs in this loop now. */
  isRunningHere(trialId: string): boolean;
  /** Slots free now (for 'auto' populations: the ready trials are spread over them unless they pack into one). */
  freeSlots(): number;
  /**
   * Members per population job instead of the definition's `execution.population`. A loop
   * without a proposer (a worker) needs a number: it cannot see how many other workers share the
   * waiting trials, so 'auto' there means a fixed cap chosen by the caller.
   */
  population?: 'auto' | number;
  /** The sweep's backend, when known: 'auto' packs or spreads by its cost (`TrialObjective.packsTogether`). */
  backend?: BackendName;
}

export class Claimer {
  /** Trials the proposer offered that another worker holds: looked at every poll. */
  readonly elsewhere = new Set<string>();
  /** The proposer's trials so far (finished ones of earlier runs included): the plan the pruning gate compares within. */
  readonly proposedIds = new Set<string>();
  /** The proposer's latest answer. */
  lastProposal?: Proposal;
  private readonly enqueued = new Set<string>();
  /** Members per population job: 1 when populations are off or impossible; Infinity for 'auto'. */
  private readonly populationLimit: number;

  constructor(private readonly args: ClaimerArgs) {
    const setting = args.population ?? args.definition.execution.population ?? 'auto';
    const possible = args.executor.executePopulation !== undefined && args.objective?.populationKey !== undefined && args.objective.runPopulation !== undefined;
    this.populationLimit = !possible ? 1 : setting === 'auto' ? Infinity : setting;
  }

  /** Asks the proposer again (without claiming). */
  propose(): Proposal {
    this.lastProposal = this.args.proposer!.next(this.args.view);
    for (const trial of this.args.proposer!.proposed()) this.proposedIds.add(trial.trialId);
    return this.lastProposal;
  }

  /** Claims the next job (one trial, or a population's members), or undefined when nothing can be claimed now. */
  async next(): Promise<TrialRecord[] | undefined> {
    const { storage, view, definition, workerId } = this.args;
    const name = definition.name;
    if (this.args.proposer === undefined) return this.nextWaiting();
    const proposal = this.propose();
    const fresh = proposal.trials.filter((trial) => !this.enqueued.has(trial.trialId));
    if (fresh.length > 0) {
      for (const trial of fresh) this.enqueued.add(trial.trialId);
      await storage.enqueueTrials(name, fresh);
      view.enqueued(fresh);
    }
    const claimable = proposal.trials.filter((spec) => !view.finished(spec.trialId) && !this.args.isRunningHere(spec.trialId) && !this.elsewhere.has(spec.trialId));
    const limit = this.populationLimit === Infinity ? this.autoLimit(claimable) : this.populationLimit;
    const members: TrialRecord[] = [];
    let key: string | undefined;
    for (const spec of claimable) {
      if (members.length >= limit) break;
      if (members.length > 0 && (key === undefined || this.populationKeyOf(spec) !== key)) continue;
      const claimed = await storage.claimTrial(name, { trialIds: [spec.trialId], workerId });
      if (claimed === undefined) {
        // Not waiting: another worker of a shared store holds it (or already finished it).
        this.elsewhere.add(spec.trialId);
        continue;
      }
      view.see(claimed);
      members.push(claimed);
      if (members.length === 1) {
        if (limit <= 1) break;
        key = this.populationKeyOf(claimed);
        if (key === undefined) break;
      }
    }
    return members.length === 0 ? undefined : members;
  }

  /**
   * Without a proposer (a worker): the store's next waiting trial, then, when populations are
   * possible, up to the limit of the other waiting trials with its population key. Each is claimed
   * on its own (a trial another worker claims first is skipped), so every member keeps its own
   * attempt number (fencing) and lease. Members are returned in the plan's order, so a member's
   * pruning gate never waits on a member after it in the same population.
   */
  private async nextWaiting(): Promise<TrialRecord[] | undefined> {
    const { storage, view, definition, workerId } = this.args;
    const name = definition.name;
    const first = await storage.claimTrial(name, { workerId });
    if (first === undefined) return undefined;
    view.see(first);
    const limit = this.populationLimit === Infinity ? Number.MAX_SAFE_INTEGER : this.populationLimit;
    const key = limit > 1 ? this.populationKeyOf(first) : undefined;
    if (key === undefined) return [first];
    const members: TrialRecord[] = [first];
    // Waiting trials have no epochs: this read is small whatever the store keeps for finished ones.
    const waiting = (await storage.listTrials(name, { states: ['waiting'] })).sort((a, b) => comparePlanOrder(view, a, b));
    for (const candidate of waiting) {
      if (members.length >= limit) break;
      if (candidate.trialId === first.trialId || this.populationKeyOf(candidate) !== key) continue;
      const claimed = await storage.claimTrial(name, { trialIds: [candidate.trialId], workerId });
      if (claimed === undefined) continue; // Another worker claimed it first.
      view.see(claimed);
      members.push(claimed);
    }
    return members.sort((a, b) => comparePlanOrder(view, a, b));
  }

  /**
   * 'auto': all ready trials in one job when the objective's cost model says one population beats
   * spreading them (small models: the shared kernel calls dominate); else spread over the free
   * slots (each pool worker trains on one core), at least one per job.
   */
  private autoLimit(claimable: readonly TrialSpec[]): number {
    const free = Math.max(1, this.args.freeSlots());
    const spread = Math.max(1, Math.ceil(claimable.length / free));
    if (free < 2 || claimable.length < 2 || this.args.objective?.packsTogether === undefined) return spread;
    const input = this.inputOf(claimable[0]);
    return input !== undefined && this.args.objective.packsTogether(input, claimable.length, free, this.args.backend) ? claimable.length : spread;
  }

  private inputOf(trial: TrialSpec): TrialInput | undefined {
    return trialInput(this.args.definition, { ...trial, sweepName: this.args.definition.name, state: 'waiting', attempts: 1, epochs: [] });
  }

  private populationKeyOf(trial: TrialSpec): string | undefined {
    const input = this.inputOf(trial);
    return input === undefined ? undefined : this.args.objective!.populationKey!(input);
  }
}

/** Orders trials as the plan does: by configuration index, then by the seed's position in the definition. */
function comparePlanOrder(view: LoopView, a: Pick<TrialRecord, 'index' | 'seed' | 'arm'>, b: Pick<TrialRecord, 'index' | 'seed' | 'arm'>): number {
  const [indexA, seedA] = view.planOrder(a);
  const [indexB, seedB] = view.planOrder(b);
  return indexA - indexB || seedA - seedB || a.arm.localeCompare(b.arm);
}
