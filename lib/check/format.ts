/** Views of a check report: a readable diff table for terminals and PR logs, and JUnit XML for CI systems. */
import type { CheckReport, CheckRow } from './compare';

function formatNumber(value: number | undefined): string {
  if (value === undefined) return '-';
  if (!Number.isFinite(value)) return String(value);
  return Math.abs(value) >= 1000 || (Math.abs(value) < 1e-3 && value !== 0) ? value.toExponential(3) : value.toFixed(4);
}

const VERDICT_LABEL: Record<CheckRow['verdict'], string> = {
  ok: 'ok',
  improved: 'improved',
  regressed: 'REGRESSED',
  missing: 'MISSING',
  new: 'new',
};

/** A fixed-width table: entry, metric, baseline, now, tolerance, verdict; then a one-line summary. */
export function formatCheckTable(report: CheckReport): string {
  const header = ['entry', 'metric', 'baseline', 'now', 'tolerance', 'verdict'];
  const body = report.rows.map((row) => [
    row.entry,
    row.metric,
    formatNumber(row.baseline),
    formatNumber(row.now),
    row.tolerance,
    VERDICT_LABEL[row.verdict],
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...body.map((cells) => cells[column].length)));
  const line = (cells: string[]): string => cells.map((cell, column) => cell.padEnd(widths[column])).join('  ').trimEnd();
  const summary = report.passed
    ? `check passed: ${report.rows.length} metric(s) within tolerance`
    : `check FAILED: ${report.regressions} regression(s) out of ${report.rows.length} metric(s)`;
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...body.map(line), '', summary].join('\n');
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

/** JUnit XML: one testsuite per entry, one testcase per metric; regressions and missing metrics are failures. */
export function toJUnitXml(report: CheckReport, suiteName = 'layerwise check'): string {
  const byEntry = new Map<string, CheckRow[]>();
  for (const row of report.rows) byEntry.set(row.entry, [...(byEntry.get(row.entry) ?? []), row]);
  const suites = [...byEntry.entries()].map(([entry, rows]) => {
    const failures = rows.filter((row) => row.verdict === 'regressed' || row.verdict === 'missing').length;
    const cases = rows.map((row) => {
      const name = escapeXml(row.metric);
      const detail = `baseline ${formatNumber(row.baseline)}, now ${formatNumber(row.now)}, tolerance ${row.tolerance}, verdict ${row.verdict}`;
      if (row.verdict === 'regressed' || row.verdict === 'missing') {
        return `    <testcase classname="${escapeXml(entry)}" name="${name}"><failure message="${escapeXml(detail)}">${escapeXml(detail)}</failure></testcase>`;
      }
      return `    <testcase classname="${escapeXml(entry)}" name="${name}"><system-out>${escapeXml(detail)}</system-out></testcase>`;
    });
    return [`  <testsuite name="${escapeXml(`${suiteName}: ${entry}`)}" tests="${rows.length}" failures="${failures}">`, ...cases, '  </testsuite>'].join('\n');
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${escapeXml(suiteName)}" tests="${report.rows.length}" failures="${report.regressions}">`,
    ...suites,
    '</testsuites>',
    '',
  ].join('\n');
}
