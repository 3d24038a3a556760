/**
 * The evaluation stage: after selection, each arm's selected configuration (chosen on validation
 * loss over the selection seeds only) is re-run on FRESH paired seeds, and seeds are added until an
 * always-valid confidence sequence of every arm − baseline difference of the test metric is
 * decisive, or `evaluation.seeds.max` is reached.
 *
 * Pure and store-driven: {@link nextEvaluationStep} reads the definition and the trials known so
 * far and says what to do next (run these trials, wait, or done and why). It keeps no state, so a
 * resumed sweep continues exactly where it stopped, and any loop (runner.ts today, a pluggable
 * proposer loop later) can drive it: call it whenever trials finish, run what it returns, stop
 * when it says done.
 *
 * Fresh seeds are numbered from the largest selection seed + 1 (max+1, max+2, ...), the same list
 * in every arm (paired), so they never overlap the seeds that selected the configurations. Looks
 * are at `min`, `min + batch`, `min + 2·batch`, ... seeds and always at `max` (`until: 'max'`:
 * only at `max`). At each look every comparison calls {@link decide} (Lai's t-mixture confidence
 * sequence, lib/report/confidence-sequence.ts) at level alpha / comparisons (Bonferroni: the
 * sequences are valid at every time simultaneously, so the chance that any of them ever excludes
 * its true difference is at most alpha, however many looks). The stage stops at the first look
 * where every comparison is decisive ('better', 'worse', or 'no difference' within the margin).
 */
import { confidenceSequenceInterval, decide, DecisionResult, SequenceInterval, SequentialDecision } from '../statistics/confidence-sequence';
import { summarizeConfiguration } from './selection/configuration-summary';
import { selectConfiguration } from './selection/selection';
import { summarizeTrial, TrialSummary } from './selection/trial-summary';
import type { EvaluationDefinition, SweepDefinition } from './definition';
import { armConfigurations, trialIdentity } from './plan';
import type { ParameterValues, TrialRecord } from './record';
import { isFinished } from './storage/journal-format';
import type { TrialSpec } from './storage/storage';
import type { TrialSummary as StoredTrialSummary } from './storage/trial-summary';

/** Mixture precision of the confidence sequence the stage uses (the default of `decide`). */
const MIXTURE_PRECISION = 0.5;

/**
 * Fewest paired seeds at which a confidence sequence at level `alpha` can be finite (below it the
 * interval is (−∞, ∞) whatever the data): a `max` below this can never be decisive.
 */
export function fewestDecisiveSeeds(alpha: number): number {
  for (let n = 2; n <= 100000; n++) {
    const values = Array.from({ length: n }, (_, index) => index % 2);
    if (Number.isFinite(confidenceSequenceInterval(values, { alpha, mixturePrecision: MIXTURE_PRECISION }).lower)) return n;
  }
  return Infinity;
}

/** The fresh evaluation seeds of a definition, in run order: largest selection seed + 1, + 2, ..., `max` of them. */
export function evaluationSeeds(definition: Pick<SweepDefinition, 'seeds'> & { evaluation?: Pick<EvaluationDefinition, 'seeds'> }): number[] {
  if (definition.evaluation === undefined) return [];
  const first = Math.max(...definition.seeds) + 1;
  return Array.from({ length: definition.evaluation.seeds.max }, (_, position) => first + position);
}

/** Seed counts per arm at which the rule looks: `min`, `min + batch`, ... and `max` (`until: 'max'`: `max` only). */
export function evaluationLooks(rule: Pick<EvaluationDefinition, 'seeds'>): number[] {
  const { min, max, until, batch } = rule.seeds;
  if (until === 'max') return [max];
  const looks: number[] = [];
  for (let count = min; count < max; count += batch) looks.push(count);
  looks.push(max);
  return looks;
}

/** Why an evaluation stopped, or that it has not. */
export type EvaluationStatus = 'decisive' | 'max seeds reached' | 'in progress' | 'no selected configuration' | 'no test metric' | 'not requested';

