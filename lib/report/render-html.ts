/**
 * One self-contained HTML file: charts inlined as SVG (rendered in Node by vega), styles and a
 * small table-sorting script inlined, and a Content-Security-Policy that forbids every network
 * request. All user text is escaped; the CSP (script allowed only by its hash, so no inline
 * event handler can run) is a second line of defence, not the first.
 */
import { describeExecutionGroup } from './execution-summary';
import { createHash } from 'crypto';
import type { SweepReport } from './analyze';
import { armComparisonTable, selectionEvaluationLine } from './answer';
import { evaluationLine, evaluationTable } from './evaluation';
import { reportCharts, renderChartSvg } from './charts';
import { describeParams, escapeHtml, formatInterval, formatMeanStd, formatNumber, formatProbability, shortId } from './format';
import { metricLabel } from './render-table';
import { shownEvaluationTrials, shownTrials } from './view-limits';
import { outcomeMetric } from './outcome-metric';

/** The rendered page and any chart warnings. */
export interface RenderedHtml {
  html: string;
  /** Number of charts drawn (the rest had no data; their reasons are printed on the page). */
  chartCount: number;
  warnings: string[];
}

const SORT_SCRIPT = `(function () {
  var table = document.getElementById('trial-table');
  if (!table) return;
  var headers = table.tHead.rows[0].cells;
  function keyOf(cell, numeric) {
    if (!numeric) return cell.textContent || '';
    var raw = cell.getAttribute('data-value');
    var value = raw === null || raw === '' ? NaN : Number(raw);
    return value;
  }
  Array.prototype.forEach.call(headers, function (header, column) {
    var button = header.querySelector('button');
    if (!button) return;
    button.addEventListener('click', function () {
      var ascending = header.getAttribute('aria-sort') !== 'ascending';
      Array.prototype.forEach.call(headers, function (other) { other.removeAttribute('aria-sort'); });
      header.setAttribute('aria-sort', ascending ? 'ascending' : 'descending');
      var numeric = header.getAttribute('data-type') === 'number';
      var body = table.tBodies[0];
      var rows = Array.prototype.slice.call(body.rows);
      rows.sort(function (a, b) {
        var x = keyOf(a.cells[column], numeric);
        var y = keyOf(b.cells[column], numeric);
        if (numeric) {
          var xMissing = isNaN(x), yMissing = isNaN(y);
          if (xMissing || yMissing) return xMissing === yMissing ? 0 : xMissing ? 1 : -1;
          return ascending ? x - y : y - x;
        }
        var order = x.localeCompare(y, undefined, { numeric: true });
        return ascending ? order : -order;
      });
      rows.forEach(function (row) { body.appendChild(row); });
    });
  });
})();`;

const STYLE = `
:root { color-scheme: light; --ink: #1f2328; --muted: #59636e; --line: #d1d9e0; --soft: #f6f8fa; --accent: #0969da; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: #fff; }
main { max-width: 1280px; margin: 0 auto; padding: 24px 28px 64px; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 36px 0 6px; padding-top: 8px; border-top: 1px solid var(--line); }
.subtitle { color: var(--muted); margin: 0 0 16px; word-break: break-word; }
.headline { background: var(--soft); border: 1px solid var(--line); border-radius: 6px; padding: 12px 16px; margin: 16px 0; }
.caption { color: var(--muted); margin: 0 0 10px; }
figure { margin: 0; overflow-x: auto; }
figure svg { max-width: none; height: auto; }
.empty { color: var(--muted); font-style: italic; }
table { border-collapse: collapse; width: 100%; font-size: 13px; margin: 8px 0; }
th, td { border-bottom: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top; }
td.number, th.number { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
thead th { background: var(--soft); position: sticky; top: 0; }
th button { all: unset; cursor: pointer; font-weight: 600; }
th button:focus-visible { outline: 2px solid var(--accent); }
th[aria-sort="ascending"] button::after { content: " \\25B2"; font-size: 10px; }
th[aria-sort="descending"] button::after { content: " \\25BC"; font-size: 10px; }
tr.excluded td { color: var(--muted); background: #fff8f0; }
tr.evaluation td:last-child { font-weight: 600; }
.table-wrap { max-height: 640px; overflow: auto; border: 1px solid var(--line); border-radius: 6px; }
.scroll-x { overflow-x: auto; }
td code, tbody td:first-child { white-space: nowrap; }
td.parameters { min-width: 240px; max-width: 420px; word-break: break-word; }
code { font-size: 12px; background: var(--soft); padding: 1px 4px; border-radius: 4px; word-break: break-all; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; }
dt { font-weight: 600; }
dd { margin: 0; color: var(--muted); }
`;

