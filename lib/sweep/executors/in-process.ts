/**
 * Runs attempts in the calling process, one at a time by default. A timeout aborts the objective's
 * signal and gives up on it (a JavaScript function cannot be killed; objectives should check the
 * signal between epochs). A stop (`cancelAll`, or the caller's signal) aborts the objective's signal
 * too, but waits for the objective to end before the attempt resolves as cancelled, so that nothing
 * of it still runs once the caller releases the trial. Use the process pool for crash isolation and
 * hard timeouts.
 */
import { resolveObjective } from '../objective';
import { errorText, isRetryableError, ExecutionHooks, ExecutionResult, PopulationExecutionResult, PopulationHooks, PopulationJob, TrialExecutor, TrialJob } from './executor';
import type { TrialOutcome } from '../objective';
import { RunningTimeLimit } from './running-time-limit';

export interface InProcessExecutorArgs {
  /** Attempts run concurrently (useful only for objectives that await I/O). Default 1. */
  concurrency?: number;
}

export class InProcessExecutor implements TrialExecutor {
  readonly slots: number;
  /** The running jobs' stops: each aborts its objective and settles its job as cancelled once the objective has ended. */
  private readonly running = new Set<() => void>();

  constructor(args: InProcessExecutorArgs = {}) {
    this.slots = args.concurrency ?? 1;
  }

  async execute(job: TrialJob, hooks: ExecutionHooks): Promise<ExecutionResult> {
    const timeout = { seconds: job.timeoutSeconds, message: `timed out after ${job.timeoutSeconds} s of running (waits for epochs' answers not counted)` };
    return this.runJob<ExecutionResult>(timeout, hooks.signal, (signal, seconds, limit) =>
      // The objective is looked up inside the run: an unknown name fails the attempt, not the sweep loop.
      // Its time limit counts its running time only: not the waits for an epoch's answer (the pruning gate).
      resolveObjective(job.objective)
        .run(job.input, { onEpoch: (epoch) => limit.excluding(() => hooks.onEpoch(epoch)), signal })
        .then((outcome): ExecutionResult => ({ kind: 'outcome', outcome, seconds: seconds() })),
    );
  }

  /**
   * Runs `runPopulation` of the job's objective here. A member's Error fails that member alone; a
   * throw fails every member not yet reported (the loop decides on retries per member). The job's
   * time limit counts the whole job from its start, members' waits for their epochs' answers
   * included (its members train as one computation: one member's wait holds up the others).
   */
  async executePopulation(job: PopulationJob, hooks: PopulationHooks): Promise<PopulationExecutionResult> {
    const reported = new Set<number>();
    const timeout = { seconds: job.timeoutSeconds, message: `timed out after ${job.timeoutSeconds} s` };
    return this.runJob<PopulationExecutionResult>(timeout, hooks.signal, async (signal, seconds) => {
      const objective = resolveObjective(job.objective);
      if (objective.runPopulation === undefined) throw new Error(`objective "${job.objective}" cannot train populations (no runPopulation)`);
      await objective.runPopulation(job.inputs, {
        signal,
        onEpoch: (member, epoch) => hooks.onEpoch(member, epoch),
        onMemberFinished: async (member, outcome: TrialOutcome | Error) => {
          if (reported.has(member)) return;
          reported.add(member);
          await hooks.onMemberFinished(
            member,
            outcome instanceof Error ? { kind: 'error', message: errorText(outcome), seconds: seconds(), retryable: isRetryableError(outcome) } : { kind: 'outcome', outcome, seconds: seconds() },
          );
        },
      });
      return { kind: 'done', seconds: seconds() };
    });
  }

  /**
   * One job's lifecycle, shared by single trials and populations: `work` runs with its own abort
   * signal and time limit (`limit`, started now, failing the job with `timeout.message`; a single
   * trial pauses it while it waits for an epoch's answer); the job settles with what `work`
   * returns, as an error when it throws or its limit runs out (without waiting for `work`: it
   * cannot be killed), or as cancelled when the caller's `signal` aborts or `cancelAll` runs: then
   * `work` is aborted and waited for, so it reports nothing after the caller hears of the
   * cancellation.
   */
  private async runJob<Result extends ExecutionResult | PopulationExecutionResult>(
    timeout: { seconds: number | undefined; message: string },
    callerSignal: AbortSignal | undefined,
    work: (signal: AbortSignal, seconds: () => number, limit: RunningTimeLimit) => Promise<Result>,
  ): Promise<Result> {
    const started = Date.now();
    const seconds = (): number => (Date.now() - started) / 1000;
    const controller = new AbortController();
    let settle!: (result: Result) => void;
    const done = new Promise<Result>((resolve) => (settle = resolve));
    let cancelled = false;
    const limit = new RunningTimeLimit(timeout.seconds, () => {
      controller.abort();
      settle({ kind: 'error', message: timeout.message, seconds: seconds() } as Result);
    });
    const cancel = (): void => {
      if (cancelled) return;
      cancelled = true;
      limit.end();
      controller.abort();
    };
    this.running.add(cancel);
    if (callerSignal?.aborted) cancel();
    callerSignal?.addEventListener('abort', cancel, { once: true });
    Promise.resolve()
      .then(() => work(controller.signal, seconds, limit))
      .then(
        (result) => settle(cancelled ? ({ kind: 'cancelled', seconds: seconds() } as Result) : result),
        (error: unknown) =>
          settle(cancelled ? ({ kind: 'cancelled', seconds: seconds() } as Result) : ({ kind: 'error', message: errorText(error), seconds: seconds(), retryable: isRetryableError(error) } as Result)),
      );
    try {
      return await done;
    } finally {
      limit.end();
      callerSignal?.removeEventListener('abort', cancel);
      this.running.delete(cancel);
    }
  }

  /** Stops every running attempt: each objective is aborted, and its `execute` resolves as cancelled once it has ended. */
  cancelAll(): void {
    for (const cancel of this.running) cancel();
  }

  async close(): Promise<void> {
    this.cancelAll();
  }
}
