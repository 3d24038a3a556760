/**
 * The report's view of the evaluation on fresh seeds: the selected configurations re-run on seeds
 * that never selected anything (trials with role 'evaluation', lib/sweep/evaluation-stage.ts),
 * compared arm − baseline on the test metric with the same always-valid confidence sequence and
 * the same looks as the sweep used to decide when to stop, so the report says what the sweep
 * decided: at how many seeds, and why it stopped.
 */
import type { EvaluationDefinition } from '../sweep/definition';
import { describeEvaluation, EvaluationComparison, EvaluationStatus, replayEvaluation } from '../sweep/evaluation-stage';
import type { ArmSummary, ReportSettings } from './analyze';
import { formatInterval, formatNumber } from './format';
import type { TrialSummary } from '../sweep/selection/trial-summary';

export interface ReportEvaluation {
  /** The rule replayed: the sweep definition's `evaluation`, or defaults from the report settings when it was not given. */
  rule: EvaluationDefinition;
  /** False when the rule was not given (a library call without the definition): looks at every seed from 2, alpha = 1 − confidence. */
  ruleFromDefinition: boolean;
  status: Exclude<EvaluationStatus, 'no selected configuration' | 'no test metric' | 'not requested'>;
  /** Fresh seeds per arm at the last complete look. */
  seeds: number;
  /** Fresh seeds looked at, ascending. */
  freshSeeds: number[];
  /** Each non-baseline arm with evaluation trials against the baseline. */
  comparisons: EvaluationComparison[];
  /** The outcome in words, e.g. "decisive at 7 fresh seeds per arm (per-layer better)". */
  message: string;
  /** Evaluation trials in the records (any state). */
  trials: number;
  /** Arms whose evaluation trials are of another configuration than the one this report selected (a different --select-by): left out. */
  mismatched: string[];
}

/** The rule used when the definition's is not known: every seed a look, alpha = 1 − confidence. */
function defaultRule(settings: ReportSettings, freshSeeds: number): EvaluationDefinition {
  return {
    seeds: { min: Math.min(2, freshSeeds), max: Math.max(1, freshSeeds), until: 'decisive', batch: 1 },
    metric: settings.answerMetric,
    margin: 0,
    alpha: 1 - settings.confidence,
    baseline: settings.baselineArm,
  };
}

/**
 * The evaluation from the evaluation trials (role 'evaluation') and each arm's selection, or null
 * with a reason when there is none to report.
 */
export function summarizeEvaluation(args: {
  evaluationTrials: readonly TrialSummary[];
  arms: readonly ArmSummary[];
  /** Seeds of the selection trials. */
  selectionSeeds: readonly number[];
  settings: ReportSettings;
  rule?: EvaluationDefinition;
}): { evaluation: ReportEvaluation | null; unavailable?: string } {
  if (args.evaluationTrials.length === 0) return { evaluation: null };
  const evaluated = [...new Set(args.evaluationTrials.map((trial) => trial.seed))].sort((a, b) => a - b);
  const rule = args.rule ?? defaultRule(args.settings, evaluated.length);
  // The sweep's fresh seeds: after the largest selection seed (evaluation-stage.ts `evaluationSeeds`).
  const first = args.rule !== undefined && args.selectionSeeds.length > 0 ? Math.max(...args.selectionSeeds) + 1 : undefined;
  const freshSeeds = first !== undefined ? Array.from({ length: rule.seeds.max }, (_, position) => first + position) : evaluated;
  const mismatched: string[] = [];
  const entries: Array<{ arm: string; configId: string }> = [];
  const results = new Map<string, Map<number, number | null>>();
  for (const arm of args.arms) {
    const trials = args.evaluationTrials.filter((trial) => trial.arm === arm.arm);
    if (trials.length === 0) continue;
    const configId = arm.selection.configId;
    const own = trials.filter((trial) => trial.configId === configId);
    if (configId === null || own.length === 0) {
      mismatched.push(arm.arm);
      continue;
    }
    entries.push({ arm: arm.arm, configId });
    const values = new Map<number, number | null>();
    for (const trial of own) {
      if (trial.state === 'waiting' || trial.state === 'running') continue;
      const value = trial.usable ? trial.final?.[rule.metric] : undefined;
      values.set(trial.seed, value !== undefined && Number.isFinite(value) ? value : null);
    }
    results.set(arm.arm, values);
  }
  if (!entries.some((entry) => entry.arm === rule.baseline)) {
    return { evaluation: null, unavailable: `the baseline arm "${rule.baseline}" has no evaluation trials of its selected configuration${mismatched.length > 0 ? ` (evaluated configurations differ from this report's selection in: ${mismatched.join(', ')}; select with the sweep's rule, --select-by validationLoss)` : ''}` };
  }
  const replay = replayEvaluation({ rule, freshSeeds, arms: entries, results });
  const evaluation: ReportEvaluation = {
    rule,
    ruleFromDefinition: args.rule !== undefined,
    status: replay.status,
    seeds: replay.seeds,
    freshSeeds: freshSeeds.slice(0, replay.seeds),
    comparisons: replay.comparisons,
    message: describeEvaluation(replay),
    trials: args.evaluationTrials.length,
    mismatched,
  };
  return { evaluation };
}

