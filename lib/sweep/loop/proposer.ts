/**
 * What the trial loop asks for trials: a proposer looks at the store's picture and says which
 * trials are ready to run now (in the order they should run) and whether it has nothing more to
 * propose. The local sweep asks the sampler-based proposer; a distributed worker has none and
 * claims whatever is waiting. Stages chain: a later stage (e.g. evaluating each arm's selected
 * configuration on fresh seeds) starts proposing once the one before it is done, and may add
 * trials the plan did not have.
 */
import type { TrialSpec } from '../storage/storage';
import type { LoopView } from './view';

export interface Proposal {
  /**
   * Trials that may run now, in the order to run them. Trials already finished are left out;
   * trials running (here or elsewhere) may be listed, the loop skips them. The loop enqueues every
   * listed trial (idempotent), so workers of a shared store can claim them too.
   */
  trials: TrialSpec[];
  /** True when every trial this proposer will ever propose has finished: the loop may end. */
  done: boolean;
}

export interface Proposer {
  /** The ready trials given what `view` knows now. Called often: keep it cheap and free of side effects beyond its own memo. */
  next(view: LoopView): Proposal;
  /**
   * Every trial proposed so far (finished or not): the sweep's scope for summaries and for the
   * pruner's "earlier in the plan" (a later stage's trials never change a selection stage's decisions).
   */
  proposed(): TrialSpec[];
  /** Trials this proposer will propose in all, when known (progress total). */
  readonly total?: number;
}

/**
 * Stages run one after another: stage k+1 is asked only once stage k is done (it sees every
 * record of stage k in the view, e.g. to select each arm's best configuration). Done when the
 * last stage is.
 */
export class StagedProposer implements Proposer {
  constructor(private readonly stages: readonly Proposer[]) {
    if (stages.length === 0) throw new Error('StagedProposer: at least one stage');
  }

  next(view: LoopView): Proposal {
    for (let stage = 0; stage < this.stages.length; stage++) {
      const proposal = this.stages[stage].next(view);
      if (!proposal.done || stage === this.stages.length - 1) return proposal;
    }
    /* istanbul ignore next: the loop above always returns at the last stage */
    return { trials: [], done: true };
  }

  proposed(): TrialSpec[] {
    return this.stages.flatMap((stage) => stage.proposed());
  }

  get total(): number | undefined {
    let total = 0;
    for (const stage of this.stages) {
      if (stage.total === undefined) return undefined;
      total += stage.total;
    }
    return total;
  }
}
