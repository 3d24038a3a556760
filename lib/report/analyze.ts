/**
 * The whole statistical report of a sweep, computed once from trial records. Renderers take
 * the resulting `SweepReport` and only format it.
 */
import { describeBackendChoice } from '../backend/describe-choice';
import type { BackendChoice } from '../backend/measure';
import { ExecutionGroup, summarizeExecution } from './execution-summary';
import type { ArmName, TrialRecord } from '../sweep/record';
import { budgetCurve, BudgetCurve } from './budget-curve';
import { ConfigurationSummary, summarizeConfiguration } from '../sweep/selection/configuration-summary';
import { epochCurve, EpochCurve } from './epoch-curves';
import { armsWithLayerCoefficients, layerImportance, LayerImportance } from './importance';
import { answerSentence, ArmComparison, compareArmsWithBaseline, NO_REGULARIZATION_ARM, ReportAnswer } from './answer';
import { compareConfigurations, PairedComparison } from './paired-comparison';
import { ArmSelection, selectConfiguration, SelectionObjective, SELECTION_OBJECTIVES } from '../sweep/selection/selection';
import { DEFAULT_BOOTSTRAP_RESAMPLES, DEFAULT_BOOTSTRAP_SEED, DEFAULT_CONFIDENCE } from '../statistics/summary-stats';
import { countTrials, summarizeTrial, TrialCounts, TrialDigest, TrialSummary } from '../sweep/selection/trial-summary';
import { ReportEvaluation, summarizeEvaluation } from './evaluation';
import type { EvaluationDefinition } from '../sweep/definition';

/** Options of {@link analyzeSweep}. */
export interface AnalysisOptions {
  /** Two-sided confidence level of every interval. Default 0.95. */
  confidence?: number;
  /** Bootstrap resamples per interval. Default 10000. */
  bootstrapResamples?: number;
  /** Seed of the bootstrap streams (each statistic derives its own stream from it). Default `'layerwise'`. */
  bootstrapSeed?: string;
  /** Validation metric that selects each arm's configuration. Default `'validationLoss'`. Never a test metric. */
  selectBy?: SelectionObjective;
  /** Minimum usable seeds for a configuration to be selectable. Default 1. */
  minSeeds?: number;
  /**
   * Arm used as the reference of the paired comparison. Default `'uniform'`, or `'none'` when the
   * sweep has a `none` arm and no `uniform` one. Whatever the baseline, every arm is also compared
   * with a `none` arm (no regularization) when the sweep has one.
   */
  baselineArm?: ArmName;
  /** Arm compared against the baseline. Default `'per-layer'`. */
  candidateArm?: ArmName;
  /**
   * Parameter holding the baseline arm's single coefficient (x axis of "gap vs coefficient").
   * Default: the numeric parameter without a dot whose value varies across the baseline arm's
   * configurations (alphabetically first if several), else the first numeric one.
   */
  coefficientParameter?: string;
  /** Test metric the one-sentence answer is about. Default `'testLoss'`. */
  answerMetric?: 'testLoss' | 'testAccuracy';
  /**
   * Bootstrap intervals are computed for every configuration of an arm with at most this many
   * configurations, else for its this-many best by the selection objective (the ones the views
   * detail); the others keep mean, std and t-interval, with a null bootstrap interval. Bounds the
   * report's cost at large sweeps. Default {@link DEFAULT_DETAILED_CONFIGURATIONS_PER_ARM}.
   */
  detailedConfigurationsPerArm?: number;
  /** Report title. Default: the sweep name(s). */
  title?: string;
  /** ISO timestamp printed in the report. Default: none, so the same records give identical output. */
  generatedAt?: string;
  /**
   * The sweep definition's `evaluation` rule, so the report replays the looks the sweep made on
   * fresh seeds and says why it stopped. Default: when evaluation trials exist, every seed a look,
   * alpha = 1 − confidence, the report's baseline and answer metric.
   */
  evaluation?: EvaluationDefinition;
  /** Bootstrap resamples of the layer-importance interval (each refits a forest). Default 100. */
  importanceResamples?: number;
  /** Trees of each layer-importance forest. Default 32. */
  importanceTrees?: number;
  /**
   * The backend choices the sweep's runs recorded in its store (`op: "backend"` journal events), in
   * time order: the report says which backend was chosen and why (measured, forced by an option, the
   * environment or the definition). Default: none known (the report then says only what ran).
   */
  backendChoices?: readonly BackendChoice[];
}

