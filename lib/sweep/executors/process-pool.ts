/**
 * A pool of worker processes (child_process.fork), one attempt per worker at a time, workers reused
 * across trials. Each worker gets TF_NUM_INTRAOP_THREADS=1, TF_NUM_INTEROP_THREADS=1 and
 * OMP_NUM_THREADS=1 in its environment before anything loads, so N workers use N cores instead of
 * fighting over them. A worker that exits mid-attempt fails that attempt with the exit code or
 * signal and the end of its stderr; a timed-out attempt's worker is killed (SIGKILL). A single
 * trial's time limit counts its running time (not its waits for epochs' answers: see
 * RunningTimeLimit); a population job's counts the whole job. Failed workers are replaced on the
 * next job.
 */
import { ChildProcess, fork } from 'child_process';
import * as os from 'os';
import * as path from 'path';
import type { ExecutionHooks, ExecutionResult, MemberResult, PopulationExecutionResult, PopulationHooks, PopulationJob, TrialExecutor, TrialJob } from './executor';
import type { ParentMessage, WorkerMessage } from './messages';
import type { BackendName } from '../../backend/names';
import { RunningTimeLimit } from './running-time-limit';

export interface ProcessPoolExecutorArgs {
  /** Worker processes. Default: number of CPU cores. */
  workers?: number;
  /** Objective modules every worker loads (the built-in objectives are always loaded). Default []. */
  objectiveModules?: string[];
  /** Extra environment for workers (after the thread limits, so it may override them). Default {}. */
  env?: Record<string, string>;
  /**
   * Backend every worker sets up (`initBackend`) before it reports ready, so no trial builds a
   * model on another one; a worker that cannot set it up fails its attempts with the reason.
   * Default: none (the objective decides; the built-in `train` objective always gets one from the runner).
   */
  backend?: BackendName;
  /**
   * True: the backend is not known yet (the runner is still measuring it). Workers started before
   * `setBackend` load their modules and wait; each sets up the backend `setBackend` gives before it
   * reports ready, so none trains on another one. `backend` is ignored. Default false.
   */
  backendPending?: boolean;
  /**
   * With `backendPending`: workers load the native backend's library while they wait (the caller
   * is measuring it), so its load overlaps the measurement; set it only when the choice is being
   * measured, as it registers the native backend in every worker. Default false.
   */
  preloadNative?: boolean;
}

/** A trial attempt or a population job running on one worker. */
interface ActiveAttempt {
  /** Ends it (first call wins); errors, crashes, timeouts and cancellation have the same shape for both kinds. */
  settle: (result: ExecutionResult | PopulationExecutionResult) => void;
  started: number;
  /** The attempt's time limit (started with the attempt; set just after). */
  limit?: RunningTimeLimit;
  /**
   * True for a single trial whose worker waits for each epoch's answer: its time limit stops
   * while an epoch is with the loop (recorded, then the pruning gate), from the epoch's arrival
   * until the answer is sent back.
   */
  pausesForAnswers: boolean;
  /** A single trial's hooks. */
  hooks?: ExecutionHooks;
  /** A population job's hooks. */
  population?: PopulationHooks;
  /**
   * The epochs handed to the hooks so far, chained: each epoch reaches the hooks after the one
   * before it was handled, and a member's end (or the attempt's) only after all of them, also when
   * the worker does not wait for the answers (`epochAnswers: 'none'`).
   */
  epochs: Promise<unknown>;
}

interface PoolWorker {
  child: ChildProcess;
  ready: Promise<string | undefined>;
  attempt?: ActiveAttempt;
  stderrTail: string;
  exited: boolean;
}

/** Environment that limits a worker's math threads. */
export const WORKER_THREAD_ENV: Readonly<Record<string, string>> = {
  TF_NUM_INTRAOP_THREADS: '1',
  TF_NUM_INTEROP_THREADS: '1',
  OMP_NUM_THREADS: '1',
};

const STDERR_TAIL = 2000;

export class ProcessPoolExecutor implements TrialExecutor {
  readonly slots: number;
  private readonly modules: string[];
  private readonly env: Record<string, string>;
  private backend?: BackendName;
  /** Whether the backend is still to be given by `setBackend`. */
  private backendPending: boolean;
  private preloadNative: boolean;
  private readonly workers = new Set<PoolWorker>();
  private closed = false;

  constructor(args: ProcessPoolExecutorArgs = {}) {
    this.slots = Math.max(1, args.workers ?? os.cpus().length);
    this.modules = (args.objectiveModules ?? []).map((module) => path.resolve(module));
    this.env = args.env ?? {};
    this.backend = args.backend;
    this.backendPending = args.backendPending === true;
    this.preloadNative = args.preloadNative === true;
  }

  /**
   * Starts `slots` workers now (idle ones count), so that their start-up (Node, modules, the
   * backend's native library) overlaps whatever the caller does next, e.g. measuring the backend.
   */
  prestart(): void {
    if (this.closed) return;
    for (let index = this.workers.size; index < this.slots; index++) this.spawn();
  }

