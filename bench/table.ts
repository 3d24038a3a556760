import type { BenchRow } from './main';

/** Renders bench rows as a Markdown table (readable in a terminal, pasteable into docs). */
export function renderTable(rows: readonly BenchRow[]): string {
  const header = ['model', 'backend', 'case', 'samples/s', 'x Keras', 'x raw-fit', 'epochs timed'];
  const lines = rows.map((row) => [
    row.model,
    row.backend,
    row.caseId,
    row.samplesPerSecond === undefined ? `- (${row.error ?? 'no result'})` : Math.round(row.samplesPerSecond).toLocaleString('en-US'),
    row.ratioToKeras === undefined ? '' : `${row.ratioToKeras.toFixed(2)}x`,
    row.ratioToRawFit === undefined ? '' : `${row.ratioToRawFit.toFixed(3)}x`,
    row.epochSeconds === undefined ? '' : `${row.epochSeconds.length} x ${row.samples ?? '?'}`,
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...lines.map((line) => line[column].length)));
  const format = (cells: string[]): string => `| ${cells.map((cell, column) => cell.padEnd(widths[column])).join(' | ')} |`;
  return [format(header), `| ${widths.map((width) => '-'.repeat(width)).join(' | ')} |`, ...lines.map(format)].join('\n');
}
