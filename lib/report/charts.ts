/**
 * The report's charts as Vega-Lite specifications, compiled with vega-lite and rendered to SVG
 * strings by vega in Node (headless `renderer: 'none'` view), so the HTML needs no script or
 * network to show them. Specs only reshape report data; every statistic was computed before.
 * Vega escapes text and attribute values in the SVG it writes.
 */
import * as vega from 'vega';
import { compile, TopLevelSpec } from 'vega-lite';
import type { SweepReport } from './analyze';
import { shortId } from './format';
import { metricLabel } from './render-table';
import type { CurveMetric } from './epoch-curves';
import { binPoints, budgetCurveSteps, VIEW_LIMITS } from './view-limits';

/** One chart: an id for the page, a title, and its spec, or why it has no data. */
export interface ChartDefinition {
  id: 'learning-curves' | 'gap-vs-coefficient' | 'layer-coefficients' | 'arm-test-loss' | 'paired-differences' | 'budget-curves' | 'layer-importance';
  title: string;
  /** What the chart shows and how to read it. */
  caption: string;
  /** Null when the report has nothing to draw (then `emptyReason` says why). */
  spec: TopLevelSpec | null;
  emptyReason?: string;
}

const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
const CONFIG = {
  font: FONT,
  axis: { labelFontSize: 11, titleFontSize: 12, gridColor: '#e6e6e6' },
  legend: { labelFontSize: 11, titleFontSize: 12, labelLimit: 260 },
  view: { stroke: '#d0d0d0' },
};

function base(): Pick<TopLevelSpec, '$schema'> & { config: typeof CONFIG; background: string } {
  return { $schema: 'https://vega.github.io/schema/vega-lite/v5.json', config: CONFIG, background: 'white' };
}

function selectedConfigurations(report: SweepReport): Array<{ arm: string; configId: string }> {
  return report.arms
    .filter((arm) => arm.selection.configId !== null)
    .map((arm) => ({ arm: arm.arm, configId: arm.selection.configId as string }));
}

/** Arm labels in report order (baseline first), so facets and axes list arms the same way everywhere. */
function armLabels(report: SweepReport): string[] {
  return report.arms.filter((arm) => arm.selection.configId !== null).map((arm) => `${arm.arm} (${shortId(arm.selection.configId as string)})`);
}

const CURVE_SPLITS: Array<{ metric: CurveMetric; split: string }> = [
  { metric: 'trainLoss', split: 'train' },
  { metric: 'validationLoss', split: 'validation' },
  { metric: 'testLoss', split: 'test' },
];

function learningCurves(report: SweepReport): ChartDefinition {
  const rows: Array<Record<string, string | number>> = [];
  for (const { arm, configId } of selectedConfigurations(report)) {
    const curve = report.epochCurves.find((candidate) => candidate.configId === configId);
    for (const point of curve?.points ?? []) {
      for (const { metric, split } of CURVE_SPLITS) {
        const value = point.metrics[metric];
        if (value) rows.push({ arm: `${arm} (${shortId(configId)})`, split, epoch: point.epoch, mean: value.mean, std: value.std ?? 0, n: value.n });
      }
    }
  }
  const definition = {
    id: 'learning-curves' as const,
    title: 'Learning curves of the selected configurations',
    caption: 'Data loss per epoch (inference mode, penalty excluded): line = mean over seeds, band = ± one standard deviation.',
  };
  if (rows.length === 0) return { ...definition, spec: null, emptyReason: 'no selected configuration has per-epoch records' };
  const x = { field: 'epoch', type: 'quantitative' as const, title: 'epoch', axis: { tickMinStep: 1 } };
  const color = { field: 'split', type: 'nominal' as const, title: 'split', sort: ['train', 'validation', 'test'] };
  return {
    ...definition,
    spec: {
      ...base(),
      data: { values: rows },
      transform: [
        { calculate: 'datum.mean - datum.std', as: 'lower' },
        { calculate: 'datum.mean + datum.std', as: 'upper' },
      ],
      facet: { column: { field: 'arm', type: 'nominal', title: null, sort: armLabels(report), header: { labelFontSize: 13 } } },
      spec: {
        width: 320,
        height: 220,
        layer: [
          { mark: { type: 'area', opacity: 0.18 }, encoding: { x, y: { field: 'lower', type: 'quantitative', title: 'data loss' }, y2: { field: 'upper' }, color } },
          { mark: { type: 'line', strokeWidth: 2 }, encoding: { x, y: { field: 'mean', type: 'quantitative' }, color } },
        ],
      },
    } as TopLevelSpec,
  };
}