/** "95%" for the family; each comparison's interval is at alpha / comparisons. */
export function evaluationLevel(evaluation: ReportEvaluation): string {
  const level = `${Math.round((1 - evaluation.rule.alpha) * 1000) / 10}%`;
  return evaluation.comparisons.length > 1 ? `${level} (Bonferroni over ${evaluation.comparisons.length} comparisons)` : level;
}

/** Why the evaluation stopped, in a few words. */
export function evaluationStop(evaluation: ReportEvaluation): string {
  switch (evaluation.status) {
    case 'decisive':
      return `decisive at ${evaluation.seeds} seeds`;
    case 'max seeds reached':
      return evaluation.rule.seeds.until === 'max' ? `fixed at ${evaluation.seeds} seeds (until: max)` : `max of ${evaluation.rule.seeds.max} seeds reached undecided`;
    default:
      return `evaluation in progress after ${evaluation.seeds} seeds`;
  }
}

const METRIC_NAMES: Record<EvaluationDefinition['metric'], string> = { testLoss: 'test loss', testAccuracy: 'test accuracy' };

/** Header and cells of the fresh-seed comparison table. */
export function evaluationTable(evaluation: ReportEvaluation): { header: string[]; rows: string[][] } {
  return {
    header: ['arm − baseline', 'metric', 'fresh seeds', 'mean difference', `confidence sequence (alpha each)`, 'decision', 'why'],
    rows: evaluation.comparisons.map((comparison) => [
      `${comparison.arm} − ${comparison.baseline}`,
      METRIC_NAMES[comparison.metric],
      String(comparison.seeds.length),
      comparison.meanDifference === null ? '–' : `${comparison.meanDifference > 0 ? '+' : ''}${formatNumber(comparison.meanDifference)}`,
      `${formatInterval(comparison.interval)} (${formatNumber(comparison.alpha)})`,
      comparison.decision === 'continue' ? 'undecided' : comparison.decision,
      comparison.reason,
    ]),
  };
}

/** The line under the fresh-seed table: the rule and the stop. */
export function evaluationLine(evaluation: ReportEvaluation): string {
  const rule = evaluation.rule;
  const seeds = evaluation.freshSeeds.length > 0 ? `${evaluation.freshSeeds[0]}–${evaluation.freshSeeds[evaluation.freshSeeds.length - 1]}` : 'none yet';
  return (
    `Evaluation on fresh seeds ${seeds} (never used to select): ${evaluation.message}. ` +
    `Rule: always-valid confidence sequence (Lai 1976 t-mixture), ${evaluationLevel(evaluation)}, margin ${formatNumber(rule.margin)}, ` +
    (rule.seeds.until === 'max' ? `one look at ${rule.seeds.max} seeds` : `looks from ${rule.seeds.min} seeds every ${rule.seeds.batch} up to ${rule.seeds.max}`) +
    (evaluation.ruleFromDefinition ? '' : ' (the definition\'s rule was not given: defaults)') +
    (evaluation.mismatched.length > 0 ? `; left out (evaluated another configuration than this report selected): ${evaluation.mismatched.join(', ')}` : '') +
    '.'
  );
}