  /**
   * With `backendPending`, before `setBackend`: from now on the waiting workers load the native
   * backend's library (as `preloadNative` does from their start), for a caller that learns only
   * after starting the pool that it will measure the backends. Does nothing otherwise.
   */
  preloadNativeLibrary(): void {
    if (!this.backendPending || this.preloadNative) return;
    this.preloadNative = true;
    for (const worker of this.workers) this.send(worker, { type: 'preload-native' });
  }

  /**
   * Gives the backend chosen after the pool was created with `backendPending`: workers waiting for
   * it set it up and report ready; later workers get it in their 'init'. Only the first call counts.
   */
  setBackend(backend: BackendName | undefined): void {
    if (!this.backendPending) return;
    this.backendPending = false;
    this.backend = backend;
    for (const worker of this.workers) this.send(worker, { type: 'backend', backend });
  }

  /** Worker processes alive now. */
  get workerCount(): number {
    return this.workers.size;
  }

  /** Process ids of the live workers (for tests and diagnostics). */
  get workerPids(): number[] {
    return [...this.workers].map((worker) => worker.child.pid ?? -1);
  }

  async execute(job: TrialJob, hooks: ExecutionHooks): Promise<ExecutionResult> {
    return this.start({ type: 'run', job }, job.timeoutSeconds, hooks.signal, { hooks, pausesForAnswers: job.epochAnswers !== 'none' }) as Promise<ExecutionResult>;
  }

  /** Runs a population job on one worker: member epochs and member-finished messages flow back to `hooks`. */
  async executePopulation(job: PopulationJob, hooks: PopulationHooks): Promise<PopulationExecutionResult> {
    // The job's limit counts it whole (its members train as one computation: one member's wait holds up the others).
    return this.start({ type: 'run-population', job }, job.timeoutSeconds, hooks.signal, { population: hooks, pausesForAnswers: false }) as Promise<PopulationExecutionResult>;
  }

  private start(
    message: ParentMessage,
    timeoutSeconds: number | undefined,
    signal: AbortSignal | undefined,
    hooks: Pick<ActiveAttempt, 'hooks' | 'population' | 'pausesForAnswers'>,
  ): Promise<ExecutionResult | PopulationExecutionResult> {
    if (this.closed) throw new Error('process pool is closed');
    const worker = this.idleWorker();
    const started = Date.now();
    const seconds = (): number => (Date.now() - started) / 1000;
    return new Promise<ExecutionResult | PopulationExecutionResult>((resolve) => {
      const attempt: ActiveAttempt = {
        started,
        epochs: Promise.resolve(),
        ...hooks,
        settle: (result) => {
          if (worker.attempt !== attempt) return;
          attempt.limit?.end();
          signal?.removeEventListener('abort', cancelOne);
          worker.attempt = undefined;
          resolve(result);
        },
      };
      worker.attempt = attempt;
      // This attempt alone is given up (its lease was lost): its worker is killed, the others run on.
      const cancelOne = (): void => {
        attempt.settle({ kind: 'cancelled', seconds: seconds() });
        this.kill(worker);
      };
      if (signal?.aborted) {
        cancelOne();
        return;
      }
      signal?.addEventListener('abort', cancelOne, { once: true });
      attempt.limit = new RunningTimeLimit(timeoutSeconds, () => {
        const counted = attempt.pausesForAnswers ? " of running (waits for epochs' answers not counted)" : '';
        attempt.settle({ kind: 'error', message: `timed out after ${timeoutSeconds} s${counted} (worker pid ${worker.child.pid} killed)`, seconds: seconds() });
        this.kill(worker);
      });
      worker.ready.then((initError) => {
        if (worker.attempt !== attempt) return;
        if (initError !== undefined) {
          attempt.settle({ kind: 'error', message: `worker could not start: ${initError}`, seconds: seconds() });
          this.kill(worker);
          return;
        }
        this.send(worker, message);
      });
    });
  }