function numberCell(value: number | null | undefined, text?: string): string {
  const raw = typeof value === 'number' && Number.isFinite(value) ? String(value) : '';
  return `<td class="number" data-value="${escapeHtml(raw)}">${escapeHtml(text ?? formatNumber(value))}</td>`;
}

function textCell(text: string, extra = ''): string {
  return `<td${extra}>${escapeHtml(text)}</td>`;
}

function answerHtml(report: SweepReport): string {
  return (
    `<p class="answer" id="answer"><strong>Answer:</strong> ${escapeHtml(report.answer.sentence)}</p>` +
    `<p class="caption">${escapeHtml(selectionEvaluationLine(report.answer, report.settings))}</p>` +
    evaluationHtml(report)
  );
}

/** The fresh-seed evaluation table and its rule, when the sweep ran one. */
function evaluationHtml(report: SweepReport): string {
  if (!report.evaluation) return report.evaluationUnavailable ? `<p class="caption">Evaluation on fresh seeds not reported: ${escapeHtml(report.evaluationUnavailable)}</p>` : '';
  const fresh = evaluationTable(report.evaluation);
  return (
    `<h2 id="evaluation">Evaluation on fresh seeds</h2>` +
    `<div class="scroll-x"><table id="evaluation-table"><thead><tr>${fresh.header.map((cell) => `<th>${escapeHtml(cell)}</th>`).join('')}</tr></thead>` +
    `<tbody>${fresh.rows.map((row) => `<tr>${row.map((cell) => textCell(cell)).join('')}</tr>`).join('')}</tbody></table></div>` +
    `<p class="caption">${escapeHtml(evaluationLine(report.evaluation))}</p>`
  );
}

function headlineHtml(report: SweepReport): string {
  const comparison = report.comparison;
  const headline = comparison?.metrics.find((entry) => entry.metric === 'testLoss');
  const level = `${Math.round(report.settings.confidence * 100)}%`;
  if (!comparison || !headline || report.comparisonUnavailable) {
    return `<div class="headline"><strong>No paired comparison:</strong> ${escapeHtml(report.comparisonUnavailable ?? 'not computed')}</div>`;
  }
  return (
    `<div class="headline"><strong>${escapeHtml(comparison.candidateArm)} − ${escapeHtml(comparison.baselineArm)}, test data loss:</strong> ` +
    `${escapeHtml(formatNumber(headline.meanDifference))} (${level} t-interval ${escapeHtml(formatInterval(headline.tInterval))}, ` +
    `bootstrap ${escapeHtml(formatInterval(headline.bootstrapInterval))}) over ${headline.n} paired seed(s). ` +
    `P(${escapeHtml(comparison.candidateArm)} better): ${formatProbability(headline.probabilityCandidateBetter.posteriorT)} (t posterior), ` +
    `${formatProbability(headline.probabilityCandidateBetter.bootstrap)} (bootstrap), seed win rate ${formatProbability(headline.probabilityCandidateBetter.seedWinRate)}.</div>`
  );
}