/** One arm's selected configuration against the baseline arm's, on the fresh seeds. */
export interface EvaluationComparison {
  arm: string;
  baseline: string;
  configId: string;
  baselineConfigId: string;
  metric: EvaluationDefinition['metric'];
  /** Fresh seeds both configurations completed with a finite metric, within the looked-at seeds, ascending. */
  seeds: number[];
  /** arm − baseline per seed of `seeds`. */
  differences: number[];
  meanDifference: number | null;
  /** The rule's answer at the last look ('no difference' at max when undecided). */
  decision: Exclude<SequentialDecision, 'continue'> | 'continue';
  reason: DecisionResult['reason'];
  /** The confidence-sequence interval of the mean difference, at level `alpha`. */
  interval: SequenceInterval;
  /** This comparison's share of the evaluation's alpha (alpha / comparisons). */
  alpha: number;
  /**
   * Fresh seeds per arm at the first look where this comparison was decisive (beyond or within the
   * margin); absent when it never was. It can be below the stage's last look when another
   * comparison kept the stage going.
   */
  decidedAtSeeds?: number;
}

/** Where an evaluation stands: what was decided at the last complete look, and why it stopped. */
export interface EvaluationOutcome {
  status: EvaluationStatus;
  /** Fresh seeds per arm at the last complete look (0 before the first). */
  seeds: number;
  /** The fresh seeds looked at, in run order. */
  freshSeeds: number[];
  /** The selection seeds (never among `freshSeeds`). */
  selectionSeeds: number[];
  baseline: string;
  metric: EvaluationDefinition['metric'];
  /** Each arm's selected configuration (the one re-run). */
  selected: Array<{ arm: string; configId: string; index: number; params: ParameterValues }>;
  comparisons: EvaluationComparison[];
  /** The outcome in words, e.g. "decisive at 7 fresh seeds per arm". */
  message: string;
}

/** What to do next. */
export type EvaluationStep =
  /** Run these trials (none of them finished yet; some may already be waiting or running), then ask again. */
  | { kind: 'run'; trials: TrialSpec[]; outcome: EvaluationOutcome }
  /** Nothing to run until the trials already scheduled finish (selection, or the current look's trials). */
  | { kind: 'wait'; reason: string; outcome?: EvaluationOutcome }
  /** Stop: `outcome.status` says why. */
  | { kind: 'done'; outcome: EvaluationOutcome };

/** Arguments of {@link nextEvaluationStep}. */
export interface EvaluationStageArgs {
  /** A validated definition (`fromConfig`); without `evaluation` the stage is done at once ('not requested'). */
  definition: SweepDefinition;
  /** Every trial of the sweep known so far (full records or store summaries), any state, both roles. */
  trials: ReadonlyArray<TrialRecord | StoredTrialSummary>;
}

/** The metric value of a usable trial, or null (unusable, or the metric is missing). */
function metricOf(trial: TrialSummary, metric: EvaluationDefinition['metric']): number | null {
  const value = trial.usable ? trial.final?.[metric] : undefined;
  return value !== undefined && Number.isFinite(value) ? value : null;
}

/**
 * The rule replayed over the fresh-seed results of the selected configurations: the comparisons at
 * the last look whose trials all finished, and whether the rule stopped there. Shared by the
 * stage and the report, so both read the same answer from the same records.
 *
 * @param results per arm (baseline included): fresh seed → metric value (null: finished but
 *   unusable); a seed absent from the map is not finished.
 */
