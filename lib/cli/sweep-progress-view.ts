/**
 * Renders sweep progress on stderr: one line rewritten in place on a terminal, or a line at most
 * every few seconds (and at the end) when stderr is a file or pipe. A view over runner events only.
 */
import { describeBackendChoice } from '../backend/describe-choice';
import type { SweepEvent } from '../sweep/events';
import { ProgressSnapshot, SweepProgress } from '../sweep/progress';

export interface ProgressViewArgs {
  write: (text: string) => void;
  /** Rewrite one line in place (terminal). */
  isTTY: boolean;
  /** Least milliseconds between two renders. Default 200 on a terminal, 5000 otherwise. */
  intervalMs?: number;
  /** Clock, for tests. Default Date.now. */
  now?: () => number;
}

export function formatDuration(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds)) return '?';
  const whole = Math.round(seconds);
  const hours = Math.floor(whole / 3600);
  const minutes = Math.floor((whole % 3600) / 60);
  const rest = whole % 60;
  if (hours > 0) return `${hours}h${String(minutes).padStart(2, '0')}m`;
  if (minutes > 0) return `${minutes}m${String(rest).padStart(2, '0')}s`;
  return `${rest}s`;
}

/** The progress line: done/total, running, failed, pruned, diverged, ETA, best validation loss per arm. */
export function formatProgress(snapshot: ProgressSnapshot): string {
  const parts = [
    `${snapshot.sweepName}: ${snapshot.done}/${snapshot.total} done`,
    `${snapshot.running} running`,
    `${snapshot.failed} failed`,
    `${snapshot.pruned} pruned`,
    `${snapshot.diverged} diverged`,
  ];
  if (snapshot.retries > 0) parts.push(`${snapshot.retries} retried`);
  if (!snapshot.finished) parts.push(`ETA ${formatDuration(snapshot.etaSeconds)}`);
  const best = Object.entries(snapshot.bestValidation)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([arm, loss]) => `${arm} ${loss.toPrecision(4)}`);
  if (best.length > 0) parts.push(`best val loss: ${best.join(', ')}`);
  return parts.join(' · ');
}

export class ProgressView {
  private readonly progress = new SweepProgress();
  private lastRender = -Infinity;
  private readonly interval: number;
  private readonly now: () => number;
  private lineOpen = false;
  /** No progress line before the runner's `start` event: until then there is no sweep to describe (the backend choice comes first). */
  private started = false;

  constructor(private readonly args: ProgressViewArgs) {
    this.interval = args.intervalMs ?? (args.isTTY ? 200 : 5000);
    this.now = args.now ?? Date.now;
  }

  /** Feed every runner event here. */
  handle(event: SweepEvent): void {
    const snapshot = this.progress.update(event);
    if (event.type === 'trial-retry') this.message(`retrying trial ${event.trialId.slice(0, 12)} (${event.arm}): ${event.reason}`);
    if (event.type === 'trial-finish' && event.record.state === 'failed') this.message(`trial ${event.record.trialId.slice(0, 12)} (${event.record.arm}) failed: ${event.record.error ?? ''}`);
    if (event.type === 'backend') this.message(describeBackendChoice(event.choice));
    if (event.type === 'evaluation') {
      this.message(event.queued > 0 ? `evaluation: ${event.outcome.message}; running ${event.queued} fresh-seed trial(s) of the selected configurations` : `evaluation: ${event.outcome.message}`);
    }
    if (event.type === 'interrupted') this.message(`interrupted: stopping ${event.running} running trial(s); rerun the same command to resume`);
    if (event.type === 'start') this.started = true;
    if (!this.started) return;
    const final = event.type === 'end' || event.type === 'start';
    if (final || this.now() - this.lastRender >= this.interval) this.render(snapshot, event.type === 'end');
  }

  private render(snapshot: ProgressSnapshot, last: boolean): void {
    this.lastRender = this.now();
    const line = formatProgress(snapshot);
    if (this.args.isTTY) {
      this.args.write(`\r\x1b[K${line}${last ? '\n' : ''}`);
      this.lineOpen = !last;
    } else this.args.write(`${line}\n`);
  }

  private message(text: string): void {
    if (this.args.isTTY && this.lineOpen) this.args.write('\r\x1b[K');
    this.lineOpen = false;
    this.args.write(`${text}\n`);
  }
}
