/**
 * The journal's line format and its replay. A journal is JSON Lines, append-only; each line is one
 * event. Replaying the events in order rebuilds every trial. A line that does not parse (the torn
 * last line of a process killed mid-write, or any damaged line) is skipped and counted, never fatal.
 *
 * Events:
 *  - `sweep`   the definition (first line; again after an `--extend`);
 *  - `enqueue` a trial's identity and parameters (state waiting);
 *  - `claim`   attempt n starts (state running, epochs reset);
 *  - `epoch`   one epoch of attempt n;
 *  - `requeue` attempt n failed and will be retried (state waiting, reason kept);
 *  - `finish`  the complete final TrialRecord: a finished trial is self-contained in one line;
 *  - `backend` the backend a run chose and why (its timings when measured), once per run.
 */
import type { BackendChoice } from '../../backend/measure';
import type { EpochRecord } from '../../train/record';
import type { SweepDefinition } from '../definition';
import type { TrialRecord } from '../record';
import type { SweepInfo, TrialSpec } from './storage';

export const JOURNAL_VERSION = 1;

export type JournalEvent =
  | { op: 'sweep'; v: number; name: string; definition: SweepDefinition; fingerprint: string; at: string }
  | { op: 'enqueue'; trial: TrialSpec; at: string }
  | { op: 'claim'; trialId: string; attempt: number; worker?: string; at: string }
  | { op: 'epoch'; trialId: string; attempt: number; epoch: EpochRecord }
  | { op: 'requeue'; trialId: string; attempt: number; reason: string; at: string }
  | { op: 'finish'; trialId: string; attempt: number; record: TrialRecord }
  | { op: 'backend'; choice: BackendChoice; at: string };

export interface JournalState {
  /** The last `sweep` event, when any. */
  sweep?: SweepInfo;
  /** Trials by id, in first-seen order. */
  trials: Map<string, TrialRecord>;
  /** Backend choices of the runs that wrote this journal, oldest first. */
  backendChoices: BackendChoice[];
  /** Lines that did not parse or were not events (a torn last line counts here). */
  skippedLines: number;
  /** True when the file did not end with a newline (its last line was torn or unterminated). */
  tornTail: boolean;
}

const FINISHED = new Set(['complete', 'pruned', 'failed', 'diverged']);

export function isFinished(record: Pick<TrialRecord, 'state'>): boolean {
  return FINISHED.has(record.state);
}

export function emptyJournalState(): JournalState {
  return { trials: new Map(), backendChoices: [], skippedLines: 0, tornTail: false };
}

/** Applies one event to the state (mutating it). Events about unknown or finished trials are ignored, except `finish` of an unknown trial (merged journals). */
export function applyEvent(state: JournalState, event: JournalEvent): void {
  switch (event.op) {
    case 'sweep':
      state.sweep = { name: event.name, definition: event.definition, fingerprint: event.fingerprint, createdAt: state.sweep?.createdAt ?? event.at };
      return;
    case 'enqueue':
      if (!state.trials.has(event.trial.trialId)) {
        state.trials.set(event.trial.trialId, { ...event.trial, state: 'waiting', attempts: 0, epochs: [] });
      }
      return;
    case 'backend':
      state.backendChoices.push(event.choice);
      return;
    case 'finish': {
      const known = state.trials.get(event.trialId);
      if (known === undefined || !isFinished(known)) state.trials.set(event.trialId, event.record);
      return;
    }
  }
  const trial = state.trials.get(event.trialId);
  if (trial === undefined || isFinished(trial)) return;
  switch (event.op) {
    case 'claim':
      trial.state = 'running';
      trial.attempts = event.attempt;
      trial.epochs = [];
      trial.startedAt = event.at;
      return;
    case 'epoch':
      if (trial.state !== 'running' || trial.attempts !== event.attempt) return;
      trial.epochs = [...trial.epochs.filter((epoch) => epoch.epoch !== event.epoch.epoch), event.epoch];
      return;
    case 'requeue':
      if (trial.state !== 'running' || trial.attempts !== event.attempt) return;
      trial.state = 'waiting';
      trial.error = event.reason;
      return;
  }
}

/** True when a parsed line has the shape of a journal event. */
export function isJournalEvent(value: unknown): value is JournalEvent {
  const op = (value as { op?: unknown } | null)?.op;
  if (typeof op !== 'string') return false;
  const event = value as Record<string, unknown>;
  switch (op) {
    case 'sweep':
      return typeof event.name === 'string' && typeof event.fingerprint === 'string' && typeof event.definition === 'object';
    case 'enqueue':
      return typeof (event.trial as { trialId?: unknown } | undefined)?.trialId === 'string';
    case 'claim':
    case 'epoch':
    case 'requeue':
      return typeof event.trialId === 'string' && typeof event.attempt === 'number';
    case 'backend':
      return typeof (event.choice as { backend?: unknown } | undefined)?.backend === 'string';
    case 'finish':
      return typeof event.trialId === 'string' && typeof (event.record as { trialId?: unknown } | undefined)?.trialId === 'string';
    default:
      return false;
  }
}

/** Replays a journal's text. Never throws on content: bad lines are skipped and counted. */
export function replayJournal(text: string, state: JournalState = emptyJournalState()): JournalState {
  state.tornTail = text.length > 0 && !text.endsWith('\n');
  for (const line of text.split('\n')) replayJournalLine(line, state, (event) => applyEvent(state, event));
  return state;
}

/**
 * One journal line: blank lines are ignored; a line that is not JSON or not a journal event counts
 * in `counts.skippedLines` (a damaged line, as after a crash mid-write); an event goes to `apply`.
 * Every reader of the journal (full replay, streamed replay, the trial index) parses lines here.
 */
export function replayJournalLine(line: string, counts: { skippedLines: number }, apply: (event: JournalEvent) => void): void {
  if (line.trim() === '') return;
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    counts.skippedLines++;
    return;
  }
  if (!isJournalEvent(parsed)) {
    counts.skippedLines++;
    return;
  }
  apply(parsed);
}

/** One journal line (with its newline). */
export function encodeEvent(event: JournalEvent): string {
  return `${JSON.stringify(event)}\n`;
}
