/**
 * Which backend and which training path ran the trials: grouped counts, so that a report (or
 * `status`) says in one line per group what trained what, and why a group took the general path.
 * A pure function of the records; trials that never trained (failed before a result, or recorded
 * before these fields existed) form an "unknown" group rather than being dropped.
 */

/** What the grouping reads from a trial (a TrialRecord or a report TrialSummary). */
export interface ExecutionFields {
  arm: string;
  backend?: string;
  trainingPath?: string;
  generalPathReason?: string;
}

/** Trials that ran on one backend with one training path (and, for 'general', one reason). */
export interface ExecutionGroup {
  /** 'tensorflow' | 'cpu' | 'wasm', or 'unknown' when the record does not say. */
  backend: string;
  /** 'lean' | 'general', or 'unknown'. */
  trainingPath: string;
  /** Why the lean path did not apply (general path only). */
  generalPathReason?: string;
  /** Number of trials in the group. */
  trials: number;
  /** Arms with trials in the group, sorted. */
  arms: string[];
}

/** Groups trials by backend, training path and reason; largest group first, then by name. */
export function summarizeExecution(trials: readonly ExecutionFields[]): ExecutionGroup[] {
  const groups = new Map<string, ExecutionGroup & { armSet: Set<string> }>();
  for (const trial of trials) {
    const backend = trial.backend ?? 'unknown';
    const trainingPath = trial.trainingPath ?? 'unknown';
    const key = JSON.stringify([backend, trainingPath, trial.generalPathReason ?? null]);
    let group = groups.get(key);
    if (group === undefined) {
      group = { backend, trainingPath, trials: 0, arms: [], armSet: new Set() };
      if (trial.generalPathReason !== undefined) group.generalPathReason = trial.generalPathReason;
      groups.set(key, group);
    }
    group.trials++;
    group.armSet.add(trial.arm);
  }
  return [...groups.values()]
    .map(({ armSet, ...group }) => ({ ...group, arms: [...armSet].sort() }))
    .sort((a, b) => b.trials - a.trials || (a.backend + a.trainingPath < b.backend + b.trainingPath ? -1 : 1));
}

/** One phrase per group, e.g. `cpu, lean path: 36 trials` or `tensorflow, general path (layer "d" is a Dropout ...): 4 trials`. */
export function describeExecutionGroup(group: ExecutionGroup): string {
  const reason = group.generalPathReason !== undefined ? ` (${group.generalPathReason})` : '';
  return `${group.backend}, ${group.trainingPath} path${reason}: ${group.trials} trial${group.trials === 1 ? '' : 's'}`;
}
