/** Messages between the process pool (parent) and a worker process, over the fork IPC channel. */
import type { BackendName } from '../../backend/names';
import type { EpochRecord } from '../../train/record';
import type { TrialOutcome } from '../objective';
import type { TrialJob } from './executor';

export type ParentMessage =
  | {
      type: 'init';
      modules: string[];
      /** Backend the worker sets up (initBackend) before its first trial; undefined: the objective decides. */
      backend?: BackendName;
    }
  | { type: 'run'; job: TrialJob }
  | { type: 'prune-answer'; sequence: number; prune: boolean }
  | { type: 'abort' };

export type WorkerMessage =
  | { type: 'ready' }
  | { type: 'init-error'; message: string }
  | { type: 'epoch'; sequence: number; epoch: EpochRecord }
  | { type: 'done'; outcome: TrialOutcome }
  /** `retryable` false: a configuration or shape error, the runner does not retry it. Absent: retryable. */
  | { type: 'error'; message: string; retryable?: boolean };
