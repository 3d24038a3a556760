/**
 * Folds runner events into what a progress display shows: done/total, running, failed, pruned,
 * diverged, an ETA from this run's throughput, and the best validation loss per arm. Pure: no
 * clock reads (times come from the events), no printing.
 */
import type { SweepEvent } from './events';
import type { ArmName, TrialRecord } from './record';

export interface ProgressSnapshot {
  sweepName: string;
  total: number;
  done: number;
  running: number;
  complete: number;
  failed: number;
  pruned: number;
  diverged: number;
  retries: number;
  /** Seconds left at this run's throughput; undefined until a trial finished in this run. */
  etaSeconds?: number;
  elapsedSeconds: number;
  /** Lowest final validation loss of a complete trial, per arm (never a test metric). */
  bestValidation: Record<ArmName, number>;
  interrupted: boolean;
  finished: boolean;
}

export class SweepProgress {
  private snapshotState: ProgressSnapshot = {
    sweepName: '',
    total: 0,
    done: 0,
    running: 0,
    complete: 0,
    failed: 0,
    pruned: 0,
    diverged: 0,
    retries: 0,
    elapsedSeconds: 0,
    bestValidation: {},
    interrupted: false,
    finished: false,
  };
  private startedAt = 0;
  private finishedThisRun = 0;
  private readonly running = new Set<string>();

  /** Applies one event; returns the new snapshot. */
  update(event: SweepEvent): ProgressSnapshot {
    const state = this.snapshotState;
    switch (event.type) {
      case 'start':
        this.startedAt = event.at;
        state.sweepName = event.sweepName;
        state.total = event.total;
        for (const record of event.finishedRecords) this.count(record);
        break;
      case 'trial-start':
        this.running.add(event.trialId);
        break;
      case 'trial-retry':
        this.running.delete(event.trialId);
        state.retries++;
        break;
      case 'trial-finish':
        this.running.delete(event.record.trialId);
        this.finishedThisRun++;
        this.count(event.record);
        break;
      case 'evaluation':
        // Fresh-seed re-runs of the selected configurations join the count as they are queued.
        state.total += event.queued;
        break;
      case 'interrupted':
        state.interrupted = true;
        break;
      case 'end':
        state.finished = true;
        this.running.clear();
        break;
      default:
        break;
    }
    state.running = this.running.size;
    state.elapsedSeconds = Math.max(0, (event.at - this.startedAt) / 1000);
    const remaining = state.total - state.done;
    state.etaSeconds = this.finishedThisRun > 0 && state.elapsedSeconds > 0 ? remaining / (this.finishedThisRun / state.elapsedSeconds) : undefined;
    return this.snapshot();
  }

  snapshot(): ProgressSnapshot {
    return { ...this.snapshotState, bestValidation: { ...this.snapshotState.bestValidation } };
  }

  private count(record: TrialRecord): void {
    const state = this.snapshotState;
    state.done++;
    if (record.state === 'complete') state.complete++;
    if (record.state === 'failed') state.failed++;
    if (record.state === 'pruned') state.pruned++;
    if (record.state === 'diverged') state.diverged++;
    // The best validation loss is the selection's: evaluation re-runs (fresh seeds) never select.
    const loss = record.state === 'complete' && record.role !== 'evaluation' ? record.final?.validation?.loss : undefined;
    if (loss !== undefined && Number.isFinite(loss) && !(state.bestValidation[record.arm] <= loss)) state.bestValidation[record.arm] = loss;
  }
}
