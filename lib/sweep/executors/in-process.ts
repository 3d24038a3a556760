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
    const started = Date.now();
    const seconds = (): number => (Date.now() - started) / 1000;
    const controller = new AbortController();
    let settle!: (result: ExecutionResult) => void;
    const done = new Promise<ExecutionResult>((resolve) => (settle = resolve));
    const entry = { controller, cancel: () => settle({ kind: 'cancelled', seconds: seconds() }) };
    this.running.add(entry);
    const cancelOne = (): void => {
      controller.abort();
      entry.cancel();
    };
    if (hooks.signal?.aborted) cancelOne();
    hooks.signal?.addEventListener('abort', cancelOne, { once: true });
    let timer: NodeJS.Timeout | undefined;
    if (job.timeoutSeconds !== undefined) {
      timer = setTimeout(() => {
        controller.abort();
        settle({ kind: 'error', message: `timed out after ${job.timeoutSeconds} s`, seconds: seconds() });
      }, job.timeoutSeconds * 1000);
    }
    // The objective is looked up inside the try: an unknown name fails the attempt, not the sweep loop.
    Promise.resolve()
      .then(() => resolveObjective(job.objective).run(job.input, { onEpoch: (epoch) => hooks.onEpoch(epoch), signal: controller.signal }))
      .then(
        (outcome) => settle({ kind: 'outcome', outcome, seconds: seconds() }),
        (error: unknown) => settle({ kind: 'error', message: errorText(error), seconds: seconds(), retryable: isRetryableError(error) }),
      );
    try {
      return await done;
    } finally {
      if (timer !== undefined) clearTimeout(timer);
      hooks.signal?.removeEventListener('abort', cancelOne);
      this.running.delete(entry);
    }
  }

  /**
   * Runs `runPopulation` of the job's objective here. A member's Error fails that member alone; a
   * throw fails every member not yet reported (the loop decides on retries per member).
   */
  async executePopulation(job: PopulationJob, hooks: PopulationHooks): Promise<PopulationExecutionResult> {
    const started = Date.now();
    const seconds = (): number => (Date.now() - started) / 1000;
    const controller = new AbortController();
    let settle!: (result: PopulationExecutionResult) => void;
    const done = new Promise<PopulationExecutionResult>((resolve) => (settle = resolve));
    const entry = { controller, cancel: () => settle({ kind: 'cancelled', seconds: seconds() }) };
    this.running.add(entry);
    const cancelOne = (): void => {
      controller.abort();
      entry.cancel();
    };
    if (hooks.signal?.aborted) cancelOne();
    hooks.signal?.addEventListener('abort', cancelOne, { once: true });
    let timer: NodeJS.Timeout | undefined;
    if (job.timeoutSeconds !== undefined) {
      timer = setTimeout(() => {
        controller.abort();
        settle({ kind: 'error', message: `timed out after ${job.timeoutSeconds} s`, seconds: seconds() });
      }, job.timeoutSeconds * 1000);
    }
    const reported = new Set<number>();
    Promise.resolve()
      .then(() => {
        const objective = resolveObjective(job.objective);
        if (objective.runPopulation === undefined) throw new Error(`objective "${job.objective}" cannot train populations (no runPopulation)`);
        return objective.runPopulation(job.inputs, {
          signal: controller.signal,
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
      })
      .then(
        () => settle({ kind: 'done', seconds: seconds() }),
        (error: unknown) => settle({ kind: 'error', message: errorText(error), seconds: seconds(), retryable: isRetryableError(error) }),
      );
    try {
      return await done;
    } finally {
      if (timer !== undefined) clearTimeout(timer);
      hooks.signal?.removeEventListener('abort', cancelOne);
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