function gapVsCoefficient(report: SweepReport): ChartDefinition {
  const baseline = report.settings.baselineArm;
  const parameter = report.settings.coefficientParameter;
  const rows: Array<Record<string, string | number>> = [];
  for (const configuration of report.configurations) {
    if (configuration.arm !== baseline || configuration.coefficient === undefined || !(configuration.coefficient > 0)) continue;
    for (const metric of ['lossGap', 'testLoss', 'trainLoss'] as const) {
      const summary = configuration.final[metric];
      if (summary.mean === null) continue;
      rows.push({
        coefficient: configuration.coefficient,
        metric: metricLabel(metric),
        mean: summary.mean,
        lower: summary.tInterval?.lower ?? summary.mean,
        upper: summary.tInterval?.upper ?? summary.mean,
        n: summary.n,
      });
    }
  }
  const level = `${Math.round(report.settings.confidence * 100)}%`;
  const configurationCount = rows.length / 3;
  // Many configurations: one mark per configuration would be unreadable, so bins of the coefficient.
  const bins = 30;
  const binned = configurationCount > VIEW_LIMITS.chartPoints;
  if (binned) {
    const perMetric = new Map<string, Array<{ x: number; y: number }>>();
    for (const row of rows) (perMetric.get(row.metric as string) ?? perMetric.set(row.metric as string, []).get(row.metric as string)!).push({ x: row.coefficient as number, y: row.mean as number });
    rows.length = 0;
    for (const [metric, points] of perMetric) {
      for (const bin of binPoints(points, bins, true)) rows.push({ coefficient: bin.centre, metric, mean: bin.mean, lower: bin.min, upper: bin.max, n: bin.n });
    }
  }
  const definition = {
    id: 'gap-vs-coefficient' as const,
    title: `Generalization gap vs coefficient, arm "${baseline}"`,
    caption: binned
      ? `${Math.round(configurationCount)} configurations in ${bins} log-spaced bins of "${parameter ?? '?'}": point = mean of the configurations' mean over seeds in the bin, bar = their range (min to max) (zero coefficients cannot sit on a log axis and are left out).`
      : `Mean over seeds with ${level} t-intervals, by the value of "${parameter ?? '?'}" (log axis; zero coefficients cannot sit on a log axis and are left out).`,
  };
  if (rows.length === 0) return { ...definition, spec: null, emptyReason: `arm "${baseline}" has no configuration with a positive coefficient and finished seeds` };
  const x = { field: 'coefficient', type: 'quantitative' as const, scale: { type: 'log' as const, padding: 12 }, title: parameter ?? 'coefficient', axis: { format: '~e' } };
  const color = { field: 'metric', type: 'nominal' as const, title: null };
  return {
    ...definition,
    spec: {
      ...base(),
      width: 520,
      height: 260,
      data: { values: rows },
      layer: [
        { mark: { type: 'rule', strokeWidth: 1.5 }, encoding: { x, y: { field: 'lower', type: 'quantitative', title: 'data loss' }, y2: { field: 'upper' }, color } },
        { mark: { type: 'line', point: true }, encoding: { x, y: { field: 'mean', type: 'quantitative' }, color } },
      ],
    } as TopLevelSpec,
  };
}

function layerCoefficients(report: SweepReport, top = 3): ChartDefinition {
  const candidate = report.settings.candidateArm;
  const baseline = report.settings.baselineArm;
  const ranked = report.configurations
    .filter((configuration) => configuration.arm === candidate && configuration.selectionRank !== undefined && configuration.selectionRank <= top)
    .sort((a, b) => (a.selectionRank as number) - (b.selectionRank as number));
  const rows: Array<Record<string, string | number>> = [];
  const parameters = new Set<string>();
  for (const configuration of ranked) {
    for (const coefficient of configuration.layerCoefficients) {
      if (!(coefficient.value > 0)) continue;
      parameters.add(coefficient.parameter);
      rows.push({ configuration: `${candidate} #${configuration.selectionRank} (${shortId(configuration.configId)})`, parameter: coefficient.parameter, value: coefficient.value });
    }
  }
  const baselineSelected = report.configurations.find(
    (configuration) => configuration.arm === baseline && configuration.selectionRank === 1 && configuration.coefficient !== undefined,
  );
  if (baselineSelected && (baselineSelected.coefficient as number) > 0) {
    for (const parameter of parameters) {
      rows.push({ configuration: `${baseline} #1 (${shortId(baselineSelected.configId)})`, parameter, value: baselineSelected.coefficient as number });
    }
  }
  const definition = {
    id: 'layer-coefficients' as const,
    title: `Per-layer coefficients of the best ${top} "${candidate}" configurations`,
    caption: `Coefficient per layer (log axis), ranked by mean ${report.settings.selectBy}; the selected "${baseline}" coefficient is shown on every layer for reference.`,
  };
  if (rows.length === 0) return { ...definition, spec: null, emptyReason: `arm "${candidate}" has no ranked configuration with per-layer parameters named <kind>.<layer>` };
  return {
    ...definition,
    spec: {
      ...base(),
      width: { step: 70 },
      height: 240,
      data: { values: rows },
      mark: { type: 'line', point: { filled: true, size: 60 }, strokeWidth: 1.5 },
      encoding: {
        x: { field: 'parameter', type: 'nominal', title: 'parameter (kind.layer)', axis: { labelAngle: -20, labelLimit: 220 } },
        y: { field: 'value', type: 'quantitative', scale: { type: 'log' }, title: 'coefficient', axis: { format: '~e' } },
        color: { field: 'configuration', type: 'nominal', title: null },
        tooltip: [{ field: 'configuration' }, { field: 'parameter' }, { field: 'value', format: '.2e' }],
      },
    } as TopLevelSpec,
  };
}

