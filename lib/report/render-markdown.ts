/**
 * A Markdown summary sized for a pull-request comment: the headline comparison first, the
 * selected configuration of each arm, the paired differences, and what was excluded.
 */
import type { SweepReport } from './analyze';
import { describeParams, escapeMarkdown, formatInterval, formatMeanStd, formatNumber, formatProbability, shortId } from './format';
import { armComparisonTable, selectionEvaluationLine } from './answer';
import { evaluationLine, evaluationTable } from './evaluation';
import { outcomeMetric } from './outcome-metric';
import { pairedDifferenceTable } from './render-table';
import { describeExecutionGroup } from './execution-summary';
import { importanceTables } from './render-importance';

function tableRow(cells: readonly string[]): string {
  return `| ${cells.join(' | ')} |`;
}

/** Renders the Markdown summary. All user text is escaped for GitHub-flavoured Markdown. */
export function renderMarkdown(report: SweepReport): string {
  const out: string[] = [];
  const level = `${Math.round(report.settings.confidence * 100)}%`;
  out.push(`### layerwise report: ${escapeMarkdown(report.title)}`);
  out.push('');
  out.push(`**Answer:** ${escapeMarkdown(report.answer.sentence)}`);
  out.push('');
  out.push(escapeMarkdown(selectionEvaluationLine(report.answer, report.settings)));
  out.push('');
  if (report.evaluation) {
    const fresh = evaluationTable(report.evaluation);
    out.push('**Evaluation on fresh seeds**');
    out.push('');
    out.push(tableRow(fresh.header.map(escapeMarkdown)));
    out.push(tableRow(['---', '---', '---:', '---:', '---', '---', '---']));
    for (const row of fresh.rows) out.push(tableRow(row.map(escapeMarkdown)));
    out.push('');
    out.push(escapeMarkdown(evaluationLine(report.evaluation)));
    out.push('');
  } else if (report.evaluationUnavailable) {
    out.push(`Evaluation on fresh seeds not reported: ${escapeMarkdown(report.evaluationUnavailable)}`);
    out.push('');
  }

  const comparison = report.comparison;
  const headline = comparison?.metrics.find((entry) => entry.metric === 'testLoss');
  if (comparison && headline && !report.comparisonUnavailable) {
    out.push(
      `**${escapeMarkdown(comparison.candidateArm)} − ${escapeMarkdown(comparison.baselineArm)}, test loss:** ` +
        `${formatNumber(headline.meanDifference)} (${level} t-interval ${formatInterval(headline.tInterval)}, ` +
        `bootstrap ${formatInterval(headline.bootstrapInterval)}) over ${headline.n} paired seed(s); ` +
        `P(${escapeMarkdown(comparison.candidateArm)} better) = ${formatProbability(headline.probabilityCandidateBetter.posteriorT)} (t posterior), ` +
        `${formatProbability(headline.probabilityCandidateBetter.bootstrap)} (bootstrap).`,
    );
  } else {
    out.push(`**No paired comparison:** ${escapeMarkdown(report.comparisonUnavailable ?? 'not computed')}.`);
  }
  out.push('');
  out.push(`**Ran on:** ${escapeMarkdown(report.execution.map(describeExecutionGroup).join('; ') || 'no trials')}.`);
  if (report.backendChoices !== undefined) out.push(`**Why this backend:** ${escapeMarkdown(report.backendChoices.join('; '))}.`);
  out.push('');

  const outcome = outcomeMetric(report);
  out.push(tableRow(['arm', 'selected', 'parameters', 'seeds', 'validation loss', 'test loss', `test loss ${level} t-interval`, 'loss gap', outcome.title]));
  out.push(tableRow(['---', '---', '---', '---:', '---:', '---:', '---:', '---:', '---:']));
  for (const arm of report.arms) {
    const configuration = report.configurations.find((candidate) => candidate.configId === arm.selection.configId);
    if (!configuration) {
      out.push(tableRow([escapeMarkdown(arm.arm), '–', escapeMarkdown(arm.selection.reason ?? ''), '0', '–', '–', '–', '–', '–']));
      continue;
    }
    out.push(
      tableRow([
        escapeMarkdown(arm.arm),
        escapeMarkdown(shortId(configuration.configId)),
        escapeMarkdown(describeParams(configuration.params)),
        String(configuration.final.testLoss.n),
        formatMeanStd(configuration.final.validationLoss),
        formatMeanStd(configuration.final.testLoss),
        formatInterval(configuration.final.testLoss.tInterval),
        formatMeanStd(configuration.final.lossGap),
        formatMeanStd(configuration.final[outcome.metric]),
      ]),
    );
  }
  out.push('');

  if (report.armComparisons.length > 1) {
    const arms = armComparisonTable(report.armComparisons, level);
    out.push(tableRow(arms.header.map(escapeMarkdown)));
    out.push(tableRow(['---', '---', ...arms.header.slice(2, -1).map(() => '---:'), '---']));
    for (const row of arms.rows) out.push(tableRow(row.map(escapeMarkdown)));
    out.push('');
    out.push(`Multiple comparisons: ${escapeMarkdown(report.methods.multipleComparisons)}.`);
    out.push('');
  }

  if (comparison && !report.comparisonUnavailable && comparison.metrics.length > 0) {
    out.push('<details><summary>Paired differences over shared seeds</summary>');
    out.push('');
    const table = pairedDifferenceTable(comparison, level);
    out.push(tableRow(table.header));
    out.push(tableRow(['---', ...table.header.slice(1).map(() => '---:')]));
    for (const row of table.rows) out.push(tableRow(row.map(escapeMarkdown)));
    out.push('');
    out.push(`Seeds: ${comparison.sharedSeeds.join(', ')}. ${escapeMarkdown(report.methods.paired)}.`);
    if (comparison.caution) out.push('', `> **Caution:** ${escapeMarkdown(comparison.caution)}.`);
    out.push('');
    out.push('</details>');
    out.push('');
  }

  for (const table of importanceTables(report.layerImportance ?? [], level)) {
    out.push(escapeMarkdown(table.title));
    out.push('');
    if (table.rows.length > 0) {
      out.push(tableRow(table.header));
      out.push(tableRow(['---', '---', '---:', '---:', '---:']));
      for (const row of table.rows) out.push(tableRow(row.map(escapeMarkdown)));
      out.push('');
    }
  }

  const excluded = Object.entries(report.counts.excluded)
    .filter(([, count]) => count > 0)
    .map(([reason, count]) => `${count} ${reason}`);
  out.push(
    `Trials: ${report.counts.total} total, ${report.counts.usable} usable` +
      (excluded.length ? `; excluded from statistics: ${excluded.join(', ')}.` : '.') +
      ` Selection: ${escapeMarkdown(report.methods.selection)}.`,
  );
  return out.join('\n') + '\n';
}