export function replayEvaluation(args: {
  rule: EvaluationDefinition;
  freshSeeds: readonly number[];
  arms: ReadonlyArray<{ arm: string; configId: string }>;
  results: ReadonlyMap<string, ReadonlyMap<number, number | null>>;
}): { status: 'decisive' | 'max seeds reached' | 'in progress'; seeds: number; nextLook: number | null; comparisons: EvaluationComparison[] } {
  const { rule } = args;
  const baseline = args.arms.find((entry) => entry.arm === rule.baseline);
  if (baseline === undefined) throw new RangeError(`evaluation.baseline: "${rule.baseline}" has no selected configuration`);
  const others = args.arms.filter((entry) => entry.arm !== rule.baseline);
  const alpha = rule.alpha / Math.max(1, others.length);
  const lowerIsBetter = rule.metric === 'testLoss';
  const compareAt = (count: number, atMax: boolean): EvaluationComparison[] =>
    others.map((entry) => {
      const seeds: number[] = [];
      const differences: number[] = [];
      for (const seed of args.freshSeeds.slice(0, count)) {
        const value = args.results.get(entry.arm)?.get(seed);
        const reference = args.results.get(baseline.arm)?.get(seed);
        if (typeof value === 'number' && typeof reference === 'number') {
          seeds.push(seed);
          differences.push(value - reference);
        }
      }
      const result = decide(differences, { alpha, margin: rule.margin, lowerIsBetter, mixturePrecision: MIXTURE_PRECISION, minSeeds: 2 });
      const undecidedAtMax = atMax && result.decision === 'continue';
      return {
        arm: entry.arm,
        baseline: baseline.arm,
        configId: entry.configId,
        baselineConfigId: baseline.configId,
        metric: rule.metric,
        seeds,
        differences,
        meanDifference: differences.length > 0 ? differences.reduce((sum, value) => sum + value, 0) / differences.length : null,
        decision: undecidedAtMax ? 'no difference' : result.decision,
        reason: undecidedAtMax ? 'max seeds reached' : result.reason,
        interval: result.interval,
        alpha,
      };
    });
  const finishedThrough = (count: number): boolean =>
    args.arms.every((entry) => args.freshSeeds.slice(0, count).every((seed) => args.results.get(entry.arm)?.has(seed) === true));
  const firstDecisiveLook = new Map<string, number>();
  const isDecisive = (comparison: EvaluationComparison): boolean => comparison.reason === 'beyond margin' || comparison.reason === 'within margin';
  let last: { seeds: number; comparisons: EvaluationComparison[] } = { seeds: 0, comparisons: compareAt(0, false) };
  for (const look of evaluationLooks(rule)) {
    if (!finishedThrough(look)) return { status: 'in progress', seeds: last.seeds, nextLook: look, comparisons: last.comparisons };
    const atMax = look >= rule.seeds.max;
    const comparisons = compareAt(look, atMax);
    for (const comparison of comparisons) {
      if (isDecisive(comparison) && !firstDecisiveLook.has(comparison.arm)) firstDecisiveLook.set(comparison.arm, look);
      // Only while it is still decisive: a later look that is not (possible near a margin) says so.
      if (isDecisive(comparison)) comparison.decidedAtSeeds = firstDecisiveLook.get(comparison.arm);
    }
    last = { seeds: look, comparisons };
    if (rule.seeds.until === 'decisive' && comparisons.every(isDecisive)) {
      return { status: 'decisive', seeds: look, nextLook: null, comparisons };
    }
    if (atMax) return { status: 'max seeds reached', seeds: look, nextLook: null, comparisons };
  }
  return { status: 'max seeds reached', seeds: last.seeds, nextLook: null, comparisons: last.comparisons };
}

/** The outcome in words. */
export function describeEvaluation(outcome: Pick<EvaluationOutcome, 'status' | 'seeds' | 'comparisons'>): string {
  const decisions = outcome.comparisons.map((comparison) => `${comparison.arm} ${comparison.decision === 'continue' ? 'undecided' : comparison.decision}`).join(', ');
  const per = `${outcome.seeds} fresh seed${outcome.seeds === 1 ? '' : 's'} per arm`;
  switch (outcome.status) {
    case 'decisive':
      return `decisive at ${per} (${decisions})`;
    case 'max seeds reached':
      return `stopped at max, ${per} (${decisions})`;
    case 'in progress':
      return outcome.seeds === 0 ? 'in progress: no look yet' : `in progress: undecided at ${per} (${decisions})`;
    default:
      return outcome.status;
  }
}

/**
 * Each arm's selected configuration, chosen on mean final validation loss over its usable
 * SELECTION trials (evaluation trials never select), ties to the smaller configId: the report's
 * default selection (lib/sweep/selection/selection.ts), so both name the same configuration.
 */
export function selectForEvaluation(definition: SweepDefinition, trials: readonly TrialSummary[]): Array<{ arm: string; configId: string | null; index: number; params: ParameterValues; reason?: string }> {
  const selectionSeeds = new Set(definition.seeds);
  const selectionTrials = trials.filter((trial) => trial.role !== 'evaluation' && selectionSeeds.has(trial.seed));
  const byConfig = new Map<string, TrialSummary[]>();
  for (const trial of selectionTrials) byConfig.set(trial.configId, [...(byConfig.get(trial.configId) ?? []), trial]);
  const configurations = [...byConfig.values()].map((group) => summarizeConfiguration(group, { skipBootstrap: true }));
  return definition.arms.map((arm) => {
    const selection = selectConfiguration(arm.name, configurations, { objective: 'validationLoss', minSeeds: 1 });
    const chosen = selection.configId === null ? undefined : configurations.find((configuration) => configuration.configId === selection.configId);
    return chosen === undefined
      ? { arm: arm.name, configId: null, index: -1, params: {}, reason: selection.reason }
      : { arm: arm.name, configId: chosen.configId, index: chosen.index, params: chosen.params };
  });
}

