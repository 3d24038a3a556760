/** Every report view and `status` say which backend and which training path ran the trials. */
import { sweepStatus, formatStatus } from '../../lib/cli/status';
import { analyzeSweep } from '../../lib/report/analyze';
import { summarizeExecution } from '../../lib/report/execution-summary';
import { renderTrialsCsv } from '../../lib/report/render-csv';
import { renderHtml } from '../../lib/report/render-html';
import { renderJson } from '../../lib/report/render-json';
import { renderMarkdown } from '../../lib/report/render-markdown';
import { renderTable } from '../../lib/report/render-table';
import type { TrialRecord } from '../../lib/sweep/record';
import type { BackendChoice } from '../../lib/backend';
import { realisticSweep } from './fixtures';

const REASON = 'layer "#2" is a "Dropout" (quotes must be escaped in HTML)';

/** The fixture sweep with its per-layer arm on the general path (a reason) and its uniform arm lean, all on cpu. */
function records(): TrialRecord[] {
  return realisticSweep().map((record) =>
    record.arm === 'per-layer'
      ? { ...record, backend: 'cpu', trainingPath: 'general', generalPathReason: REASON }
      : { ...record, backend: 'cpu', trainingPath: 'lean' },
  );
}

test('groups trials by backend, path and reason, largest group first; records without the fields are "unknown", not dropped', () => {
  const all = records();
  const groups = summarizeExecution([...all, { arm: 'old' }]);
  const lean = all.filter((record) => record.trainingPath === 'lean').length;
  const general = all.length - lean;
  expect(groups).toHaveLength(3);
  expect(groups).toEqual(
    expect.arrayContaining([
      { backend: 'cpu', trainingPath: 'lean', trials: lean, arms: ['uniform'] },
      { backend: 'cpu', trainingPath: 'general', generalPathReason: REASON, trials: general, arms: ['per-layer'] },
      { backend: 'unknown', trainingPath: 'unknown', trials: 1, arms: ['old'] },
    ]),
  );
  expect(groups.map((group) => group.trials)).toEqual(groups.map((group) => group.trials).sort((a, b) => b - a));
});

test('text, Markdown, HTML, JSON and CSV views say which backend and path ran, with the general path reason', async () => {
  const report = analyzeSweep(records(), { bootstrapResamples: 50 });
  const text = renderTable(report);
  expect(text).toMatch(/ran on: .*cpu, lean path: \d+ trials/);
  expect(text).toMatch(/ran on: .*cpu, general path \(layer "#2" is a "Dropout" .*\): \d+ trials/);
  expect(renderMarkdown(report)).toMatch(/\*\*Ran on:\*\* .*cpu, lean path: \d+ trials/);
  const html = (await renderHtml(report)).html;
  expect(html).toMatch(/Ran on: .*cpu, general path \(layer &quot;#2&quot; is a &quot;Dropout&quot;/);
  expect(html).toMatch(/<th[^>]*><button type="button">training path<\/button><\/th>/);
  expect(html).toContain(`<td title="${REASON.replace(/"/g, '&quot;')}">general</td>`);
  const json = JSON.parse(renderJson(report));
  expect(json.execution.map((group: { trainingPath: string }) => group.trainingPath).sort()).toEqual(['general', 'lean']);
  expect(json.trials.every((trial: { backend?: string; trainingPath?: string }) => trial.backend === 'cpu' && trial.trainingPath !== undefined)).toBe(true);
  const [header, ...rows] = renderTrialsCsv(report).trim().split(/\r?\n/);
  const columns = header.split(',');
  const pathColumn = columns.indexOf('training_path');
  expect(pathColumn).toBeGreaterThan(-1);
  expect(new Set(rows.map((row) => row.split(',')[pathColumn]))).toEqual(new Set(['lean', 'general']));
});

test('status says which backend and path ran the finished trials, and the latest backend decision with its timings', () => {
  const choice: BackendChoice = { backend: 'cpu', selection: 'measured', steps: 24, timings: [{ backend: 'tensorflow', secondsPerStep: 0.00835 }, { backend: 'cpu', secondsPerStep: 0.00438 }], at: '2026-01-02T00:00:00Z' };
  const older: BackendChoice = { backend: 'tensorflow', selection: 'option', at: '2026-01-01T00:00:00Z' };
  const status = sweepStatus({ directory: '/tmp/x', journals: ['journal.jsonl'], sweeps: [], trials: records(), skippedLines: 0, backendChoices: [older, choice] });
  const text = formatStatus(status);
  expect(text).toMatch(/ran on: cpu, (lean|general) path/);
  expect(text).toContain("latest run's backend cpu: fastest for this sweep's model, by 24 timed training steps per backend and round (tensorflow 8.35 ms/step, cpu 4.38 ms/step)");
  expect(status.execution.length).toBe(2);
});
