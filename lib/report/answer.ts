/**
 * The report's answer in one sentence, and the arm-versus-baseline comparisons behind it.
 *
 * Each arm's selected configuration (chosen on validation) is compared with the baseline arm's on
 * a test metric by the paired t-test over shared seeds. Comparing several arms with one baseline
 * is several tests at once, so their p-values are Holm-corrected (holm.ts) before any of them is
 * called a difference. The answer names the candidate arm against the baseline arm:
 *
 *   "per-layer is better than uniform on test loss by 0.0130 (95% t-interval of per-layer − uniform
 *    [-0.0210, -0.0050]; 10 paired seeds; Holm-adjusted p = 0.0040 over 2 arm comparisons)."
 *   "No evidence of a difference at this budget: per-layer − uniform test loss +0.0130 (…)."
 */
import type { ArmSummary, ReportSettings } from './analyze';
import { formatInterval, formatNumber } from './format';
import { holmAdjust } from './holm';
import { compareConfigurations, PairedComparison, PairedMetricComparison } from './paired-comparison';
import type { TrialSummary } from '../sweep/selection/trial-summary';
import { evaluationLevel, evaluationStop, ReportEvaluation } from './evaluation';

/** One arm's selected configuration against another arm's (the baseline arm, or `none`), on the answer metric. */
export interface ArmComparison {
  arm: string;
  configId: string;
  /** The arm it is compared with: the report's baseline arm, or `none` (no regularization). */
  baselineArm: string;
  baselineConfigId: string;
  metric: 'testLoss' | 'testAccuracy';
  /** Paired seeds. */
  n: number;
  /** Mean of arm − baseline. */
  meanDifference: number | null;
  tInterval: PairedMetricComparison['tInterval'];
  pValue: number | null;
  /** Holm-adjusted over all arms compared with the baseline. */
  holmPValue: number | null;
  /** 'better'/'worse' when the Holm-adjusted p-value is below 1 − confidence, else 'no evidence'. */
  verdict: 'better' | 'worse' | 'no evidence';
}

export interface ReportAnswer {
  /** The sentence printed first by every renderer. */
  sentence: string;
  decision: 'better' | 'worse' | 'no evidence' | 'unavailable';
  /** Paired seeds behind the answer. */
  seeds: number;
  /** Seeds the selection (validation) saw, over both compared arms' configurations. */
  selectionSeeds: number[];
  /** Seeds the evaluation (test) comparison used. */
  evaluationSeeds: number[];
  /** A warning printed after the sentence, e.g. when evaluation reuses the selection seeds. */
  caveat?: string;
  /** 'evaluation': the answer compares the selected configurations on fresh seeds (role 'evaluation'); 'selection seeds': on the seeds that selected them. */
  basis: 'evaluation' | 'selection seeds';
  /** With basis 'evaluation': why the evaluation stopped, e.g. "decisive at 7 seeds" or "max of 20 seeds reached undecided". */
  stop?: string;
}

const METRIC_NAMES: Record<ArmComparison['metric'], string> = { testLoss: 'test loss', testAccuracy: 'test accuracy' };

/** The arm without regularization: when a sweep has it, every other arm is also compared with it. */
export const NO_REGULARIZATION_ARM = 'none';

/**
 * The comparisons a report makes, as [arm, baseline] pairs in order: every arm with the baseline
 * arm (the question, e.g. per-layer − uniform), then, when the sweep has a `none` arm (no
 * regularization) that is not the baseline, every other arm with `none` (does regularizing help
 * at all?). `none` itself is compared only in the second group.
 */
export function comparisonPairs(armNames: readonly string[], baselineArm: string): Array<[arm: string, baseline: string]> {
  const hasNone = armNames.includes(NO_REGULARIZATION_ARM) && baselineArm !== NO_REGULARIZATION_ARM;
  const pairs: Array<[string, string]> = [];
  if (armNames.includes(baselineArm)) {
    for (const arm of armNames) if (arm !== baselineArm && !(hasNone && arm === NO_REGULARIZATION_ARM)) pairs.push([arm, baselineArm]);
  }
  if (hasNone) for (const arm of armNames) if (arm !== NO_REGULARIZATION_ARM) pairs.push([arm, NO_REGULARIZATION_ARM]);
  return pairs;
}

/**
 * Compares every arm that selected a configuration with the baseline arm, and with the `none` arm
 * when the sweep has one ({@link comparisonPairs}); one Holm family over all of them.
 */
