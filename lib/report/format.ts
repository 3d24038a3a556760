/**
 * Formatting and escaping shared by the renderers. Escaping lives here, in one place, because
 * layer names, sweep names and parameter values come from users and end up in HTML, SVG,
 * Markdown and CSV.
 */
import type { ParameterValues } from '../sweep/record';
import type { Interval, MetricSummary } from '../statistics/summary-stats';

/** A number for people: 4 significant digits, exponent notation for very small or large magnitudes, '–' for missing. */
export function formatNumber(value: number | null | undefined, digits = 4): string {
  if (value === null || value === undefined) return '–';
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? '∞' : '−∞';
  if (value === 0) return '0';
  const magnitude = Math.abs(value);
  if (magnitude < 1e-3 || magnitude >= 1e5) return value.toExponential(digits - 2).replace('e+', 'e');
  return String(Number(value.toPrecision(digits)));
}

/** `[lower, upper]`, or '–' when there is no interval. */
export function formatInterval(interval: Interval | null | undefined, digits = 4): string {
  if (!interval) return '–';
  return `[${formatNumber(interval.lower, digits)}, ${formatNumber(interval.upper, digits)}]`;
}

/** `mean ± std`, the std omitted when there is none. */
export function formatMeanStd(summary: Pick<MetricSummary, 'mean' | 'std'> | undefined, digits = 4): string {
  if (!summary || summary.mean === null) return '–';
  return summary.std === null ? formatNumber(summary.mean, digits) : `${formatNumber(summary.mean, digits)} ± ${formatNumber(summary.std, digits)}`;
}

/** A probability as a percentage with one decimal. */
export function formatProbability(value: number | null | undefined): string {
  if (value === null || value === undefined) return '–';
  return `${(value * 100).toFixed(1)}%`;
}

/** `key=value, ...` in key order: the human name of a configuration. */
export function describeParams(params: ParameterValues): string {
  const keys = Object.keys(params).sort();
  if (keys.length === 0) return '(no parameters)';
  return keys
    .map((key) => {
      const value = params[key];
      return `${key}=${typeof value === 'number' ? formatNumber(value, 3) : String(value)}`;
    })
    .join(', ');
}

/** First 8 characters of an id: enough to tell configurations apart in a table. */
export function shortId(id: string): string {
  return id.length > 8 ? id.slice(0, 8) : id;
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML or SVG element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => HTML_ESCAPES[character]);
}

/**
 * Escapes text for a Markdown table cell on GitHub: HTML-significant characters become
 * entities (GitHub renders inline HTML), inline Markdown punctuation (emphasis, code, links,
 * strike-through, backslash) is backslash-escaped, pipes cannot split a table cell, and newlines
 * become spaces. Text is always placed mid-line, so block markers (`#`, `-`, `>`) stay inert.
 */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/[\r\n]+/g, ' ')
    .replace(/[&<>"]/g, (character) => HTML_ESCAPES[character])
    .replace(/([\\`*_[\]|~])/g, '\\$1');
}

/**
 * One CSV field per RFC 4180: quoted (with doubled quotes) when it contains a comma, quote,
 * CR or LF. Text that a spreadsheet would run as a formula (leading `=`, `+`, `-`, `@`, tab or
 * CR) is prefixed with `'`, as OWASP advises against CSV injection; numbers are never altered.
 */
export function csvField(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  let text = value;
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One CSV line from fields, without the line terminator. */
export function csvRow(fields: ReadonlyArray<string | number | boolean | null | undefined>): string {
  return fields.map(csvField).join(',');
}