function armsTableHtml(report: SweepReport): string {
  const level = `${Math.round(report.settings.confidence * 100)}%`;
  const outcome = outcomeMetric(report);
  const rows = report.arms.map((arm) => {
    const configuration = report.configurations.find((candidate) => candidate.configId === arm.selection.configId);
    const counts = `${arm.counts.usable}/${arm.counts.total}`;
    if (!configuration) {
      return `<tr>${textCell(arm.arm)}<td colspan="2" class="empty">${escapeHtml(arm.selection.reason ?? 'nothing selected')}</td>${textCell(counts, ' class="number"')}<td colspan="5"></td></tr>`;
    }
    const final = configuration.final;
    return (
      `<tr>${textCell(arm.arm)}<td><code>${escapeHtml(shortId(configuration.configId))}</code></td>${textCell(describeParams(configuration.params), ' class="parameters"')}` +
      `${textCell(counts, ' class="number"')}` +
      `${numberCell(final.validationLoss.mean, formatMeanStd(final.validationLoss))}` +
      `${numberCell(final.testLoss.mean, formatMeanStd(final.testLoss))}` +
      `<td class="number">${escapeHtml(formatInterval(final.testLoss.tInterval))}<br>${escapeHtml(formatInterval(final.testLoss.bootstrapInterval))}</td>` +
      `${numberCell(final.lossGap.mean, formatMeanStd(final.lossGap))}` +
      `${numberCell(final[outcome.metric].mean, formatMeanStd(final[outcome.metric]))}</tr>`
    );
  });
  return (
    `<div class="scroll-x"><table id="arms-table"><thead><tr><th>arm</th><th>selected</th><th>parameters</th><th class="number">usable / trials</th>` +
    `<th class="number">validation loss</th><th class="number">test loss</th><th class="number">test loss ${level}<br>t / bootstrap</th>` +
    `<th class="number">loss gap</th><th class="number">${escapeHtml(outcome.title)}</th></tr></thead>` +
    `<tbody>${rows.join('')}</tbody></table></div>`
  );
}

/** The arm-comparison table (each arm with the baseline, and with `none` when the sweep has it), as the text and Markdown views show it: only when more than one comparison is made. */
function armComparisonsHtml(report: SweepReport): string {
  if (report.armComparisons.length <= 1) return '';
  const table = armComparisonTable(report.armComparisons, `${Math.round(report.settings.confidence * 100)}%`);
  const head = table.header.map((cell, column) => `<th${column >= 2 && column < table.header.length - 1 ? ' class="number"' : ''}>${escapeHtml(cell)}</th>`).join('');
  const rows = table.rows.map((row) => `<tr>${row.map((cell, column) => (column >= 2 && column < row.length - 1 ? `<td class="number">${escapeHtml(cell)}</td>` : textCell(cell))).join('')}</tr>`).join('');
  return `<div class="scroll-x"><table id="arm-comparisons"><thead><tr>${head}</tr></thead><tbody>${rows}</tbody></table></div>\n<p class="caption">${escapeHtml(report.methods.multipleComparisons)}.</p>`;
}

function comparisonTableHtml(report: SweepReport): string {
  const comparison = report.comparison;
  if (!comparison || report.comparisonUnavailable || comparison.metrics.length === 0) return '';
  const level = `${Math.round(report.settings.confidence * 100)}%`;
  const rows = comparison.metrics.map(
    (entry) =>
      `<tr>${textCell(metricLabel(entry.metric))}${numberCell(entry.n, String(entry.n))}${numberCell(entry.meanDifference)}` +
      `${textCell(formatInterval(entry.tInterval), ' class="number"')}${textCell(formatInterval(entry.bootstrapInterval), ' class="number"')}` +
      `${textCell(formatProbability(entry.probabilityCandidateBetter.posteriorT), ' class="number"')}` +
      `${textCell(formatProbability(entry.probabilityCandidateBetter.bootstrap), ' class="number"')}` +
      `${textCell(formatProbability(entry.probabilityCandidateBetter.seedWinRate), ' class="number"')}</tr>`,
  );
  const unpaired = [...comparison.unpairedSeeds.baseline, ...comparison.unpairedSeeds.candidate];
  return (
    `<div class="scroll-x"><table id="comparison-table"><thead><tr><th>metric (${escapeHtml(comparison.candidateArm)} − ${escapeHtml(comparison.baselineArm)})</th>` +
    `<th class="number">pairs</th><th class="number">mean difference</th><th class="number">${level} t-interval</th><th class="number">${level} bootstrap</th>` +
    `<th class="number">P(better), t</th><th class="number">P(better), bootstrap</th><th class="number">seed win rate</th></tr></thead>` +
    `<tbody>${rows.join('')}</tbody></table></div>` +
    `<p class="caption">Shared seeds: ${escapeHtml(comparison.sharedSeeds.join(', '))}.` +
    (unpaired.length ? ` Seeds without a partner (left out): ${escapeHtml(unpaired.join(', '))}.` : '') +
    (comparison.caution ? ` <strong>Caution:</strong> ${escapeHtml(comparison.caution)}.` : '') +
    `</p>`
  );
}