export function compareArmsWithBaseline(
  arms: readonly ArmSummary[],
  trialsByConfig: ReadonlyMap<string, TrialSummary[]>,
  settings: ReportSettings,
): ArmComparison[] {
  const rows: ArmComparison[] = [];
  const byName = new Map(arms.map((arm) => [arm.arm, arm]));
  for (const [armName, baselineName] of comparisonPairs(arms.map((arm) => arm.arm), settings.baselineArm)) {
    const arm = byName.get(armName);
    const baseline = byName.get(baselineName);
    if (!arm || !baseline || arm.selection.configId === null || baseline.selection.configId === null) continue;
    const baselineConfigId = baseline.selection.configId;
    const comparison = compareConfigurations(
      { arm: baseline.arm, configId: baselineConfigId, trials: trialsByConfig.get(baselineConfigId) ?? [] },
      { arm: arm.arm, configId: arm.selection.configId, trials: trialsByConfig.get(arm.selection.configId) ?? [] },
      { confidence: settings.confidence, bootstrapResamples: 1, bootstrapSeed: settings.bootstrapSeed },
    );
    const entry = comparison.metrics.find((candidate) => candidate.metric === settings.answerMetric);
    rows.push({
      arm: arm.arm,
      configId: arm.selection.configId,
      baselineArm: baseline.arm,
      baselineConfigId,
      metric: settings.answerMetric,
      n: entry?.n ?? 0,
      meanDifference: entry?.meanDifference ?? null,
      tInterval: entry?.tInterval ?? null,
      pValue: entry?.pValue ?? null,
      holmPValue: null,
      verdict: 'no evidence',
    });
  }
  const tested = rows.filter((row) => row.pValue !== null);
  const level = 1 - settings.confidence;
  holmAdjust(tested.map((row) => row.pValue as number)).forEach((adjusted, index) => {
    const row = tested[index];
    row.holmPValue = adjusted;
    if (adjusted < level && row.meanDifference !== null && row.meanDifference !== 0) {
      const lowerIsBetter = settings.answerMetric === 'testLoss';
      row.verdict = (row.meanDifference < 0) === lowerIsBetter ? 'better' : 'worse';
    }
  });
  return rows;
}

function signed(value: number | null): string {
  if (value === null) return '–';
  return `${value > 0 ? '+' : ''}${formatNumber(value)}`;
}

/** Builds the one-sentence answer from the candidate's row of `armComparisons`. */
export function answerSentence(args: {
  comparison: PairedComparison | null;
  unavailable?: string;
  armComparisons: readonly ArmComparison[];
  arms: readonly ArmSummary[];
  settings: ReportSettings;
  /** The evaluation on fresh seeds, when the sweep ran one: the answer then uses it. */
  evaluation?: ReportEvaluation | null;
}): ReportAnswer {
  const { settings } = args;
  const fromEvaluation = args.evaluation ? evaluationAnswer(args.evaluation, args.arms, settings) : undefined;
  if (fromEvaluation !== undefined) return fromEvaluation;
  const candidate = settings.candidateArm;
  const baseline = settings.baselineArm;
  const metric = METRIC_NAMES[settings.answerMetric];
  const level = `${Math.round(settings.confidence * 1000) / 10}%`;
  const selectionSeeds = [
    ...new Set(args.arms.filter((arm) => arm.arm === candidate || arm.arm === baseline).flatMap((arm) => arm.selectedBySeed.map((row) => row.seed))),
  ].sort((a, b) => a - b);
  const row = args.armComparisons.find((entry) => entry.arm === candidate && entry.baselineArm === baseline);
  if (args.comparison === null || row === undefined) {
    return {
      sentence: `No answer: ${args.unavailable ?? `no comparison of "${candidate}" with "${baseline}"`}.`,
      decision: 'unavailable',
      seeds: 0,
      selectionSeeds,
      evaluationSeeds: [],
      basis: 'selection seeds',
    };
  }
  const evaluationSeeds = args.comparison.sharedSeeds;
  const family = args.armComparisons.filter((entry) => entry.pValue !== null).length;
  const pText =
    row.holmPValue === null
      ? 'too few seeds for a test'
      : family > 1
        ? `Holm-adjusted p = ${formatNumber(row.holmPValue)} over ${family} arm comparisons`
        : `p = ${formatNumber(row.holmPValue)}`;
  const details = `${level} t-interval of ${candidate} − ${baseline} ${formatInterval(row.tInterval)}; ${row.n} paired seed${row.n === 1 ? '' : 's'}; ${pText}`;
  const sentence =
    row.verdict === 'no evidence'
      ? `No evidence of a difference at this budget: ${candidate} − ${baseline} ${metric} ${signed(row.meanDifference)} (${details}).`
      : `${candidate} is ${row.verdict} than ${baseline} on ${metric} by ${formatNumber(Math.abs(row.meanDifference as number))} (${details}).`;
  const reused = evaluationSeeds.filter((seed) => selectionSeeds.includes(seed));
  const caveat =
    reused.length > 0
      ? `evaluation (test) reuses ${reused.length} of the seeds that selected the configurations on validation, so the test comparison is not independent of selection; fresh evaluation seeds remove this bias`
      : undefined;
  const answer: ReportAnswer = { sentence, decision: row.verdict, seeds: row.n, selectionSeeds, evaluationSeeds, basis: 'selection seeds' };
  if (caveat) answer.caveat = caveat;
  return answer;
}