  cancelAll(): void {
    for (const worker of [...this.workers]) {
      if (worker.attempt === undefined) continue;
      worker.attempt.settle({ kind: 'cancelled', seconds: (Date.now() - worker.attempt.started) / 1000 });
      this.kill(worker);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.cancelAll();
    const exits = [...this.workers].map(
      (worker) =>
        new Promise<void>((resolve) => {
          if (worker.exited) return resolve();
          worker.child.once('exit', () => resolve());
          // Disconnecting lets an idle worker exit by itself; kill any that does not.
          if (worker.child.connected) worker.child.disconnect();
          setTimeout(() => this.kill(worker), 2000).unref();
        }),
    );
    await Promise.all(exits);
  }

  /**
   * An idle worker, else a new one. The caller keeps at most `slots` attempts computing; it may
   * start one more while an attempt sits waiting for an earlier trial that runs nowhere (the
   * trial loop's pruning gate), so a busy pool spawns an extra worker rather than refusing.
   */
  private idleWorker(): PoolWorker {
    for (const worker of this.workers) if (worker.attempt === undefined && !worker.exited) return worker;
    return this.spawn();
  }

  private spawn(): PoolWorker {
    const extension = path.extname(__filename);
    const entry = path.join(__dirname, `worker-main${extension}`);
    const child = fork(entry, [], {
      env: { ...process.env, ...WORKER_THREAD_ENV, ...this.env, LAYERWISE_WORKER: '1' },
      // Running from TypeScript sources (tests, ts-node): workers need the same loader.
      execArgv: extension === '.ts' ? ['-r', require.resolve('ts-node/register/transpile-only')] : [],
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    let markReady!: (initError: string | undefined) => void;
    const worker: PoolWorker = { child, ready: new Promise((resolve) => (markReady = resolve)), stderrTail: '', exited: false };
    this.workers.add(worker);
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      worker.stderrTail = (worker.stderrTail + chunk).slice(-STDERR_TAIL);
    });
    child.on('error', () => undefined);
    child.on('message', (message: WorkerMessage) => {
      const attempt = worker.attempt;
      switch (message.type) {
        case 'ready':
          markReady(undefined);
          return;
        case 'init-error':
          markReady(message.message);
          return;
        case 'epoch': {
          const hooks = attempt?.hooks;
          if (attempt === undefined || hooks === undefined) return;
          // The worker waits from here until it has the answer: that time is not the trial running.
          if (attempt.pausesForAnswers) attempt.limit?.pause();
          const answer = (prune: boolean): void => {
            this.send(worker, { type: 'prune-answer', sequence: message.sequence, prune });
            if (attempt.pausesForAnswers) attempt.limit?.resume();
          };
          attempt.epochs = attempt.epochs.then(() =>
            hooks.onEpoch(message.epoch).then(
              (prune) => answer(prune),
              () => answer(false),
            ),
          );
          return;
        }
        case 'member-epoch': {
          const population = attempt?.population;
          if (attempt === undefined || population === undefined) return;
          attempt.epochs = attempt.epochs.then(() =>
            population.onEpoch(message.member, message.epoch).then(
              (prune) => this.send(worker, { type: 'prune-answer', sequence: message.sequence, prune }),
              () => this.send(worker, { type: 'prune-answer', sequence: message.sequence, prune: false }),
            ),
          );
          return;
        }
        case 'member-finished': {
          if (attempt?.population === undefined) return;
          const elapsed = (Date.now() - attempt.started) / 1000;
          const result: MemberResult =
            message.error !== undefined
              ? { kind: 'error', message: message.error.message, retryable: message.error.retryable, seconds: elapsed }
              : { kind: 'outcome', outcome: message.outcome!, seconds: elapsed };
          // Acknowledged once the member is durable (or its write failed: the loop then stops the sweep).
          const acknowledge = (): void => this.send(worker, { type: 'prune-answer', sequence: message.sequence, prune: false });
          const population = attempt.population;
          // After the epochs reported before it (they may still be on their way to the store).
          attempt.epochs = attempt.epochs.then(() => population.onMemberFinished(message.member, result).then(acknowledge, acknowledge));
          return;
        }
        case 'population-done': {
          if (attempt === undefined) return;
          const seconds = (Date.now() - attempt.started) / 1000;
          void attempt.epochs.then(() => attempt.settle({ kind: 'done', seconds }));
          return;
        }
        case 'done': {
          if (attempt === undefined) return;
          const seconds = (Date.now() - attempt.started) / 1000;
          void attempt.epochs.then(() => attempt.settle({ kind: 'outcome', outcome: message.outcome, seconds }));
          return;
        }
        case 'error': {
          if (attempt === undefined) return;
          const seconds = (Date.now() - attempt.started) / 1000;
          void attempt.epochs.then(() => attempt.settle({ kind: 'error', message: message.message, seconds, retryable: message.retryable }));
          return;
        }
      }
    });
    child.on('exit', (code, signal) => {
      worker.exited = true;
      this.workers.delete(worker);
      markReady(`worker exited before it was ready (${signal ?? `code ${code}`})`);
      const attempt = worker.attempt;
      if (attempt !== undefined) {
        const tail = worker.stderrTail.trim().split('\n').slice(-5).join(' | ');
        attempt.settle({
          kind: 'error',
          message: `worker process crashed (${signal ? `signal ${signal}` : `exit code ${code}`})${tail ? `: ${tail}` : ''}`,
          seconds: (Date.now() - attempt.started) / 1000,
        });
      }
    });
    this.send(worker, this.backendPending ? { type: 'init', modules: this.modules, awaitBackend: true, preloadNative: this.preloadNative } : { type: 'init', modules: this.modules, backend: this.backend });
    return worker;
  }

  private send(worker: PoolWorker, message: ParentMessage): void {
    if (worker.exited || !worker.child.connected) return;
    worker.child.send(message, (error) => {
      // A worker that died between the check and the send: its exit handler fails the attempt.
      void error;
    });
  }

  private kill(worker: PoolWorker): void {
    this.workers.delete(worker);
    if (!worker.exited) worker.child.kill('SIGKILL');
  }
}
