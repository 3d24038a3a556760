/**
 * Choosing the backend by measurement. Which backend trains faster depends on the model: the native
 * backend pays ~20 µs of per-op overhead that a 2-16-16-1 MLP never earns back (pure JS is about 2x
 * faster there), while a 20-64-32-16-3 MLP on 1,500 rows trains ~4x faster natively. So `auto`
 * times a few training steps of the sweep's actual model on each available backend and keeps the
 * fastest; the timings travel with the choice so that stores and reports can show why.
 *
 * This module switches the process's active tfjs backend while it measures; call it before
 * {@link initBackend} fixes the backend for the process, and call `initBackend` with the chosen
 * name right after.
 */
import * as tf from '@tensorflow/tfjs';
import { silenceCpuBanner } from './cpu-banner';
import { firstLine } from './errors';
import { loadNativeBackend } from './native-loader';
import type { BackendName } from './names';
import { loadWasmBackend } from './wasm-loader';

/** One backend's measurement. */
export interface BackendTiming {
  backend: BackendName;
  /** Fastest seconds per training step over the rounds (other processes only ever add time); absent when the backend could not run. */
  secondsPerStep?: number;
  /** Why the backend was not measured (it did not load, or the model failed on it). */
  error?: string;
  /**
   * The measurement was stopped early because it had already taken more than {@link CLEAR_LOSS}
   * times the fastest backend's whole measurement: `secondsPerStep` is from the steps it did.
   */
  cutShort?: boolean;
}

/** How the backend of a run was decided. */
export type BackendChoiceSelection =
  /** `auto`: the fastest measured backend. */
  | 'measured'
  /** `auto` with a single usable backend: nothing to compare. */
  | 'only-available'
  /** `auto` for an objective that cannot time its model: initBackend's default rule (native when it loads). */
  | 'default'
  /** Forced by a command-line option (`--backend`). */
  | 'option'
  /** Forced by the sweep definition's `backend` field. */
  | 'definition'
  /** Forced by the `LAYERWISE_BACKEND` environment variable. */
  | 'environment';

/** The backend a run trains on and why; plain JSON, stored with the sweep and printed at its start. */
export interface BackendChoice {
  /** The backend every trial of the run trains on. */
  backend: BackendName;
  selection: BackendChoiceSelection;
  /** Per-backend timings, when measured. */
  timings?: BackendTiming[];
  /** Timed steps per backend and round, when measured. */
  steps?: number;
  /** ISO timestamp of the decision. */
  at: string;
  /**
   * Set when `auto` reused this machine's earlier measurement of the same model (the per-machine
   * cache, lib/backend/measurement-cache) instead of measuring: ISO timestamp of that measurement;
   * `timings` and `steps` are its figures. Absent when this run measured (or nothing was measured).
   */
  measuredAt?: string;
}

/** Arguments of {@link measureBackends}. */
export interface MeasureBackendsArgs {
  /** Backends to compare. Default: `tensorflow` (when it loads) and `cpu`; `wasm` only when listed. */
  candidates?: readonly BackendName[];
  /**
   * Runs a few training steps of the model on the active backend and returns seconds per step.
   * Called once per candidate, after the candidate is active; it must dispose what it creates.
   */
  timeSteps: (limits: { maxSeconds?: number }) => Promise<{ secondsPerStep: number; steps: number; cutShort?: boolean }>;
  /**
   * Rounds over the candidates at most, interleaved (a, b, a, b, ...) so that a burst of load from
   * other processes hits every backend alike; each backend keeps its fastest round. Default 3.
   * Fewer run when the answer is clear: a backend over 3x slower than the fastest after a round
   * is not timed again (when one backend is left, it is the pick), and after 2 rounds a backend
   * over 1.5x faster than every other is the pick.
   */
  rounds?: number;
}

/** A measurement is never cut shorter than this: below it, start-up noise could decide. */
const MIN_CUT_SECONDS = 1;
/** The cut also allows for the warm-up epoch a measurement runs before its timed steps. */
const WARM_UP_ALLOWANCE = 2;

/** A backend this many times slower than the fastest after a round is not timed again. */
const CLEAR_LOSS = 3;

/**
 * After this many rounds, a backend faster than every other by more than {@link CLEAR_WIN} (each
 * backend's best round) is the pick: further rounds only settle close calls. Two rounds, because
 * the first round of each backend carries its one-time costs (kernel set-up, JIT warm-up).
 */