/** Default of `AnalysisOptions.detailedConfigurationsPerArm`. */
export const DEFAULT_DETAILED_CONFIGURATIONS_PER_ARM = 8;

/** Per-arm view: counts, the validation-selected configuration and its per-seed test results. */
export interface ArmSummary {
  arm: ArmName;
  counts: TrialCounts;
  configurations: number;
  selection: ArmSelection;
  /** Final metrics of the selected configuration, one row per usable seed. */
  selectedBySeed: Array<{
    seed: number;
    trialId: string;
    validationLoss?: number;
    testLoss?: number;
    testAccuracy?: number;
    lossGap?: number;
    accuracyGap?: number;
  }>;
}

/** Settings the report was computed with, after defaults. */
export interface ReportSettings {
  confidence: number;
  bootstrapResamples: number;
  bootstrapSeed: string;
  selectBy: SelectionObjective;
  minSeeds: number;
  baselineArm: ArmName;
  candidateArm: ArmName;
  coefficientParameter: string | null;
  answerMetric: 'testLoss' | 'testAccuracy';
  detailedConfigurationsPerArm: number;
}

export interface SweepReport {
  /**
   * The answer in one sentence, printed first by every renderer: which arm is better on test, by
   * how much, with its interval and number of seeds, or "no evidence of a difference at this budget".
   */
  answer: ReportAnswer;
  /**
   * Every other arm's selected configuration against the baseline arm's, and against the `none`
   * arm's (no regularization) when the sweep has one, on the answer metric; Holm-corrected over all.
   */
  armComparisons: ArmComparison[];
  /**
   * The selected configurations re-run on fresh seeds (role 'evaluation'): what the answer uses
   * when present. Null when the sweep has no evaluation trials (see `evaluationUnavailable`).
   */
  evaluation: ReportEvaluation | null;
  /** Why evaluation trials exist but cannot be reported. */
  evaluationUnavailable?: string;
  /** The evaluation trials (role 'evaluation'), apart from `trials` (selection) so they never select nor enter selection statistics. */
  evaluationTrials: TrialSummary[];
  title: string;
  sweepNames: string[];
  generatedAt?: string;
  settings: ReportSettings;
  /** Plain-language description of each statistical method, printed with the numbers. */
  methods: Record<'std' | 'tInterval' | 'bootstrapInterval' | 'selection' | 'evaluation' | 'paired' | 'probability' | 'multipleComparisons' | 'exclusion' | 'gap' | 'importance', string>;
  counts: TrialCounts;
  /** Which backend and training path ran the trials, grouped (every trial's own are in `trials`). */
  execution: ExecutionGroup[];
  /** Why each run's backend was chosen (`describeBackendChoice`), distinct sentences in time order; absent when the store recorded none. */
  backendChoices?: string[];
  trials: TrialSummary[];
  configurations: ConfigurationSummary[];
  arms: ArmSummary[];
  comparison: PairedComparison | null;
  /** Why there is no comparison, when `comparison` is null. */
  comparisonUnavailable?: string;
  budgetCurves: BudgetCurve[];
  /**
   * Learning curves aggregated over seeds, of the selected configuration of each arm only (what
   * the charts draw): the one part of the report that needs per-epoch records.
   */
  epochCurves: EpochCurve[];
  /**
   * Which layer matters: for each arm with per-layer coefficients, the share of the variance in
   * final validation loss explained by each layer's coefficient (first-order fANOVA of a forest
   * surrogate, bootstrap interval over configurations). See lib/report/importance.ts.
   */
  layerImportance: LayerImportance[];
}

function byText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function detectCoefficientParameter(configurations: readonly ConfigurationSummary[]): string | null {
  const valuesByKey = new Map<string, Set<number>>();
  for (const configuration of configurations) {
    for (const [key, value] of Object.entries(configuration.params)) {
      if (typeof value !== 'number' || key.includes('.')) continue;
      const values = valuesByKey.get(key) ?? new Set<number>();
      values.add(value);
      valuesByKey.set(key, values);
    }
  }
  const keys = [...valuesByKey.keys()].sort(byText);
  return keys.find((key) => (valuesByKey.get(key) as Set<number>).size > 1) ?? keys[0] ?? null;
}

