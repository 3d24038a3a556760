/** Views of a check report: a readable diff table for terminals and PR logs, and JUnit XML for CI systems. */
import type { CheckReport, CheckRow } from './compare';

function formatNumber(value: number | undefined): string {
  if (value === undefined) return '-';
  if (!Number.isFinite(value)) return String(value);
  if (value === 0) return '0';
  return Math.abs(value) >= 1000 || Math.abs(value) < 1e-3 ? value.toExponential(2) : value.toFixed(4);
}

/** "about N more seeds would decide", the undecided row's advice. */
export function moreSeedsText(row: CheckRow): string {
  const test = row.test;
  if (test === undefined || test.moreSeeds === undefined) return '';
  const unit = test.test === 'paired-t' ? 'paired seeds (baseline and run)' : 'seeds per side';
  if (test.moreSeedsCapped) return `more than ${test.moreSeeds} more ${unit} would be needed to decide`;
  return `about ${test.moreSeeds} more ${unit} would decide`;
}

function verdictLabel(row: CheckRow): string {
  switch (row.verdict) {
    case 'ok':
      return 'ok (within margin)';
    case 'improved':
      return 'improved';
    case 'regressed':
      return 'REGRESSED';
    case 'missing':
      return 'MISSING';
    case 'new':
      return 'new';
    case 'undecided':
      return `${row.failing ? 'UNDECIDED' : 'undecided'}: ${moreSeedsText(row)}`;
  }
}

function worseningText(row: CheckRow): string {
  const test = row.test;
  if (test === undefined) return '-';
  const interval = test.interval ? ` [${formatNumber(test.interval.lower)}, ${formatNumber(test.interval.upper)}]` : '';
  return `${formatNumber(test.worsening)}${interval}`;
}

function testText(row: CheckRow): string {
  const test = row.test;
  if (test === undefined) return '-';
  if (test.test === 'paired-t') return `paired t, n=${test.n.pairs}`;
  if (test.test === 'welch-t') return `Welch t, n=${test.n.baseline}/${test.n.current}`;
  return `n=${test.n.baseline}/${test.n.current}`;
}

/** One line describing a row, for JUnit and matcher messages. */
export function describeRow(row: CheckRow): string {
  return `baseline ${formatNumber(row.baseline)}, now ${formatNumber(row.now)}, worsening ${worseningText(row)}, margin ${formatNumber(row.allowed)} (${row.tolerance}), ${testText(row)}, verdict ${verdictLabel(row)}`;
}

/** A fixed-width table (entry, metric, means, worsening with its interval, margin, test, verdict), then a summary. */
export function formatCheckTable(report: CheckReport): string {
  const level = `${Math.round((1 - 2 * report.alpha) * 1000) / 10}%`;
  const header = ['entry', 'metric', 'baseline', 'now', `worsening [${level} CI]`, 'margin', 'test', 'verdict'];
  const body = report.rows.map((row) => [
    row.entry,
    row.metric,
    formatNumber(row.baseline),
    formatNumber(row.now),
    worseningText(row),
    row.allowed === undefined ? row.tolerance : `${formatNumber(row.allowed)} (${row.tolerance})`,
    testText(row),
    verdictLabel(row),
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...body.map((cells) => cells[column].length)));
  const line = (cells: string[]): string => cells.map((cell, column) => cell.padEnd(widths[column])).join('  ').trimEnd();
  const undecidedNote =
    report.undecided > 0 ? `; ${report.undecided} undecided (${report.undecidedPolicy === 'fail' ? 'counted as failures: --undecided fail' : 'not failing: --undecided pass'})` : '';
  const summary = report.passed
    ? `check passed: no regression beyond margin established in ${report.rows.length} metric(s)${undecidedNote}`
    : `check FAILED: ${report.regressions} failing metric(s) out of ${report.rows.length}${undecidedNote}`;
  const legend =
    `worsening = how much worse than the baseline (positive = worse); a metric fails when the whole ${level} interval lies above its margin ` +
    `(one-sided α = ${report.alpha}), passes when it lies at or below it, and is undecided otherwise.`;
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...body.map(line), '', legend, summary].join('\n');
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

/**
 * JUnit XML: one testsuite per entry, one testcase per metric. Failing rows (regressed, missing,
 * undecided under `--undecided fail`) are failures; a passing undecided row is reported as
 * skipped with its "more seeds" advice, so CI dashboards show it without failing.
 */
export function toJUnitXml(report: CheckReport, suiteName = 'layerwise check'): string {
  const byEntry = new Map<string, CheckRow[]>();
  for (const row of report.rows) byEntry.set(row.entry, [...(byEntry.get(row.entry) ?? []), row]);
  const suites = [...byEntry.entries()].map(([entry, rows]) => {
    const failures = rows.filter((row) => row.failing).length;
    const skipped = rows.filter((row) => !row.failing && row.verdict === 'undecided').length;
    const cases = rows.map((row) => {
      const name = escapeXml(row.metric);
      const detail = escapeXml(describeRow(row));
      const open = `    <testcase classname="${escapeXml(entry)}" name="${name}">`;
      if (row.failing) return `${open}<failure message="${detail}">${detail}</failure></testcase>`;
      if (row.verdict === 'undecided') return `${open}<skipped message="${detail}"/></testcase>`;
      return `${open}<system-out>${detail}</system-out></testcase>`;
    });
    return [`  <testsuite name="${escapeXml(`${suiteName}: ${entry}`)}" tests="${rows.length}" failures="${failures}" skipped="${skipped}">`, ...cases, '  </testsuite>'].join('\n');
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${escapeXml(suiteName)}" tests="${report.rows.length}" failures="${report.regressions}">`,
    ...suites,
    '</testsuites>',
    '',
  ].join('\n');
}