/**
 * What the evaluation needs next, from the definition and the trials so far. Returns:
 *  - `run` with the trials of the next look not finished yet (evaluation TrialSpecs: role
 *    'evaluation', the arm's selected configuration and configId, a fresh seed);
 *  - `wait` while a selection trial is unfinished (the selection is not final yet);
 *  - `done` with `outcome.status`: 'decisive' (every comparison decided at `outcome.seeds`),
 *    'max seeds reached', 'no selected configuration' (an arm has no usable selection trial),
 *    'no test metric' (evaluation trials finished without the metric: no test split?) or
 *    'not requested' (no `evaluation` block).
 */
export function nextEvaluationStep(args: EvaluationStageArgs): EvaluationStep {
  const { definition } = args;
  const rule = definition.evaluation;
  const base = (status: EvaluationStatus, message: string): EvaluationOutcome => ({
    status,
    seeds: 0,
    freshSeeds: [],
    selectionSeeds: [...definition.seeds],
    baseline: rule?.baseline ?? '',
    metric: rule?.metric ?? 'testLoss',
    selected: [],
    comparisons: [],
    message,
  });
  if (rule === undefined) return { kind: 'done', outcome: base('not requested', 'no evaluation block in the definition') };
  const trials = args.trials.map(summarizeTrial);

  // The selection is final only when every planned selection trial has finished.
  const selectionSeeds = new Set(definition.seeds);
  for (const arm of definition.arms) {
    const configurations = armConfigurations(definition, arm);
    const finished = new Set(
      trials.filter((trial) => trial.arm === arm.name && trial.role !== 'evaluation' && selectionSeeds.has(trial.seed) && trial.index < configurations && isFinished(trial)).map((trial) => trial.trialId),
    );
    const planned = configurations * definition.seeds.length;
    if (finished.size < planned) return { kind: 'wait', reason: `selection not finished: arm "${arm.name}" has ${finished.size} of ${planned} trials finished` };
  }

  const selections = selectForEvaluation(definition, trials);
  const missing = selections.find((selection) => selection.configId === null);
  if (missing !== undefined) {
    return { kind: 'done', outcome: base('no selected configuration', `no selected configuration in arm "${missing.arm}": ${missing.reason ?? 'no usable selection trial'}`) };
  }
  const selected = selections.map((selection) => ({ arm: selection.arm, configId: selection.configId as string, index: selection.index, params: selection.params }));
  const freshSeeds = evaluationSeeds(definition);
  const fresh = new Set(freshSeeds);

  // Results of the selected configurations on the fresh seeds (finished evaluation trials only).
  const results = new Map<string, Map<number, number | null>>(selected.map((entry) => [entry.arm, new Map()]));
  for (const trial of trials) {
    if (trial.role !== 'evaluation' || !fresh.has(trial.seed)) continue;
    const entry = selected.find((candidate) => candidate.arm === trial.arm);
    if (entry === undefined || trial.configId !== entry.configId) continue;
    if (!isFinished(trial)) continue;
    const value = metricOf(trial, rule.metric);
    if (value === null && trial.usable) {
      return { kind: 'done', outcome: base('no test metric', `evaluation trial ${trial.trialId.slice(0, 12)} (${trial.arm}, seed ${trial.seed}) finished without ${rule.metric}: the data needs a test split (data.split.test)`) };
    }
    results.get(entry.arm)!.set(trial.seed, value);
  }

  const replay = replayEvaluation({ rule, freshSeeds, arms: selected, results });
  const outcome: EvaluationOutcome = {
    status: replay.status,
    seeds: replay.seeds,
    freshSeeds: freshSeeds.slice(0, replay.seeds),
    selectionSeeds: [...definition.seeds],
    baseline: rule.baseline,
    metric: rule.metric,
    selected,
    comparisons: replay.comparisons,
    message: '',
  };
  outcome.message = describeEvaluation(outcome);
  if (replay.status !== 'in progress') return { kind: 'done', outcome };

  // The next look's trials that have not finished, in seed order, arms interleaved (paired seeds advance together).
  const specs: TrialSpec[] = [];
  for (const seed of freshSeeds.slice(0, replay.nextLook as number)) {
    for (const entry of selected) {
      if (results.get(entry.arm)!.has(seed)) continue;
      const arm = definition.arms.find((candidate) => candidate.name === entry.arm)!;
      specs.push({
        trialId: trialIdentity(definition, arm, entry.params, seed, 'evaluation'),
        configId: entry.configId,
        sweepName: definition.name,
        arm: entry.arm,
        index: entry.index,
        params: entry.params,
        seed,
        role: 'evaluation',
      });
    }
  }
  return { kind: 'run', trials: specs, outcome };
}
