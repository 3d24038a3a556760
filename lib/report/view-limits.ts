/**
 * What the person-facing views show of a large sweep. A report of 100,000 trials must stay
 * readable: tables rank and truncate with a rule that is printed beside them, charts aggregate,
 * and report.json keeps statistics and per-configuration summaries rather than every trial. The
 * complete per-trial and per-configuration data stays in trials.csv and configurations.csv.
 * Small sweeps are under every limit, so their views are unchanged.
 */
import type { SweepReport } from './analyze';
import type { BudgetCurve, BudgetPoint } from './budget-curve';
import type { ConfigurationSummary } from '../sweep/selection/configuration-summary';
import type { TrialSummary } from '../sweep/selection/trial-summary';

/** Default limits of the views. */
export const VIEW_LIMITS = {
  /** Configuration table rows per arm (the best by the selection objective when an arm has more). */
  configurationsPerArm: 20,
  /** Trial rows of the HTML table and of report.json. */
  trials: 500,
  /** Points of a per-configuration chart before it is binned. */
  chartPoints: 60,
} as const;

/** Rows a view shows, how many it left out, and the rule it used (printed with the view). */
export interface ShownRows<T> {
  rows: T[];
  total: number;
  omitted: number;
  /** One sentence, empty when nothing was left out. */
  rule: string;
}

function rankOf(configuration: ConfigurationSummary): number {
  return configuration.selectionRank ?? Number.POSITIVE_INFINITY;
}

/** Configurations a table lists: every one of an arm with at most `perArm`, else its `perArm` best by selection rank (in rank order). */
export function shownConfigurations(report: SweepReport, perArm: number = VIEW_LIMITS.configurationsPerArm): ShownRows<ConfigurationSummary> {
  const byArm = new Map<string, ConfigurationSummary[]>();
  for (const configuration of report.configurations) {
    const list = byArm.get(configuration.arm) ?? [];
    list.push(configuration);
    byArm.set(configuration.arm, list);
  }
  const rows: ConfigurationSummary[] = [];
  for (const list of byArm.values()) {
    if (list.length <= perArm) rows.push(...list);
    else rows.push(...[...list].sort((a, b) => rankOf(a) - rankOf(b) || a.index - b.index).slice(0, perArm));
  }
  const total = report.configurations.length;
  const omitted = total - rows.length;
  const rule =
    omitted === 0
      ? ''
      : `showing ${rows.length} of ${total} configurations: per arm the ${perArm} best by mean ${report.settings.selectBy} (selection rank order); every configuration is in configurations.csv`;
  return { rows, total, omitted, rule };
}

/**
 * Trials a per-trial view lists: all when there are at most `limit`; else the trials of the
 * best-ranked configurations (rank 1 of every arm first, then rank 2, ...) until `limit`, then
 * nothing else. Excluded trials of those configurations are kept, so failures stay visible.
 */
export function shownTrials(report: SweepReport, limit: number = VIEW_LIMITS.trials): ShownRows<TrialSummary> {
  // `--format all` asks once per view (json, html): the 100,000-trial ranking is sorted once per report.
  const known = SHOWN_TRIALS.get(report.trials);
  if (known !== undefined && known.limit === limit && known.configurations === report.configurations) return { ...known.shown, rows: [...known.shown.rows] };
  const shown = rankedTrials(report, limit);
  SHOWN_TRIALS.set(report.trials, { limit, configurations: report.configurations, shown });
  return { ...shown, rows: [...shown.rows] };
}

/**
 * Evaluation trials (role 'evaluation': the selected configurations re-run on fresh seeds after
 * selection) a per-trial view lists after the selection trials: all when there are at most
 * `limit`, else the first `limit` by arm and seed (the order of `report.evaluationTrials`). They
 * never count against the selection trials' limit: they are what the answer reads.
 */
export function shownEvaluationTrials(report: SweepReport, limit: number = VIEW_LIMITS.trials): ShownRows<TrialSummary> {
  const all = report.evaluationTrials ?? [];
  const rows = all.slice(0, limit);
  const omitted = all.length - rows.length;
  return {
    rows,
    total: all.length,
    omitted,
    rule: omitted === 0 ? '' : `showing ${rows.length} of ${all.length} evaluation trials: the first by arm and seed; every trial is in trials.csv`,
  };
}

/** The last {@link shownTrials} answer for a report's trial list (weakly held: it goes with the report). */
const SHOWN_TRIALS = new WeakMap<readonly TrialSummary[], { limit: number; configurations: readonly ConfigurationSummary[]; shown: ShownRows<TrialSummary> }>();

function rankedTrials(report: SweepReport, limit: number): ShownRows<TrialSummary> {
  const total = report.trials.length;
  if (total <= limit) return { rows: [...report.trials], total, omitted: 0, rule: '' };
  const rank = new Map<string, number>();
  for (const configuration of report.configurations) rank.set(configuration.configId, rankOf(configuration));
  const ordered = [...report.trials].sort(
    (a, b) => (rank.get(a.configId) ?? Infinity) - (rank.get(b.configId) ?? Infinity) || (a.arm < b.arm ? -1 : a.arm > b.arm ? 1 : 0) || a.seed - b.seed,
  );
  const rows = ordered.slice(0, limit);
  return {
    rows,
    total,
    omitted: total - rows.length,
    rule: `showing ${rows.length} of ${total} trials: those of the best-ranked configurations by mean ${report.settings.selectBy} (rank 1 of every arm first); every trial is in trials.csv`,
  };
}