function methodTexts(settings: ReportSettings): SweepReport['methods'] {
  const level = `${Math.round(settings.confidence * 1000) / 10}%`;
  return {
    std: 'sample standard deviation over seeds (divisor n − 1)',
    tInterval: `${level} Student-t interval of the mean: mean ± t(n−1) · sd/√n, t quantile from jStat`,
    bootstrapInterval: `${level} percentile bootstrap interval of the mean, ${settings.bootstrapResamples} resamples of seeds, seedrandom stream "${settings.bootstrapSeed}"; computed for every configuration of an arm with at most ${settings.detailedConfigurationsPerArm} configurations, else for its ${settings.detailedConfigurationsPerArm} best by ${settings.selectBy} (the others show mean, std and t-interval only)`,
    selection: `each arm's configuration is the one with the best mean final ${settings.selectBy} over its seeds (validation split only; test is never used to select), at least ${settings.minSeeds} usable seed(s)`,
    evaluation:
      'evaluation reads the test split only, of the selected configurations; validation metrics in a comparison are labelled "selection": they chose the configurations, so their differences are biased. ' +
      'When the sweep re-ran the selected configurations on fresh seeds (trials with role "evaluation", never used to select), the answer uses those: an always-valid confidence sequence (Lai 1976 t-mixture; Bonferroni over arms) of arm − baseline, looked at as the sweep did, stopping when decisive or at max',
    paired: `differences are ${settings.candidateArm} − ${settings.baselineArm} on seeds both selected configurations completed; intervals are those of the mean difference`,
    multipleComparisons: `Holm's step-down correction (Holm 1979) of paired t-test p-values: across the arm comparisons on the answer metric (each arm with "${settings.baselineArm}"${settings.baselineArm === NO_REGULARIZATION_ARM ? '' : `, and with "${NO_REGULARIZATION_ARM}" (no regularization) when the sweep has that arm`}), and across the test metrics of a comparison; a difference is claimed when the adjusted p-value is below ${Math.round((1 - settings.confidence) * 1000) / 1000}`,
    probability:
      'P(better) under t: posterior probability that the mean difference favours the candidate with a noninformative prior (μ | d ~ d̄ + sd/√n · t(n−1)); bootstrap: fraction of bootstrap means favouring it; win rate: fraction of seeds it won',
    exclusion: 'failed, diverged, pruned and unfinished trials, and trials without finite metrics, are counted but excluded from every statistic',
    gap: 'loss gap = test data loss − train data loss (inference mode, penalty excluded); accuracy gap = train accuracy − test accuracy',
    importance:
      `layer importance: first-order functional ANOVA (Hutter, Hoos & Leyton-Brown 2014) of a seeded random-forest surrogate fitted on per-layer coefficients (log10 when all positive) → final validation loss, one row per usable trial; share = variance of a layer's marginal / total variance, averaged over trees; ${level} percentile bootstrap interval resampling whole configurations, seedrandom stream "${settings.bootstrapSeed}"`,
  };
}

/**
 * Learning curves of the report's selected configurations from `records` (full records of at
 * least those configurations' trials; others are ignored). Replaces `report.epochCurves`.
 */
export function attachEpochCurves(report: SweepReport, records: readonly (TrialRecord | TrialDigest)[]): SweepReport {
  const selected = new Set(report.arms.map((arm) => arm.selection.configId).filter((configId): configId is string => configId !== null));
  const withEpochs = records.filter((record): record is TrialRecord => selected.has(record.configId) && (record.epochs?.length ?? 0) > 0);
  report.epochCurves = [...selected].map((configId) => epochCurve(configId, withEpochs, report.trials.filter((trial) => trial.configId === configId)));
  return report;
}

/** Config ids of the selected configurations, for a reader that loads per-epoch records only for them. */
export function selectedConfigIds(report: SweepReport): string[] {
  return report.arms.map((arm) => arm.selection.configId).filter((configId): configId is string => configId !== null);
}

/**
 * Computes every statistic of the report from the sweep's trial records. The records may be
 * digests without per-epoch lists (`digestTrial`): then the learning curves are empty until
 * {@link attachEpochCurves} is given the selected configurations' full records.
 */
export function analyzeSweep(records: readonly (TrialRecord | TrialDigest)[], options: AnalysisOptions = {}): SweepReport {
  const report = analyzeTrialSummaries(records.map(summarizeTrial), options);
  return attachEpochCurves(report, records);
}

/**
 * {@link analyzeSweep} from trials already summarized (`summarizeTrial`), e.g. by a reader that
 * summarizes each trial as it streams the journal so no record of 100,000 is held. The learning
 * curves are empty until {@link attachEpochCurves}.
 */
