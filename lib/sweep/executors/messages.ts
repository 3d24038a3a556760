/** Messages between the process pool (parent) and a worker process, over the fork IPC channel. */
import type { BackendName } from '../../backend/names';
import type { EpochRecord } from '../../train/record';
import type { TrialOutcome } from '../objective';
import type { PopulationJob, TrialJob } from './executor';

export type ParentMessage =
  | {
      type: 'init';
      modules: string[];
      /** Backend the worker sets up (initBackend) before its first trial; undefined: the objective decides. */
      backend?: BackendName;
      /**
       * True: the backend is not chosen yet (the parent is measuring it); the worker loads its
       * modules, then waits for a 'backend' message before it sets one up and reports ready.
       */
      awaitBackend?: boolean;
      /**
       * With `awaitBackend`: while waiting, load the native backend's library ahead (the parent is
       * measuring it against pure JS), so that its load overlaps the measurement. It only registers
       * the backend; the 'backend' message still decides which one is set up.
       */
      preloadNative?: boolean;
    }
  /** While waiting for the backend (`awaitBackend`): load the native library now, as `preloadNative` would have. */
  | { type: 'preload-native' }
  /** The backend chosen after the worker started (answers an 'init' with `awaitBackend`); undefined: the objective decides. */
  | { type: 'backend'; backend?: BackendName }
  | { type: 'run'; job: TrialJob }
  | { type: 'run-population'; job: PopulationJob }
  /** Answer to an 'epoch' or 'member-epoch' (prune or not), or the parent's acknowledgement of a 'member-finished' (prune unused). */
  | { type: 'prune-answer'; sequence: number; prune: boolean }
  | { type: 'abort' };

export type WorkerMessage =
  | { type: 'ready' }
  | { type: 'init-error'; message: string }
  | { type: 'epoch'; sequence: number; epoch: EpochRecord }
  | { type: 'done'; outcome: TrialOutcome }
  /** An epoch of population member `member`; answered by 'prune-answer'. */
  | { type: 'member-epoch'; sequence: number; member: number; epoch: EpochRecord }
  /** Member `member` stopped with its outcome, or with the error that failed it alone; acknowledged by 'prune-answer' once durable. */
  | { type: 'member-finished'; sequence: number; member: number; outcome?: TrialOutcome; error?: { message: string; retryable?: boolean } }
  /** The population job returned after reporting every member. */
  | { type: 'population-done' }
  /** `retryable` false: a configuration or shape error, the runner does not retry it. Absent: retryable. */
  | { type: 'error'; message: string; retryable?: boolean };