/**
 * A budget curve reduced to the points where the best value so far changes, plus the first and
 * last trial: the same step function (drawn with step-after interpolation), in as many points as
 * there were improvements.
 */
export function budgetCurveSteps(curve: BudgetCurve): BudgetCurve {
  const points: BudgetPoint[] = [];
  curve.points.forEach((point, position) => {
    const previous = position > 0 ? curve.points[position - 1].bestSoFar : undefined;
    if (position === 0 || position === curve.points.length - 1 || point.bestSoFar !== previous) points.push(point);
  });
  return { ...curve, points };
}

/** One bin of a binned per-configuration chart: summary of the configuration means whose x falls in [low, high). */
export interface ChartBin {
  low: number;
  high: number;
  /** Centre on the axis (geometric for a log axis). */
  centre: number;
  n: number;
  mean: number;
  min: number;
  max: number;
}

/** Bins points (x > 0 for a log axis) into `bins` equal-width bins of x (of log10 x when `log`). Empty bins are dropped. */
export function binPoints(points: ReadonlyArray<{ x: number; y: number }>, bins: number, log: boolean): ChartBin[] {
  const scale = (x: number) => (log ? Math.log10(x) : x);
  const usable = points.filter((point) => Number.isFinite(point.y) && Number.isFinite(scale(point.x)));
  if (usable.length === 0) return [];
  const xs = usable.map((point) => scale(point.x));
  const low = Math.min(...xs);
  const high = Math.max(...xs);
  const width = high > low ? (high - low) / bins : 1;
  const buckets = new Map<number, number[]>();
  usable.forEach((point, position) => {
    const bin = Math.min(bins - 1, Math.floor((xs[position] - low) / width));
    (buckets.get(bin) ?? buckets.set(bin, []).get(bin)!).push(point.y);
  });
  const unscale = (value: number) => (log ? 10 ** value : value);
  return [...buckets.entries()]
    .sort(([a], [b]) => a - b)
    .map(([bin, values]) => {
      const binLow = low + bin * width;
      return {
        low: unscale(binLow),
        high: unscale(binLow + width),
        centre: unscale(binLow + width / 2),
        n: values.length,
        mean: values.reduce((sum, value) => sum + value, 0) / values.length,
        min: values.reduce((a, b) => Math.min(a, b), Infinity),
        max: values.reduce((a, b) => Math.max(a, b), -Infinity),
      };
    });
}

/** Configurations the analysis detailed (bootstrapped): every one of an arm within the limit, else the arm's best by rank. */
export function detailedConfigurationIds(report: SweepReport): Set<string> {
  const limit = report.settings.detailedConfigurationsPerArm;
  const perArm = new Map<string, ConfigurationSummary[]>();
  for (const configuration of report.configurations) (perArm.get(configuration.arm) ?? perArm.set(configuration.arm, []).get(configuration.arm)!).push(configuration);
  const ids = new Set<string>();
  for (const list of perArm.values()) {
    for (const configuration of list) if (list.length <= limit || (configuration.selectionRank ?? Infinity) <= limit) ids.add(configuration.configId);
  }
  return ids;
}

/** A configuration summary reduced to identity, counts, rank and n/mean/std of each final metric. */
export function compactConfiguration(configuration: ConfigurationSummary): Record<string, unknown> {
  const final: Record<string, { n: number; mean: number | null; std: number | null }> = {};
  for (const [metric, summary] of Object.entries(configuration.final)) final[metric] = { n: summary.n, mean: summary.mean, std: summary.std };
  const compact: Record<string, unknown> = { configId: configuration.configId, arm: configuration.arm, params: configuration.params, index: configuration.index, counts: configuration.counts, seeds: configuration.seeds, final };
  if (configuration.coefficient !== undefined) compact.coefficient = configuration.coefficient;
  if (configuration.selectionRank !== undefined) compact.selectionRank = configuration.selectionRank;
  return compact;
}

/**
 * The report as report.json holds it: every statistic and a summary of every configuration (in
 * full for the detailed ones, see {@link compactConfiguration} for the others); the
 * per-trial list only as far as {@link shownTrials} goes (with the rule); budget curves as their
 * improvement steps ({@link budgetCurveSteps}); learning curves of the selected configurations.
 */
export function reportForJson(report: SweepReport, trialLimit: number = VIEW_LIMITS.trials): Record<string, unknown> {
  const trials = shownTrials(report, trialLimit);
  const budgetCurves = report.budgetCurves.map((curve) => (curve.points.length > trialLimit ? budgetCurveSteps(curve) : curve));
  const reduced = budgetCurves.some((curve, position) => curve.points.length !== report.budgetCurves[position].points.length);
  const views: Record<string, string> = {};
  if (trials.omitted > 0) views.trials = trials.rule;
  if (reduced) views.budgetCurves = 'budget curves list the trials where the best value so far changed, plus the first and last trial (the same step function)';
  views.epochCurves = 'learning curves of the selected configuration of each arm';
  // Configurations the report did not detail (no bootstrap) keep the numbers a reader ranks by; all of them are in configurations.csv.
  const detailed = detailedConfigurationIds(report);
  const configurations = report.configurations.map((configuration) => (detailed.has(configuration.configId) ? configuration : compactConfiguration(configuration)));
  if (detailed.size < report.configurations.length) {
    views.configurations = `${report.configurations.length - detailed.size} configurations outside each arm's ${report.settings.detailedConfigurationsPerArm} best carry n, mean and std of their final metrics only; every statistic of every configuration is in configurations.csv`;
  }
  return { ...report, trials: trials.rows, trialsTotal: trials.total, configurations, budgetCurves, views };
}
