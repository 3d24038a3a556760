/**
 * Plain-text tables for a terminal. Control characters in user text are replaced so a layer
 * or sweep name cannot inject terminal escape sequences.
 */
import { describeExecutionGroup } from './execution-summary';
import type { SweepReport } from './analyze';
import { armComparisonTable, selectionEvaluationLine } from './answer';
import { evaluationLine, evaluationTable } from './evaluation';
import { describeParams, formatInterval, formatMeanStd, formatNumber, formatProbability, shortId } from './format';
import type { PairedComparison } from './paired-comparison';
import { importanceTables } from './render-importance';
import type { SnapshotMetric } from '../sweep/selection/trial-summary';
import { shownConfigurations } from './view-limits';
import { outcomeMetric } from './outcome-metric';

/** Removes C0/C1 control characters (ESC included) from text shown in a terminal. */
export function terminalSafe(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
}

function truncate(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, width - 1)}…`;
}

/** Left-aligned columns separated by two spaces, with a rule under the header. */
export function textTable(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = header.map((cell, column) => Math.max(cell.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: readonly string[]): string => cells.map((cell, column) => cell.padEnd(widths[column])).join('  ').trimEnd();
  return [line(header), widths.map((width) => '-'.repeat(width)).join('  '), ...rows.map(line)].join('\n');
}

const METRIC_LABELS: Record<SnapshotMetric, string> = {
  trainLoss: 'train loss',
  trainAccuracy: 'train accuracy',
  validationLoss: 'validation loss',
  validationAccuracy: 'validation accuracy',
  testLoss: 'test loss',
  testAccuracy: 'test accuracy',
  lossGap: 'loss gap (test − train)',
  accuracyGap: 'accuracy gap (train − test)',
  penalty: 'penalty',
  trainMeanAbsoluteError: 'train MAE',
  validationMeanAbsoluteError: 'validation MAE',
  testMeanAbsoluteError: 'test MAE',
};

/** Human label of a metric, shared by the renderers. */
/** Header and formatted cells of the paired-differences table, shared by the terminal and Markdown views. */
export function pairedDifferenceTable(comparison: PairedComparison, level: string): { header: string[]; rows: string[][] } {
  return {
    header: ['metric', 'mean difference', `${level} t-interval`, `${level} bootstrap`, 'P(better), t', 'P(better), bootstrap', 'seed win rate', 'role', 'p (Holm)'],
    rows: comparison.metrics.map((entry) => [
      metricLabel(entry.metric),
      formatNumber(entry.meanDifference),
      formatInterval(entry.tInterval),
      formatInterval(entry.bootstrapInterval),
      formatProbability(entry.probabilityCandidateBetter.posteriorT),
      formatProbability(entry.probabilityCandidateBetter.bootstrap),
      formatProbability(entry.probabilityCandidateBetter.seedWinRate),
      entry.role === 'selection' ? 'selection (validation)' : 'evaluation (test)',
      entry.role === 'selection' ? '–' : formatNumber(entry.holmPValue),
    ]),
  };
}

export function metricLabel(metric: SnapshotMetric): string {
  return METRIC_LABELS[metric];
}

/** The report as terminal tables: counts, configurations per arm, selections and the paired comparison. */
export function renderTable(report: SweepReport): string {
  const out: string[] = [];
  const counts = report.counts;
  const excluded = Object.entries(counts.excluded)
    .filter(([, count]) => count > 0)
    .map(([reason, count]) => `${count} ${reason}`);
  out.push(`layerwise report: ${terminalSafe(report.title)}`);
  out.push(`answer: ${terminalSafe(report.answer.sentence)}`);
  out.push(terminalSafe(selectionEvaluationLine(report.answer, report.settings)));
  if (report.evaluation) {
    out.push('');
    const fresh = evaluationTable(report.evaluation);
    out.push(textTable(fresh.header.map(terminalSafe), fresh.rows.map((row) => row.map(terminalSafe))));
    out.push(terminalSafe(evaluationLine(report.evaluation)));
    out.push('');
  } else if (report.evaluationUnavailable) out.push(`evaluation on fresh seeds: not reported: ${terminalSafe(report.evaluationUnavailable)}`);
  out.push(`trials: ${counts.total} total, ${counts.usable} usable${excluded.length ? `; excluded: ${excluded.join(', ')}` : ''}`);
  out.push(`ran on: ${terminalSafe(report.execution.map(describeExecutionGroup).join('; ') || 'no trials')}`);
  for (const choice of report.backendChoices ?? []) out.push(`why: ${terminalSafe(choice)}`);
  out.push('');

  const selected = new Set(report.arms.map((arm) => arm.selection.configId));
  const level = `${Math.round(report.settings.confidence * 100)}%`;
  const outcome = outcomeMetric(report);
  out.push(
    textTable(
      ['arm', '', 'config', 'parameters', 'seeds', 'validation loss', 'test loss', `test ${level} t-interval`, 'loss gap', outcome.title],
      shownConfigurations(report).rows.map((configuration) => [
        terminalSafe(configuration.arm),
        selected.has(configuration.configId) ? '*' : '',
        terminalSafe(shortId(configuration.configId)),
        terminalSafe(truncate(describeParams(configuration.params), 48)),
        `${configuration.counts.usable}/${configuration.counts.total}`,
        formatMeanStd(configuration.final.validationLoss),
        formatMeanStd(configuration.final.testLoss),
        formatInterval(configuration.final.testLoss.tInterval),
        formatMeanStd(configuration.final.lossGap),
        formatMeanStd(configuration.final[outcome.metric]),
      ]),
    ),
  );
  out.push(`* selected on ${report.settings.selectBy} (validation split only)`);
  const configurationRule = shownConfigurations(report).rule;
  if (configurationRule) out.push(configurationRule);
  out.push('');

  for (const arm of report.arms) {
    const selection = arm.selection;
    if (selection.configId === null) {
      out.push(`${terminalSafe(arm.arm)}: nothing selected (${terminalSafe(selection.reason ?? '')})`);
      continue;
    }
    const configuration = report.configurations.find((candidate) => candidate.configId === selection.configId);
    out.push(
      `${terminalSafe(arm.arm)}: ${terminalSafe(shortId(selection.configId))} (${terminalSafe(describeParams(configuration?.params ?? {}))}), ` +
        `test loss ${formatMeanStd(configuration?.final.testLoss)} ${formatInterval(configuration?.final.testLoss.tInterval)}, ` +
        `n=${configuration?.final.testLoss.n ?? 0}`,
    );
  }
  out.push('');

  if (report.armComparisons.length > 1) {
    const arms = armComparisonTable(report.armComparisons, level);
    out.push(textTable(arms.header.map(terminalSafe), arms.rows.map((row) => row.map(terminalSafe))));
    out.push(`multiple comparisons: ${report.methods.multipleComparisons}`);
    out.push('');
  }

  const comparison = report.comparison;
  if (comparison === null || report.comparisonUnavailable) {
    out.push(`no paired comparison: ${terminalSafe(report.comparisonUnavailable ?? 'not computed')}`);
  } else {
    out.push(
      `${terminalSafe(comparison.candidateArm)} − ${terminalSafe(comparison.baselineArm)}, paired over ${comparison.sharedSeeds.length} shared seed(s):`,
    );
    const table = pairedDifferenceTable(comparison, level);
    out.push(textTable(table.header, table.rows));
    out.push(`P(better): probability that ${terminalSafe(comparison.candidateArm)} is better; ${report.methods.probability}`);
    if (comparison.caution) out.push(`Caution: ${terminalSafe(comparison.caution)}`);
  }
  for (const table of importanceTables(report.layerImportance ?? [], level)) {
    out.push('');
    out.push(terminalSafe(table.title));
    if (table.rows.length > 0) out.push(textTable(table.header, table.rows.map((row) => row.map(terminalSafe))));
  }
  return out.join('\n') + '\n';
}
