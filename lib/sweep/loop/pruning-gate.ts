/**
 * Deterministic pruning: the decision for a trial at epoch e reads only the trials of its arm that
 * come before it in the plan's fixed order (configuration index, then seed order), with their
 * values at epoch e. Before deciding, the gate waits until each of those has reported epoch e or
 * finished without it; the answer then depends on nothing but the plan and the (seeded) values,
 * so 1 or N workers and any number of resumes prune the same trials at the same epochs.
 *
 * Waiting cannot deadlock: earlier trials never wait for later ones. A trial waiting for one that
 * runs nowhere (waiting in the store, e.g. after a crash) tells the loop, which then lets another
 * attempt start beyond its slot count so the earlier trial gets run.
 */
import type { Pruner, TrialCurve } from '../pruners';
import type { TrialRecord } from '../record';
import type { TrialStorage } from '../storage/storage';
import type { LoopView } from './view';

export interface GateArgs {
  pruner: Pruner;
  view: LoopView;
  storage: TrialStorage;
  /** Other workers write the store: poll it for the earlier trials' progress. */
  shared: boolean;
  /** Milliseconds between looks at a shared store (and the longest wait between re-checks otherwise). */
  pollMs: number;
  /** The trials that count as "the plan" (the proposer's); undefined: every trial of the sweep (a worker). */
  scope?: () => ReadonlySet<string>;
}

export interface GateQuestion {
  trial: Pick<TrialRecord, 'trialId' | 'arm' | 'index' | 'seed' | 'role'>;
  epoch: number;
  /** Told whether the trial now waits for an earlier trial that runs nowhere (true) or no longer waits (false). */
  onBlocked: (waitingForUnclaimed: boolean) => void;
  /** Stop waiting (the attempt was lost or the sweep stops): the answer is then "prune". */
  signal: AbortSignal;
}

/** Asks the pruner once every earlier trial of the plan has reported the epoch or finished (see the file comment). */
export class PruningGate {
  /** Trials whose stored epochs this gate read (each at most once). */
  private readonly epochsRead = new Set<string>();

  constructor(private readonly args: GateArgs) {}

  /**
   * Reads from the store the epochs of the finished earlier trials known here only by their
   * summary (a resumed sweep opens without epochs) whose value at this epoch the decision needs.
   */
  private async loadStoredEpochs(question: GateQuestion): Promise<void> {
    const { view, storage } = this.args;
    const needed = view
      .predecessors(question.trial, this.args.scope?.())
      .filter(
        (record) =>
          !this.epochsRead.has(record.trialId) &&
          view.finished(record.trialId) &&
          view.validationLossAt(record.trialId, question.epoch) === undefined &&
          (view.storedEpochCount(record.trialId) ?? 0) >= question.epoch,
      )
      .map((record) => record.trialId);
    if (needed.length === 0) return;
    // A journal reads epochs back by scanning the file once per read, and the next decisions of
    // the other arms need their own earlier trials: read the epochs of every finished trial known
    // only by its summary in this one scan (at most once a run, and never when nothing is pruned).
    const batch = new Set(needed);
    for (const trialId of view.summaryOnly(this.args.scope?.())) {
      if (!this.epochsRead.has(trialId) && view.finished(trialId) && (view.storedEpochCount(trialId) ?? 0) >= question.epoch) batch.add(trialId);
    }
    for (const trialId of batch) this.epochsRead.add(trialId);
    await view.refresh(storage, [...batch]);
  }

  /** True when the trial should stop at `epoch`. */
  async shouldPrune(question: GateQuestion): Promise<boolean> {
    const { pruner, view, storage, shared, pollMs } = this.args;
    // Evaluation re-runs are never pruned: their test metric is the answer.
    if (question.trial.role === 'evaluation' || pruner.decidesAt?.(question.epoch) === false) return false;
    let refreshedAll = false;
    try {
      for (;;) {
        if (question.signal.aborted) return true;
        if (!shared && !refreshedAll) {
          // A single-writer store's earlier trials are all known, but those read at open as
          // summaries have no epochs here yet: read the epochs of only the ones this decision needs.
          refreshedAll = true;
          await this.loadStoredEpochs(question);
        }
        if (shared && !refreshedAll) {
          // A worker may not know every earlier trial yet: read the sweep once per decision, as
          // summaries (no epochs), then the epochs of only those earlier trials whose value at
          // this epoch is unknown here but held by the store.
          refreshedAll = true;
          if (storage.listTrialSummaries === undefined) await view.refresh(storage);
          else {
            for (const summary of await storage.listTrialSummaries(view.definition.name)) view.seeSummary(summary);
            const unknown = view
              .predecessors(question.trial, this.args.scope?.())
              .filter((record) => view.validationLossAt(record.trialId, question.epoch) === undefined && (view.storedEpochCount(record.trialId) ?? Infinity) >= question.epoch);
            await view.refresh(storage, unknown.map((record) => record.trialId));
          }
        }
        const earlier = view.predecessors(question.trial, this.args.scope?.());
        const pending = earlier.filter((record) => view.validationLossAt(record.trialId, question.epoch) === undefined && !view.finished(record.trialId));
        if (pending.length === 0) {
          question.onBlocked(false);
          const others: TrialCurve[] = earlier
            .filter((record) => view.validationLossAt(record.trialId, question.epoch) !== undefined)
            .map((record) => ({ trialId: record.trialId, validationLosses: view.curveTo(record.trialId, question.epoch) }));
          return pruner.shouldPrune({ trialId: question.trial.trialId, epoch: question.epoch, validationLosses: view.curveTo(question.trial.trialId, question.epoch), others });
        }
        question.onBlocked(pending.some((record) => !view.isRunningHere(record.trialId) && record.state !== 'running'));
        await view.nextChange(pollMs, question.signal);
        if (shared) {
          await storage.failStaleTrials?.(view.definition.name);
          await view.refresh(storage, pending.map((record) => record.trialId));
        }
      }
    } finally {
      question.onBlocked(false);
    }
  }
}