function armTestLoss(report: SweepReport): ChartDefinition {
  const summaries: Array<Record<string, string | number>> = [];
  const seeds: Array<Record<string, string | number>> = [];
  for (const arm of report.arms) {
    const configuration = report.configurations.find((candidate) => candidate.configId === arm.selection.configId);
    if (!configuration || configuration.final.testLoss.mean === null) continue;
    const label = `${arm.arm} (${shortId(configuration.configId)})`;
    const summary = configuration.final.testLoss;
    summaries.push({ arm: label, interval: 't', mean: summary.mean as number, lower: summary.tInterval?.lower ?? (summary.mean as number), upper: summary.tInterval?.upper ?? (summary.mean as number) });
    if (summary.bootstrapInterval) summaries.push({ arm: label, interval: 'bootstrap', mean: summary.mean as number, lower: summary.bootstrapInterval.lower, upper: summary.bootstrapInterval.upper });
    for (const row of arm.selectedBySeed) if (row.testLoss !== undefined) seeds.push({ arm: label, seed: String(row.seed), testLoss: row.testLoss });
  }
  const level = `${Math.round(report.settings.confidence * 100)}%`;
  const definition = {
    id: 'arm-test-loss' as const,
    title: 'Test loss of each arm’s selected configuration',
    caption: `Mean test data loss with ${level} t- and bootstrap intervals; small dots are individual seeds.`,
  };
  if (summaries.length === 0) return { ...definition, spec: null, emptyReason: 'no arm has a selected configuration with test results' };
  const y = { field: 'arm', type: 'nominal' as const, title: null, sort: armLabels(report) };
  return {
    ...definition,
    spec: {
      ...base(),
      width: 520,
      height: 56 * new Set(summaries.map((row) => row.arm)).size,
      layer: [
        {
          data: { values: summaries },
          mark: { type: 'rule', strokeWidth: 2 },
          encoding: { y, yOffset: { field: 'interval', type: 'nominal' }, x: { field: 'lower', type: 'quantitative', title: 'test data loss', scale: { zero: false } }, x2: { field: 'upper' }, color: { field: 'interval', type: 'nominal', title: 'interval' } },
        },
        { data: { values: summaries }, mark: { type: 'point', filled: true, size: 70, color: '#222' }, encoding: { y, x: { field: 'mean', type: 'quantitative' } } },
        { data: { values: seeds }, mark: { type: 'circle', size: 22, opacity: 0.55, color: '#777' }, encoding: { y, x: { field: 'testLoss', type: 'quantitative' }, tooltip: [{ field: 'seed' }, { field: 'testLoss', format: '.4f' }] } },
      ],
    } as TopLevelSpec,
  };
}