/**
 * The answer from the fresh-seed evaluation: the candidate arm's comparison with the baseline, its
 * confidence-sequence interval, the seeds it took and why it stopped. Undefined when the
 * evaluation has no comparison of the report's candidate with the report's baseline.
 */
function evaluationAnswer(evaluation: ReportEvaluation, arms: readonly ArmSummary[], settings: ReportSettings): ReportAnswer | undefined {
  const candidate = settings.candidateArm;
  const baseline = settings.baselineArm;
  const row = evaluation.comparisons.find((comparison) => comparison.arm === candidate && comparison.baseline === baseline);
  if (row === undefined) return undefined;
  const metric = METRIC_NAMES[row.metric];
  const selectionSeeds = [
    ...new Set(arms.filter((arm) => arm.arm === candidate || arm.arm === baseline).flatMap((arm) => arm.selectedBySeed.map((entry) => entry.seed))),
  ].sort((a, b) => a - b);
  const n = row.seeds.length;
  // The stage stops when every comparison is decisive, so this one may have been decided at an
  // earlier look while another comparison kept the stage going: say both.
  const stillOpen = evaluation.comparisons.filter((other) => other !== row && other.decidedAtSeeds === undefined).map((other) => `${other.arm} − ${other.baseline}`);
  const stop =
    row.decidedAtSeeds !== undefined && evaluation.status !== 'decisive'
      ? `decisive at ${row.decidedAtSeeds} seeds; the stage ran on to ${evaluation.seeds} seeds for ${stillOpen.length > 0 ? stillOpen.join(', ') : 'the other comparisons'}`
      : evaluationStop(evaluation);
  const details = `${evaluationLevel(evaluation)} confidence sequence of ${candidate} − ${baseline} ${formatInterval(row.interval)}; ${n} fresh paired seed${n === 1 ? '' : 's'}, ${stop}`;
  const decided = row.decision === 'better' || row.decision === 'worse';
  const sentence = decided
    ? `${candidate} is ${row.decision} than ${baseline} on ${metric} by ${formatNumber(Math.abs(row.meanDifference as number))} (${details}).`
    : row.reason === 'within margin'
      ? `No difference beyond the margin of ${formatNumber(evaluation.rule.margin)}: ${candidate} − ${baseline} ${metric} ${signed(row.meanDifference)} (${details}).`
      : `No evidence of a difference at this budget: ${candidate} − ${baseline} ${metric} ${signed(row.meanDifference)} (${details}).`;
  return {
    sentence,
    decision: decided ? (row.decision as 'better' | 'worse') : 'no evidence',
    seeds: n,
    selectionSeeds,
    evaluationSeeds: row.seeds,
    basis: 'evaluation',
    stop,
  };
}

/** "Selection: … seeds …; evaluation: … seeds …", printed under the answer by every renderer. */
export function selectionEvaluationLine(answer: ReportAnswer, settings: Pick<ReportSettings, 'selectBy'>): string {
  const seeds = (list: readonly number[]): string => (list.length ? list.join(', ') : 'none');
  if (answer.basis === 'evaluation') {
    return (
      `Selection (validation): each arm's configuration chosen on ${settings.selectBy} over seeds ${seeds(answer.selectionSeeds)}. ` +
      `Evaluation (test): the selected configurations re-run on fresh seeds ${seeds(answer.evaluationSeeds)}, never used to select; ${answer.stop}.`
    );
  }
  return (
    `Selection (validation): each arm's configuration chosen on ${settings.selectBy} over seeds ${seeds(answer.selectionSeeds)}. ` +
    `Evaluation (test): paired over seeds ${seeds(answer.evaluationSeeds)}.` +
    (answer.caveat ? ` Caution: ${answer.caveat}.` : '')
  );
}

/** Header and cells of the arm-comparison table (shown when more than one comparison is made); each row names its two arms. */
export function armComparisonTable(rows: readonly ArmComparison[], level: string): { header: string[]; rows: string[][] } {
  return {
    header: ['comparison', 'metric', 'paired seeds', 'mean difference', `${level} t-interval`, 'p', 'p (Holm)', 'verdict'],
    rows: rows.map((row) => [
      `${row.arm} − ${row.baselineArm}`,
      METRIC_NAMES[row.metric],
      String(row.n),
      signed(row.meanDifference),
      formatInterval(row.tInterval),
      formatNumber(row.pValue),
      formatNumber(row.holmPValue),
      row.verdict,
    ]),
  };
}
