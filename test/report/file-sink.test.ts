/**
 * The views whose size grows with the sweep (json, csv, csv-configurations) are written to files in
 * pieces (lib/report/file-sink.ts, `writeReportFile`), never as one string. The bytes must equal
 * the rendered views exactly, for a realistic sweep and for edge cases JSON.stringify treats
 * specially (empty arrays, non-finite numbers, undefined fields).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { analyzeSweep, SweepReport } from '../../lib/report/analyze';
import { FileSink, writeFileInPieces } from '../../lib/report/file-sink';
import { renderJson, writeJson } from '../../lib/report/render-json';
import { renderReport, writeReportFile } from '../../lib/report/write-report';
import { realisticSweep } from './fixtures';

let directory: string;
beforeEach(() => {
  directory = fs.mkdtempSync(path.join(os.tmpdir(), 'layerwise-file-sink-'));
});
afterEach(() => fs.rmSync(directory, { recursive: true, force: true }));

const report = analyzeSweep(realisticSweep(), { bootstrapResamples: 200, importanceResamples: 5, generatedAt: '2026-01-01T00:00:00.000Z' });

test.each(['json', 'csv', 'csv-configurations', 'table', 'md'] as const)('%s written in pieces equals the rendered view byte for byte', async (format) => {
  const file = path.join(directory, `report.${format}`);
  await writeReportFile(report, format, file);
  const rendered = await renderReport(report, format);
  expect(fs.readFileSync(file, 'utf8')).toBe(rendered.text);
  expect(rendered.text.length).toBeGreaterThan(100);
});

test('writeJson equals renderJson with empty arrays, non-finite numbers and undefined fields', () => {
  const odd = { ...report, trials: [], budgetCurves: [], comparison: null, title: undefined, counts: { ...report.counts, total: Infinity } } as unknown as SweepReport;
  const pieces: string[] = [];
  writeJson(odd, (text) => pieces.push(text));
  expect(pieces.join('')).toBe(renderJson(odd));
  expect(pieces.join('')).toContain('"trials": []');
  expect(pieces.join('')).toContain('"total": null');
  expect(pieces.length).toBeGreaterThan(10);
});

test('a sink writes in batches and everything is in the file after close; a producer that throws still closes the file', () => {
  const file = path.join(directory, 'big.txt');
  const sink = new FileSink(file);
  const line = `${'x'.repeat(999)}\n`;
  for (let i = 0; i < 3000; i++) sink.write(line);
  // Over a megabyte was gathered, so part of it is on disk before close.
  expect(fs.statSync(file).size).toBeGreaterThan(0);
  sink.close();
  expect(fs.statSync(file).size).toBe(3000 * 1000);
  const broken = path.join(directory, 'broken.txt');
  expect(() =>
    writeFileInPieces(broken, (write) => {
      write('partial');
      throw new Error('renderer failed');
    }),
  ).toThrow('renderer failed');
  expect(fs.readFileSync(broken, 'utf8')).toBe('partial');
});