export function analyzeTrialSummaries(summaries: readonly TrialSummary[], options: AnalysisOptions = {}): SweepReport {
  const selectBy = options.selectBy ?? 'validationLoss';
  if (!SELECTION_OBJECTIVES.includes(selectBy)) {
    throw new RangeError(`report.selectBy: got ${JSON.stringify(selectBy)}; allowed: ${SELECTION_OBJECTIVES.join(', ')}`);
  }
  const minSeeds = options.minSeeds ?? 1;
  if (!Number.isInteger(minSeeds) || minSeeds < 1) {
    throw new RangeError(`report.minSeeds: got ${minSeeds}; allowed: a positive integer`);
  }
  const intervalOptions = {
    confidence: options.confidence ?? DEFAULT_CONFIDENCE,
    bootstrapResamples: options.bootstrapResamples ?? DEFAULT_BOOTSTRAP_RESAMPLES,
    bootstrapSeed: options.bootstrapSeed ?? DEFAULT_BOOTSTRAP_SEED,
  };
  const answerMetric = options.answerMetric ?? 'testLoss';
  if (answerMetric !== 'testLoss' && answerMetric !== 'testAccuracy') {
    throw new RangeError(`report.answerMetric: got ${JSON.stringify(answerMetric)}; allowed: testLoss, testAccuracy`);
  }
  const detailedConfigurationsPerArm = options.detailedConfigurationsPerArm ?? DEFAULT_DETAILED_CONFIGURATIONS_PER_ARM;
  if (!Number.isInteger(detailedConfigurationsPerArm) || detailedConfigurationsPerArm < 1) {
    throw new RangeError(`report.detailedConfigurationsPerArm: got ${detailedConfigurationsPerArm}; allowed: a positive integer`);
  }
  // Evaluation re-runs (fresh seeds) are kept apart: they never select and never enter the selection statistics.
  const evaluationTrials = summaries.filter((trial) => trial.role === 'evaluation').sort((a, b) => byText(a.arm, b.arm) || a.seed - b.seed);
  const trials = summaries.filter((trial) => trial.role !== 'evaluation').sort((a, b) => byText(a.arm, b.arm) || a.index - b.index || a.seed - b.seed || byText(a.trialId, b.trialId));
  // Default question: per-layer against uniform; a sweep without a uniform arm but with `none`
  // (no regularization) compares with `none`. Every arm is also compared with `none` when there
  // is one (answer.ts, comparisonPairs).
  const presentArms = new Set(trials.map((trial) => trial.arm));
  const baselineArm = options.baselineArm ?? (!presentArms.has('uniform') && presentArms.has(NO_REGULARIZATION_ARM) ? NO_REGULARIZATION_ARM : 'uniform');
  const candidateArm = options.candidateArm ?? 'per-layer';
  const trialsByConfig = new Map<string, TrialSummary[]>();
  for (const trial of trials) {
    const group = trialsByConfig.get(trial.configId) ?? [];
    group.push(trial);
    trialsByConfig.set(trial.configId, group);
  }

  // The coefficient key is detected on the baseline arm first, then applied to every configuration.
  const draftBaseline = [...trialsByConfig.values()]
    .filter((group) => group[0].arm === baselineArm)
    .map((group) => ({ params: group[0].params }) as ConfigurationSummary);
  const coefficientParameter = options.coefficientParameter ?? detectCoefficientParameter(draftBaseline);

  const configurations = [...trialsByConfig.values()]
    // Without bootstrap first: selection needs only means; the detailed ones are bootstrapped below.
    .map((group) => summarizeConfiguration(group, { ...intervalOptions, skipBootstrap: true, coefficientParameter: coefficientParameter ?? undefined }))
    .sort((a, b) => byText(a.arm, b.arm) || a.index - b.index || byText(a.configId, b.configId));

  const armNames = [...new Set(trials.map((trial) => trial.arm))].sort((a, b) => {
    const rank = (arm: string): number => (arm === baselineArm ? 0 : arm === candidateArm ? 1 : 2);
    return rank(a) - rank(b) || byText(a, b);
  });

  const configurationById = new Map(configurations.map((configuration) => [configuration.configId, configuration]));
  const arms: ArmSummary[] = armNames.map((arm) => {
    const armTrials = trials.filter((trial) => trial.arm === arm);
    const selection = selectConfiguration(arm, configurations, { objective: selectBy, minSeeds });
    selection.ranking.forEach((configId, position) => {
      const ranked = configurationById.get(configId);
      if (ranked) ranked.selectionRank = position + 1;
    });
    const inArm = configurations.filter((configuration) => configuration.arm === arm);
    const detailed = inArm.length <= detailedConfigurationsPerArm ? inArm.map((configuration) => configuration.configId) : selection.ranking.slice(0, detailedConfigurationsPerArm);
    for (const configId of detailed) {
      const configuration = configurationById.get(configId) as ConfigurationSummary;
      const full = summarizeConfiguration(trialsByConfig.get(configId) ?? [], { ...intervalOptions, coefficientParameter: coefficientParameter ?? undefined });
      configuration.final = full.final;
      configuration.best = full.best;
    }
    const selectedBySeed = armTrials
      .filter((trial) => trial.usable && trial.configId === selection.configId && trial.final)
      .sort((a, b) => a.seed - b.seed)
      .map((trial) => {
        const final = trial.final as NonNullable<TrialSummary['final']>;
        return {
          seed: trial.seed,
          trialId: trial.trialId,
          validationLoss: final.validationLoss,
          testLoss: final.testLoss,
          testAccuracy: final.testAccuracy,
          lossGap: final.lossGap,
          accuracyGap: final.accuracyGap,
        };
      });
    return {
      arm,
      counts: countTrials(armTrials),
      configurations: configurations.filter((configuration) => configuration.arm === arm).length,
      selection,
      selectedBySeed,
    };
  });

  const settings: ReportSettings = {
    ...intervalOptions,
    selectBy,
    minSeeds,
    baselineArm,
    candidateArm,
    coefficientParameter,
    answerMetric,
    detailedConfigurationsPerArm,
  };

  let comparison: PairedComparison | null = null;
  let comparisonUnavailable: string | undefined;
  const baselineSelection = arms.find((arm) => arm.arm === baselineArm)?.selection;
  const candidateSelection = arms.find((arm) => arm.arm === candidateArm)?.selection;
  if (!baselineSelection || !candidateSelection) {
    comparisonUnavailable = `needs both arms "${baselineArm}" and "${candidateArm}"; found: ${armNames.join(', ') || 'none'}`;
  } else if (baselineSelection.configId === null || candidateSelection.configId === null) {
    comparisonUnavailable = `no configuration selected in ${baselineSelection.configId === null ? `"${baselineArm}"` : `"${candidateArm}"`}: ${(baselineSelection.configId === null ? baselineSelection : candidateSelection).reason}`;
  } else {
    comparison = compareConfigurations(
      { arm: baselineArm, configId: baselineSelection.configId, trials: trialsByConfig.get(baselineSelection.configId) ?? [] },
      { arm: candidateArm, configId: candidateSelection.configId, trials: trialsByConfig.get(candidateSelection.configId) ?? [] },
      intervalOptions,
    );
    if (comparison.sharedSeeds.length === 0) {
      comparisonUnavailable = 'the selected configurations share no completed seed, so nothing can be paired';
    }
  }

  const armComparisons = compareArmsWithBaseline(arms, trialsByConfig, settings);
  const evaluated = summarizeEvaluation({ evaluationTrials, arms, selectionSeeds: [...new Set(trials.map((trial) => trial.seed))], settings, rule: options.evaluation });
  const answer = answerSentence({ comparison: comparisonUnavailable === undefined ? comparison : null, unavailable: comparisonUnavailable, armComparisons, arms, settings, evaluation: evaluated.evaluation });

  const sweepNames = [...new Set(trials.map((trial) => trial.sweepName))].sort(byText);
  const report: SweepReport = {
    answer,
    armComparisons,
    evaluation: evaluated.evaluation,
    evaluationTrials,
    title: options.title ?? (sweepNames.length > 0 ? sweepNames.join(', ') : 'layerwise sweep'),
    sweepNames,
    settings,
    methods: methodTexts(settings),
    counts: countTrials(trials),
    execution: summarizeExecution(trials),
    trials,
    configurations,
    arms,
    comparison,
    budgetCurves: armNames.map((arm) => budgetCurve(arm, trials, selectBy)),
    epochCurves: [],
    layerImportance: armsWithLayerCoefficients(trials).map((arm) =>
      layerImportance(arm, trials, {
        confidence: intervalOptions.confidence,
        seed: intervalOptions.bootstrapSeed,
        resamples: options.importanceResamples,
        trees: options.importanceTrees,
      }),
    ),
  };
  if (options.generatedAt !== undefined) report.generatedAt = options.generatedAt;
  if (options.backendChoices !== undefined && options.backendChoices.length > 0) report.backendChoices = [...new Set(options.backendChoices.map(describeBackendChoice))];
  if (comparisonUnavailable !== undefined) report.comparisonUnavailable = comparisonUnavailable;
  if (evaluated.unavailable !== undefined) report.evaluationUnavailable = evaluated.unavailable;
  return report;
}