const DECISIVE_ROUNDS = 2;
const CLEAR_WIN = 1.5;

/** Makes `name` the active tfjs backend; returns why not when it cannot. */
async function activate(name: BackendName): Promise<string | undefined> {
  try {
    if (name === 'tensorflow') {
      const native = loadNativeBackend();
      if (!native.ok) return native.reason;
    } else if (name === 'wasm') {
      const wasm = await loadWasmBackend();
      return wasm.ok ? undefined : wasm.reason;
    }
    if (!(await tf.setBackend(name))) return `tf.setBackend("${name}") returned false`;
    await tf.ready();
    if (name !== 'tensorflow') silenceCpuBanner();
    return undefined;
  } catch (error) {
    return firstLine(error);
  }
}

/**
 * Times the model on each candidate backend and returns the timings and the fastest one. Leaves
 * the last measured backend active: the caller activates the chosen one with `initBackend`.
 * Throws only when no candidate could run (the error of each is in the message).
 */
export async function measureBackends(args: MeasureBackendsArgs): Promise<{ chosen: BackendName; timings: BackendTiming[]; steps: number; selection: 'measured' | 'only-available' }> {
  const candidates = args.candidates ?? (['tensorflow', 'cpu'] as const);
  const timings: BackendTiming[] = candidates.map((backend) => ({ backend }));
  let steps = 0;
  for (let round = 0; round < (args.rounds ?? 3); round++) {
    const best = Math.min(...timings.map((timing) => timing.secondsPerStep ?? Infinity));
    if (round > 0 && decided(timings, round, best)) break;
    for (const timing of timings) {
      if (timing.error !== undefined) continue;
      // A clear loser (over 3x the fastest after a round) is not timed again: on a large model the
      // slow backend's rounds are what the measurement costs, and more of them cannot change the pick.
      if (round > 0 && timing.secondsPerStep! > CLEAR_LOSS * best) continue;
      const unavailable = await activate(timing.backend);
      if (unavailable !== undefined) {
        timing.error = unavailable;
        continue;
      }
      try {
        // Once a backend is measured, another may stop as soon as it has spent CLEAR_LOSS times that
        // backend's whole measurement: it has lost already (a pure-JS CNN step can take seconds).
        const fastestSoFar = Math.min(...timings.map((other) => other.secondsPerStep ?? Infinity));
        const maxSeconds = Number.isFinite(fastestSoFar) && steps > 0 ? Math.max(MIN_CUT_SECONDS, CLEAR_LOSS * fastestSoFar * steps * WARM_UP_ALLOWANCE) : undefined;
        const measured = await args.timeSteps({ maxSeconds });
        if (measured.cutShort === true) timing.cutShort = true;
        steps = Math.max(steps, measured.steps);
        timing.secondsPerStep = Math.min(timing.secondsPerStep ?? Infinity, measured.secondsPerStep);
      } catch (error) {
        timing.error = firstLine(error);
        delete timing.secondsPerStep;
      }
    }
  }
  const usable = timings.filter((timing) => timing.secondsPerStep !== undefined);
  if (usable.length === 0) {
    throw new Error(`backend measurement: no backend could train the model (${timings.map((timing) => `${timing.backend}: ${timing.error}`).join('; ')})`);
  }
  const fastest = usable.reduce((best, timing) => (timing.secondsPerStep! < best.secondsPerStep! ? timing : best));
  return { chosen: fastest.backend, timings, steps, selection: usable.length === 1 ? 'only-available' : 'measured' };
}

/**
 * Whether the measurement is over before round `round` (0-based): one backend left in the race (the
 * others failed or lost clearly), or, after {@link DECISIVE_ROUNDS} rounds, a clear winner.
 */
function decided(timings: readonly BackendTiming[], round: number, best: number): boolean {
  const racing = timings.filter((timing) => timing.secondsPerStep !== undefined && timing.secondsPerStep <= CLEAR_LOSS * best);
  if (racing.length <= 1) return true;
  if (round < DECISIVE_ROUNDS) return false;
  return racing.filter((timing) => timing.secondsPerStep! <= CLEAR_WIN * best).length === 1;
}

// One line per choice, in a file without tfjs so the report can say it without loading a backend.
export { describeBackendChoice } from './describe-choice';