function pairedDifferences(report: SweepReport): ChartDefinition {
  const comparison = report.comparison;
  const rows: Array<Record<string, string | number>> = [];
  if (comparison && !report.comparisonUnavailable) {
    for (const entry of comparison.metrics) {
      if (entry.meanDifference === null) continue;
      const label = metricLabel(entry.metric);
      if (entry.tInterval) rows.push({ metric: label, interval: 't', mean: entry.meanDifference, lower: entry.tInterval.lower, upper: entry.tInterval.upper });
      if (entry.bootstrapInterval) rows.push({ metric: label, interval: 'bootstrap', mean: entry.meanDifference, lower: entry.bootstrapInterval.lower, upper: entry.bootstrapInterval.upper });
      if (!entry.tInterval && !entry.bootstrapInterval) rows.push({ metric: label, interval: 'none (n < 2)', mean: entry.meanDifference, lower: entry.meanDifference, upper: entry.meanDifference });
    }
  }
  const level = `${Math.round(report.settings.confidence * 100)}%`;
  const definition = {
    id: 'paired-differences' as const,
    title: comparison ? `Paired differences: ${comparison.candidateArm} − ${comparison.baselineArm}` : 'Paired differences',
    caption: `Mean difference over shared seeds with ${level} t- and bootstrap intervals; the grey line marks no difference. For losses and gaps, left of zero favours the candidate; for accuracy, right of zero does.`,
  };
  if (rows.length === 0) return { ...definition, spec: null, emptyReason: report.comparisonUnavailable ?? 'no paired comparison' };
  return {
    ...definition,
    spec: {
      ...base(),
      data: { values: rows },
      facet: {
        row: {
          field: 'metric',
          type: 'nominal',
          title: null,
          sort: comparison ? comparison.metrics.map((entry) => metricLabel(entry.metric)) : [],
          header: { labelAngle: 0, labelOrient: 'top', labelAnchor: 'start', labelAlign: 'left', labelFontSize: 12, labelFontWeight: 600 },
        },
      },
      resolve: { scale: { x: 'independent' } },
      spec: {
        width: 420,
        height: { step: 16 },
        layer: [
          { mark: { type: 'rule', color: '#999', strokeDash: [4, 3] }, encoding: { x: { datum: 0, type: 'quantitative' } } },
          { mark: { type: 'rule', strokeWidth: 2 }, encoding: { y: { field: 'interval', type: 'nominal', title: null }, x: { field: 'lower', type: 'quantitative', title: 'difference' }, x2: { field: 'upper' }, color: { field: 'interval', type: 'nominal', title: 'interval' } } },
          { mark: { type: 'point', filled: true, size: 60, color: '#222' }, encoding: { y: { field: 'interval', type: 'nominal' }, x: { field: 'mean', type: 'quantitative' } } },
        ],
      },
    } as TopLevelSpec,
  };
}

function budgetCurves(report: SweepReport): ChartDefinition {
  const rows: Array<Record<string, string | number>> = [];
  // Long curves are drawn from their improvement steps: the same step-after line, without one point per trial.
  const reduced = report.budgetCurves.some((curve) => curve.points.length > VIEW_LIMITS.chartPoints);
  for (const curve of report.budgetCurves.map((each) => (each.points.length > VIEW_LIMITS.chartPoints ? budgetCurveSteps(each) : each))) {
    for (const point of curve.points) if (point.bestSoFar !== null) rows.push({ arm: curve.arm, trialsSpent: point.trialsSpent, bestSoFar: point.bestSoFar });
  }
  const definition = {
    id: 'budget-curves' as const,
    title: 'Budget curves',
    caption: `Best single-trial ${report.settings.selectBy} found so far against trials spent (failed, diverged and pruned trials spend budget too).${reduced ? ' Points mark the trials that improved the best value.' : ''}`,
  };
  if (rows.length === 0) return { ...definition, spec: null, emptyReason: 'no usable trial has a validation result' };
  return {
    ...definition,
    spec: {
      ...base(),
      width: 520,
      height: 240,
      data: { values: rows },
      mark: { type: 'line', interpolate: 'step-after', point: true },
      encoding: {
        x: { field: 'trialsSpent', type: 'quantitative', title: 'trials spent', axis: { tickMinStep: 1 } },
        y: { field: 'bestSoFar', type: 'quantitative', title: `best ${report.settings.selectBy} so far`, scale: { zero: false } },
        color: { field: 'arm', type: 'nominal', title: 'arm' },
      },
    } as TopLevelSpec,
  };
}

