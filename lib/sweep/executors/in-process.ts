/**
 * Runs attempts in the calling process, one at a time by default. A timeout aborts the objective's
 * signal and gives up on it (a JavaScript function cannot be killed; objectives should check the
 * signal between epochs). Use the process pool for crash isolation and hard timeouts.
 */
import { resolveObjective } from '../objective';
import { errorText, isRetryableError, ExecutionHooks, ExecutionResult, PopulationExecutionResult, PopulationHooks, PopulationJob, TrialExecutor, TrialJob } from './executor';
import type { TrialOutcome } from '../objective';

export interface InProcessExecutorArgs {
  /** Attempts run concurrently (useful only for objectives that await I/O). Default 1. */
  concurrency?: number;
}

export class InProcessExecutor implements TrialExecutor {
  readonly slots: number;
  private readonly running = new Set<{ controller: AbortController; cancel: () => void }>();

  constructor(args: InProcessExecutorArgs = {}) {
    this.slots = args.concurrency ?? 1;
  }

  async execute(job: TrialJob, hooks: ExecutionHooks): Promise<ExecutionResult> {
    return this.runJob<ExecutionResult>(job.timeoutSeconds, hooks.signal, (signal, seconds) =>
      // The objective is looked up inside the run: an unknown name fails the attempt, not the sweep loop.
      resolveObjective(job.objective)
        .run(job.input, { onEpoch: (epoch) => hooks.onEpoch(epoch), signal })
        .then((outcome): ExecutionResult => ({ kind: 'outcome', outcome, seconds: seconds() })),
    );
  }

  /**
   * Runs `runPopulation` of the job's objective here. A member's Error fails that member alone; a
   * throw fails every member not yet reported (the loop decides on retries per member).
   */
  async executePopulation(job: PopulationJob, hooks: PopulationHooks): Promise<PopulationExecutionResult> {
    const reported = new Set<number>();
    return this.runJob<PopulationExecutionResult>(job.timeoutSeconds, hooks.signal, async (signal, seconds) => {
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
   * signal; the job settles with what `work` returns, as an error when it throws or times out, or
   * as cancelled when the caller's `signal` aborts or `cancelAll` runs (without waiting for `work`).
   */
  private async runJob<Result extends ExecutionResult | PopulationExecutionResult>(
    timeoutSeconds: number | undefined,
    callerSignal: AbortSignal | undefined,
    work: (signal: AbortSignal, seconds: () => number) => Promise<Result>,
  ): Promise<Result> {
    const started = Date.now();
    const seconds = (): number => (Date.now() - started) / 1000;
    const controller = new AbortController();
    let settle!: (result: Result) => void;
    const done = new Promise<Result>((resolve) => (settle = resolve));
    const entry = { controller, cancel: () => settle({ kind: 'cancelled', seconds: seconds() } as Result) };
    this.running.add(entry);
    const cancelOne = (): void => {
      controller.abort();
      entry.cancel();
    };
    if (callerSignal?.aborted) cancelOne();
    callerSignal?.addEventListener('abort', cancelOne, { once: true });
    let timer: NodeJS.Timeout | undefined;
    if (timeoutSeconds !== undefined) {
      timer = setTimeout(() => {
        controller.abort();
        settle({ kind: 'error', message: `timed out after ${timeoutSeconds} s`, seconds: seconds() } as Result);
      }, timeoutSeconds * 1000);
    }
    Promise.resolve()
      .then(() => work(controller.signal, seconds))
      .then(
        (result) => settle(result),
        (error: unknown) => settle({ kind: 'error', message: errorText(error), seconds: seconds(), retryable: isRetryableError(error) } as Result),
      );
    try {
      return await done;
    } finally {
      if (timer !== undefined) clearTimeout(timer);
      callerSignal?.removeEventListener('abort', cancelOne);
      this.running.delete(entry);
    }
  }

  cancelAll(): void {
    for (const entry of this.running) {
      entry.controller.abort();
      entry.cancel();
    }
  }

  async close(): Promise<void> {
    this.cancelAll();
  }
}
