/** Rendering a report in one format, and writing every format to a directory. */
import { promises as fs } from 'fs';
import * as path from 'path';
import type { TrialRecord } from '../sweep/record';
import { analyzeSweep, AnalysisOptions, SweepReport } from './analyze';
import type { TrialDigest } from '../sweep/selection/trial-summary';
import { configurationsCsvLines, renderConfigurationsCsv, renderTrialsCsv, trialsCsvLines } from './render-csv';
import { writeFileInPieces } from './file-sink';
import { renderJson, writeJson } from './render-json';
import { renderMarkdown } from './render-markdown';
import { renderTable } from './render-table';
import { TensorBoardOptions, TensorBoardResult, writeTensorBoardLogs } from './tensorboard';

/** Output formats. `csv` is one row per trial; `csv-configurations` one row per configuration. */
export type ReportFormat = 'table' | 'json' | 'csv' | 'csv-configurations' | 'md' | 'html';
export const REPORT_FORMATS: readonly ReportFormat[] = ['table', 'json', 'csv', 'csv-configurations', 'md', 'html'];

/** File name of each format inside a report directory. */
export const REPORT_FILE_NAMES: Readonly<Record<ReportFormat, string>> = {
  table: 'report.txt',
  json: 'report.json',
  csv: 'trials.csv',
  'csv-configurations': 'configurations.csv',
  md: 'summary.md',
  html: 'report.html',
};

/** Renders an analyzed report in one format. */
export async function renderReport(report: SweepReport, format: ReportFormat): Promise<{ text: string; warnings: string[] }> {
  switch (format) {
    case 'table':
      return { text: renderTable(report), warnings: [] };
    case 'json':
      return { text: renderJson(report), warnings: [] };
    case 'csv':
      return { text: renderTrialsCsv(report), warnings: [] };
    case 'csv-configurations':
      return { text: renderConfigurationsCsv(report), warnings: [] };
    case 'md':
      return { text: renderMarkdown(report), warnings: [] };
    case 'html': {
      // vega and vega-lite (charts) load only for the html view.
      const { renderHtml } = await import('./render-html');
      const rendered = await renderHtml(report);
      return { text: rendered.html, warnings: rendered.warnings };
    }
    default:
      throw new RangeError(`report.format: got ${JSON.stringify(format)}; allowed: ${REPORT_FORMATS.join(', ')}`);
  }
}

/**
 * Writes one format of an analyzed report to `file`. The views whose size grows with the sweep
 * (json, csv, csv-configurations) are written in pieces, never held as one string; the same bytes
 * as {@link renderReport}.
 */
export async function writeReportFile(report: SweepReport, format: ReportFormat, file: string): Promise<{ warnings: string[] }> {
  switch (format) {
    case 'json':
      writeFileInPieces(file, (write) => writeJson(report, write));
      return { warnings: [] };
    case 'csv':
      writeFileInPieces(file, (write) => {
        for (const line of trialsCsvLines(report)) write(line);
      });
      return { warnings: [] };
    case 'csv-configurations':
      writeFileInPieces(file, (write) => {
        for (const line of configurationsCsvLines(report)) write(line);
      });
      return { warnings: [] };
    default: {
      const rendered = await renderReport(report, format);
      await fs.writeFile(file, rendered.text, 'utf8');
      return { warnings: rendered.warnings };
    }
  }
}

/** Options of {@link writeReport}. */
export interface WriteReportOptions extends AnalysisOptions {
  /** Formats to write. Default: all of {@link REPORT_FORMATS}. */
  formats?: ReportFormat[];
  /**
   * TensorBoard scalar logs under `<outDir>/tensorboard`: `true` writes them (in JavaScript, on
   * every backend); `false` skips; an object passes options (e.g. a custom writer). Default true.
   */
  tensorboard?: boolean | TensorBoardOptions;
  /**
   * Called after each format is written, with that format: the CLI collects garbage there for a
   * large sweep (the text of a 100,000-row view is garbage once written; see lib/cli/collect-garbage.ts).
   * Default: nothing.
   */
  afterFormat?: (format: ReportFormat) => void;
}

export interface WriteReportResult {
  report: SweepReport;
  /** Path written for each format. */
  files: Partial<Record<ReportFormat, string>>;
  /** TensorBoard outcome, or null when not requested. */
  tensorboard: TensorBoardResult | null;
  /** Chart warnings from vega, if any. */
  warnings: string[];
}

/** Analyzes `records` and writes every requested format into `outDir` (created if missing). */
export async function writeReport(outDir: string, records: readonly (TrialRecord | TrialDigest)[], options: WriteReportOptions = {}): Promise<WriteReportResult> {
  const formats = options.formats ?? [...REPORT_FORMATS];
  for (const format of formats) {
    if (!REPORT_FORMATS.includes(format)) {
      throw new RangeError(`writeReport.formats: got ${JSON.stringify(format)}; allowed: ${REPORT_FORMATS.join(', ')}`);
    }
  }
  const report = analyzeSweep(records, options);
  return writeReportFiles(outDir, report, records.filter((record): record is TrialRecord => Array.isArray(record.epochs)), options);
}

/**
 * Writes an analyzed report in every requested format into `outDir`; TensorBoard logs come from
 * `epochRecords` (for a large sweep, the full records of the selected configurations only).
 */
export async function writeReportFiles(outDir: string, report: SweepReport, epochRecords: readonly TrialRecord[], options: Omit<WriteReportOptions, keyof AnalysisOptions> = {}): Promise<WriteReportResult> {
  const formats = options.formats ?? [...REPORT_FORMATS];
  for (const format of formats) {
    if (!REPORT_FORMATS.includes(format)) {
      throw new RangeError(`writeReport.formats: got ${JSON.stringify(format)}; allowed: ${REPORT_FORMATS.join(', ')}`);
    }
  }
  await fs.mkdir(outDir, { recursive: true });
  const files: Partial<Record<ReportFormat, string>> = {};
  const warnings: string[] = [];
  for (const format of formats) {
    const file = path.join(outDir, REPORT_FILE_NAMES[format]);
    const written = await writeReportFile(report, format, file);
    files[format] = file;
    warnings.push(...written.warnings);
    options.afterFormat?.(format);
  }
  const tensorboardOption = options.tensorboard ?? true;
  const tensorboard =
    tensorboardOption === false
      ? null
      : writeTensorBoardLogs(path.join(outDir, 'tensorboard'), epochRecords, tensorboardOption === true ? {} : tensorboardOption);
  return { report, files, tensorboard, warnings };
}