/** Share of the validation-loss variance each layer's coefficient explains: bars with bootstrap error bars. */
function layerImportanceChart(report: SweepReport): ChartDefinition {
  const estimates = report.layerImportance ?? [];
  const rows: Array<Record<string, string | number>> = [];
  const estimated = estimates.filter((estimate) => estimate.status === 'estimated');
  // One bar per arm and parameter on a single axis (faceting by arm with independent axes makes vega-lite warn).
  const label = (arm: string, parameter: string): string => (estimated.length > 1 ? `${arm} · ${parameter}` : parameter);
  for (const estimate of estimated) {
    estimate.importances.forEach((importance) => {
      rows.push({
        arm: estimate.arm,
        parameter: label(estimate.arm, importance.feature),
        share: importance.share,
        lower: importance.interval?.lower ?? importance.share,
        upper: importance.interval?.upper ?? importance.share,
      });
    });
    if (estimate.interactionShare !== null) {
      rows.push({
        arm: estimate.arm,
        parameter: label(estimate.arm, 'interactions'),
        share: estimate.interactionShare,
        lower: estimate.interactionInterval?.lower ?? estimate.interactionShare,
        upper: estimate.interactionInterval?.upper ?? estimate.interactionShare,
      });
    }
  }
  const level = `${Math.round(report.settings.confidence * 100)}%`;
  const definition = {
    id: 'layer-importance' as const,
    title: 'Which layer matters: share of validation-loss variance per layer',
    caption:
      `First-order fANOVA of a random-forest surrogate (coefficients on log10 scale → final validation loss): bar = share of the variance explained by ` +
      `that layer's coefficient alone, error bar = ${level} bootstrap interval over configurations; "interactions" is the rest of the surrogate's variance.`,
  };
  if (rows.length === 0) {
    const reasons = estimates.map((estimate) => `${estimate.arm}: ${estimate.reason ?? 'no estimate'}`);
    return { ...definition, spec: null, emptyReason: reasons.length > 0 ? reasons.join('; ') : 'no arm has per-layer coefficients (parameters named <kind>.<layer>)' };
  }
  const y = { field: 'parameter', type: 'nominal' as const, title: null, sort: null, axis: { labelLimit: 260 } };
  return {
    ...definition,
    spec: {
      ...base(),
      data: { values: rows },
      width: 420,
      height: { step: 22 },
      layer: [
        {
          mark: { type: 'bar' },
          encoding: {
            y,
            x: { field: 'share', type: 'quantitative', title: 'share of validation-loss variance', scale: { domain: [0, 1] }, axis: { format: '.0%' } },
            color: { field: 'arm', type: 'nominal', title: 'arm' },
            tooltip: [{ field: 'arm' }, { field: 'parameter' }, { field: 'share', format: '.3f' }, { field: 'lower', format: '.3f' }, { field: 'upper', format: '.3f' }],
          },
        },
        { mark: { type: 'rule', strokeWidth: 1.5, color: '#222' }, encoding: { y, x: { field: 'lower', type: 'quantitative' }, x2: { field: 'upper' } } },
        { mark: { type: 'tick', thickness: 1.5, color: '#222', size: 10 }, encoding: { y, x: { field: 'lower', type: 'quantitative' } } },
        { mark: { type: 'tick', thickness: 1.5, color: '#222', size: 10 }, encoding: { y, x: { field: 'upper', type: 'quantitative' } } },
      ],
    } as TopLevelSpec,
  };
}

/** The report's charts, in page order. */
export function reportCharts(report: SweepReport): ChartDefinition[] {
  return [
    learningCurves(report),
    gapVsCoefficient(report),
    layerCoefficients(report),
    layerImportanceChart(report),
    armTestLoss(report),
    pairedDifferences(report),
    budgetCurves(report),
  ];
}

/** A rendered chart and any warnings vega-lite or vega raised while making it. */
export interface RenderedChart {
  svg: string;
  warnings: string[];
}

/** A vega logger that collects warnings and errors instead of printing them (the library never prints). */
function collectingLogger(messages: string[]): vega.LoggerInterface {
  let level = vega.Warn;
  const record = (...args: readonly unknown[]): void => {
    messages.push(args.map((arg) => (arg instanceof Error ? arg.message : String(arg))).join(' '));
  };
  const logger = {
    level(value?: number) {
      if (value === undefined) return level;
      level = value;
      return logger;
    },
    error(...args: readonly unknown[]) {
      record(...args);
      return logger;
    },
    warn(...args: readonly unknown[]) {
      record(...args);
      return logger;
    },
    info() {
      return logger;
    },
    debug() {
      return logger;
    },
  };
  return logger as unknown as vega.LoggerInterface;
}

/** Compiles a Vega-Lite spec and renders it to an SVG string with a headless vega View (`renderer: 'none'`). */
export async function renderChartSvg(spec: TopLevelSpec): Promise<RenderedChart> {
  const warnings: string[] = [];
  const logger = collectingLogger(warnings);
  const compiled = compile(spec, { logger }).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none', logger });
  try {
    return { svg: await view.toSVG(), warnings };
  } finally {
    view.finalize();
  }
}
