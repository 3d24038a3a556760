/**
 * Executing a claimed job: one trial alone (`executor.execute`), or several trials as one
 * population (`executor.executePopulation`), where each member keeps its own attempt (lease,
 * heartbeats, pruning, outcome), a member that stops is made durable at once, and when the job
 * fails every member not yet reported is retried or failed on its own.
 */
import type { ExecutionResult, PopulationExecutionResult, TrialExecutor } from '../executors/executor';
import type { TrialRecord } from '../record';
import { Attempt, AttemptEnvironment, trialInput } from './attempt';

/** Runs one trial's attempt to its recorded end. */
export async function runSingleJob(env: AttemptEnvironment, executor: TrialExecutor, trial: TrialRecord, blocked: Set<string>): Promise<void> {
  const attempt = new Attempt(env, trial, blocked);
  const input = trialInput(env.definition, trial);
  let result: ExecutionResult;
  try {
    result =
      input === undefined
        ? { kind: 'error', message: `trial ${trial.trialId}: arm "${trial.arm}" is not in sweep "${env.definition.name}"`, seconds: 0, retryable: false }
        : await executor.execute(
            { objective: env.definition.objective, timeoutSeconds: env.definition.execution.trialTimeoutSeconds, input, epochAnswers: env.epochAnswers },
            { signal: attempt.lease.signal, onEpoch: attempt.onEpoch },
          );
  } finally {
    attempt.end();
  }
  await attempt.conclude(result);
}

/** Runs trials (equal population keys, in the plan's order) as one population job, each member to its recorded end. */
export async function runPopulationJob(env: AttemptEnvironment, executor: TrialExecutor, trials: TrialRecord[], blocked: Set<string>): Promise<void> {
  const members = trials.map((trial) => new Attempt(env, trial, blocked));
  const concluded = new Set<number>();
  const concludeMember = async (member: number, result: ExecutionResult): Promise<void> => {
    if (concluded.has(member) || members[member] === undefined) return;
    concluded.add(member);
    await members[member].conclude(result);
  };
  // The job's own stop, aborted with the loop's: the executor listens on it, not on the loop's signal.
  const jobStop = new AbortController();
  const offStop = env.whenStopped(() => jobStop.abort());
  let jobResult: PopulationExecutionResult;
  try {
    jobResult = await executor.executePopulation!(
      {
        objective: env.definition.objective,
        timeoutSeconds: env.definition.execution.trialTimeoutSeconds,
        inputs: trials.map((trial) => trialInput(env.definition, trial)!),
        epochAnswers: env.epochAnswers,
      },
      {
        signal: jobStop.signal,
        onEpoch: (member, epoch) => members[member]?.onEpoch(epoch) ?? Promise.resolve(true),
        onMemberFinished: (member, result) => concludeMember(member, result),
      },
    );
  } finally {
    offStop();
    for (const member of members) member.end();
  }
  const leftover: ExecutionResult = jobResult.kind === 'done' ? { kind: 'error', message: 'the population ended without reporting this member', seconds: jobResult.seconds } : jobResult;
  for (let member = 0; member < members.length; member++) await concludeMember(member, leftover);
}