function weightNormsHtml(report: SweepReport): string {
  const selected = report.arms
    .map((arm) => ({ arm: arm.arm, configuration: report.configurations.find((candidate) => candidate.configId === arm.selection.configId) }))
    .filter((entry): entry is { arm: string; configuration: NonNullable<typeof entry.configuration> } => entry.configuration !== undefined);
  const names = [...new Set(selected.flatMap((entry) => Object.keys(entry.configuration.meanWeightNorms)))].sort();
  if (names.length === 0) return '';
  const header = selected.map((entry) => `<th class="number">${escapeHtml(entry.arm)}</th>`).join('');
  const rows = names.map(
    (name) => `<tr>${textCell(name)}${selected.map((entry) => numberCell(entry.configuration.meanWeightNorms[name])).join('')}</tr>`,
  );
  return (
    `<h2 id="weight-norms">Weight norms of the selected configurations</h2><p class="caption">Mean final L2 norm of each weight over usable seeds.</p>` +
    `<table><thead><tr><th>weight</th>${header}</tr></thead><tbody>${rows.join('')}</tbody></table>`
  );
}

function trialTableHtml(report: SweepReport): string {
  const outcome = outcomeMetric(report);
  const columns: Array<{ title: string; numeric: boolean }> = [
    { title: 'arm', numeric: false },
    { title: 'config', numeric: false },
    { title: 'seed', numeric: true },
    { title: 'state', numeric: false },
    { title: 'parameters', numeric: false },
    { title: 'epochs', numeric: true },
    { title: 'train loss', numeric: true },
    { title: 'validation loss', numeric: true },
    { title: 'test loss', numeric: true },
    { title: 'loss gap', numeric: true },
    { title: outcome.title, numeric: true },
    { title: 'penalty', numeric: true },
    { title: 'best epoch', numeric: true },
    { title: 'best validation loss', numeric: true },
    { title: 'backend', numeric: false },
    { title: 'training path', numeric: false },
    { title: 'role', numeric: false },
  ];
  const header = columns
    .map((column) => `<th${column.numeric ? ' class="number" data-type="number"' : ' data-type="text"'}><button type="button">${escapeHtml(column.title)}</button></th>`)
    .join('');
  const shown = shownTrials(report);
  // The evaluation re-runs on fresh seeds follow the selection trials, marked in the role column and by their row class.
  const shownEvaluation = shownEvaluationTrials(report);
  const rows = [...shown.rows, ...shownEvaluation.rows].map((trial) => {
    const final = trial.final;
    const state = trial.usable ? trial.state : `${trial.state}${trial.exclusion && trial.exclusion !== trial.state ? ` (${trial.exclusion})` : ''}`;
    const evaluation = trial.role === 'evaluation';
    const classes = [...(trial.usable ? [] : ['excluded']), ...(evaluation ? ['evaluation'] : [])];
    return (
      `<tr${classes.length > 0 ? ` class="${classes.join(' ')}"` : ''}${trial.error ? ` title="${escapeHtml(trial.error)}"` : ''}>` +
      textCell(trial.arm) +
      `<td><code>${escapeHtml(shortId(trial.configId))}</code></td>` +
      numberCell(trial.seed, String(trial.seed)) +
      textCell(state) +
      textCell(describeParams(trial.params), ' class="parameters"') +
      numberCell(trial.epochsRun, String(trial.epochsRun)) +
      numberCell(final?.trainLoss) +
      numberCell(final?.validationLoss) +
      numberCell(final?.testLoss) +
      numberCell(final?.lossGap) +
      numberCell(final?.[outcome.metric]) +
      numberCell(final?.penalty) +
      numberCell(trial.best?.epoch, trial.best ? String(trial.best.epoch) : '–') +
      numberCell(trial.best?.validationLoss) +
      textCell(trial.backend ?? '–') +
      textCell(trial.trainingPath ?? '–', trial.generalPathReason !== undefined ? ` title="${escapeHtml(trial.generalPathReason)}"` : '') +
      textCell(evaluation ? 'evaluation' : 'selection') +
      `</tr>`
    );
  });
  const rules = [shown.rule, shownEvaluation.rule].filter((text) => text !== '');
  const evaluationNote =
    shownEvaluation.total > 0
      ? `<p class="caption" id="trial-table-evaluation">${shownEvaluation.rows.length} evaluation trial${shownEvaluation.rows.length === 1 ? '' : 's'} (role "evaluation": the selected configurations re-run on fresh seeds, never used to select) follow the selection trials.</p>`
      : '';
  const rule = rules.length > 0 ? `<p class="caption" id="trial-table-rule">${escapeHtml(rules.join('; '))}.</p>` : '';
  return `${rule}${evaluationNote}<div class="table-wrap"><table id="trial-table"><thead><tr>${header}</tr></thead><tbody>${rows.join('')}</tbody></table></div>`;
}

/** Renders the report as one offline HTML page. Async because vega renders SVG asynchronously. */
export async function renderHtml(report: SweepReport): Promise<RenderedHtml> {
  const warnings: string[] = [];
  const sections: string[] = [];
  let chartCount = 0;
  for (const chart of reportCharts(report)) {
    let body: string;
    if (chart.spec === null) {
      body = `<p class="empty">No chart: ${escapeHtml(chart.emptyReason ?? 'no data')}.</p>`;
    } else {
      const rendered = await renderChartSvg(chart.spec);
      warnings.push(...rendered.warnings.map((warning) => `${chart.id}: ${warning}`));
      // The SVG comes from vega's SVG writer, which escapes text content and attribute values itself.
      body = `<figure>${rendered.svg}</figure>`;
      chartCount++;
    }
    sections.push(
      `<section class="chart" id="${chart.id}" data-chart="${chart.id}"><h2>${escapeHtml(chart.title)}</h2>` +
        `<p class="caption">${escapeHtml(chart.caption)}</p>${body}</section>`,
    );
  }
  const scriptHash = createHash('sha256').update(SORT_SCRIPT, 'utf8').digest('base64');
  const csp = `default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src 'sha256-${scriptHash}'; base-uri 'none'; form-action 'none'`;
  const excluded = Object.entries(report.counts.excluded)
    .filter(([, count]) => count > 0)
    .map(([reason, count]) => `${count} ${reason}`);
  const methods = Object.entries(report.methods)
    .map(([name, text]) => `<dt>${escapeHtml(name)}</dt><dd>${escapeHtml(text)}</dd>`)
    .join('');
  const html = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>layerwise report: ${escapeHtml(report.title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<h1>layerwise report</h1>
<p class="subtitle">${escapeHtml(report.title)}${report.generatedAt ? ` · ${escapeHtml(report.generatedAt)}` : ''}</p>
<section id="summary">
${answerHtml(report)}
${headlineHtml(report)}
<p>Trials: ${report.counts.total} total, ${report.counts.usable} usable${excluded.length ? `; excluded from statistics: ${escapeHtml(excluded.join(', '))}` : ''}. Selection on <strong>${escapeHtml(report.settings.selectBy)}</strong> (validation split only).</p>
<p>Ran on: ${escapeHtml(report.execution.map(describeExecutionGroup).join('; ') || 'no trials')}.</p>${report.backendChoices !== undefined ? `\n<p>Why this backend: ${escapeHtml(report.backendChoices.join('; '))}.</p>` : ''}
${armsTableHtml(report)}
${armComparisonsHtml(report)}
${comparisonTableHtml(report)}
</section>
${sections.join('\n')}
${weightNormsHtml(report)}
<h2 id="trials">All trials</h2>
<p class="caption">Click a column header to sort. Shaded rows are excluded from statistics.</p>
${trialTableHtml(report)}
<h2 id="methods">Methods</h2>
<dl>${methods}</dl>
</main>
<script>${SORT_SCRIPT}</script>
</body>
</html>
`;
  return { html, chartCount, warnings };
}
