/**
 * A report that scales (issue 18): statistics from trial digests (no per-epoch lists) equal those
 * from full records; bootstrap only for the configurations the views detail; learning curves only
 * for the selected configurations; tables, the HTML trial table and report.json truncate with a
 * printed rule; charts aggregate. Expected values are computed from the same records by the
 * unbounded path (or by hand for the binning), never hard-coded.
 */
import { analyzeSweep, attachEpochCurves, selectedConfigIds } from '../../lib/report/analyze';
import { renderHtml } from '../../lib/report/render-html';
import { renderJson } from '../../lib/report/render-json';
import { renderTable } from '../../lib/report/render-table';
import { reportCharts } from '../../lib/report/charts';
import { digestTrial } from '../../lib/sweep/selection/trial-summary';
import { binPoints, budgetCurveSteps, shownConfigurations, shownTrials, VIEW_LIMITS } from '../../lib/report/view-limits';
import type { TrialRecord } from '../../lib/sweep/record';
import { realisticSweep, trial } from './fixtures';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { encodeEvent } from '../../lib/sweep/storage/journal-format';
import { readSweepDirectory } from '../../lib/sweep/storage/sweep-directory';
import { main } from '../../lib/cli/main';

const FAST = { bootstrapResamples: 200 };

/** `configurations` uniform configurations × `seeds` seeds with validation loss rising with the index. */
function wideSweep(configurations: number, seeds: number): TrialRecord[] {
  const records: TrialRecord[] = [];
  for (let c = 0; c < configurations; c++) {
    for (let s = 0; s < seeds; s++) {
      const validation = 0.2 + c * 0.001 + s * 0.0001;
      records.push(trial({ arm: c % 2 === 0 ? 'uniform' : 'per-layer', configId: `c${String(c).padStart(4, '0')}`, seed: s + 1, index: c, params: { l2: 10 ** (-5 + (4 * c) / configurations) }, train: 0.1, validation, test: validation + 0.01 }));
    }
  }
  return records;
}

describe('report from digests', () => {
  test('every statistic computed from digests equals the one from full records; curves once attached too', () => {
    const records = realisticSweep();
    const full = analyzeSweep(records, FAST);
    const digested = analyzeSweep(records.map(digestTrial), FAST);
    expect(digested.epochCurves.every((curve) => curve.points.length === 0)).toBe(true);
    attachEpochCurves(digested, records.filter((record) => selectedConfigIds(digested).includes(record.configId)));
    expect(digested).toEqual(full);
  });

  test('learning curves are kept for the selected configuration of each arm only', () => {
    const report = analyzeSweep(realisticSweep(), FAST);
    expect(report.configurations.length).toBeGreaterThan(2);
    expect(report.epochCurves.map((curve) => curve.configId).sort()).toEqual(selectedConfigIds(report).sort());
    expect(report.epochCurves.every((curve) => curve.points.length > 0)).toBe(true);
  });
});

describe('bootstrap only where the views detail', () => {
  test('an arm with more configurations than the limit bootstraps its best ones only, with the same numbers as without the limit', () => {
    const records = wideSweep(12, 3);
    const unlimited = analyzeSweep(records, FAST);
    const limited = analyzeSweep(records, { ...FAST, detailedConfigurationsPerArm: 2 });
    for (const configuration of limited.configurations) {
      const reference = unlimited.configurations.find((candidate) => candidate.configId === configuration.configId)!;
      expect(configuration.final.validationLoss.mean).toBe(reference.final.validationLoss.mean);
      expect(configuration.final.testLoss.tInterval).toEqual(reference.final.testLoss.tInterval);
      if ((configuration.selectionRank ?? Infinity) <= 2) expect(configuration.final.testLoss.bootstrapInterval).toEqual(reference.final.testLoss.bootstrapInterval);
      else expect(configuration.final.testLoss.bootstrapInterval).toBeNull();
    }
    expect(unlimited.configurations.every((configuration) => configuration.final.testLoss.bootstrapInterval !== null)).toBe(true);
    expect(limited.methods.bootstrapInterval).toMatch(/its 2 best by validationLoss/);
    expect(() => analyzeSweep(records, { detailedConfigurationsPerArm: 0 })).toThrow(/detailedConfigurationsPerArm.*positive integer/);
  });
});

describe('views of a large sweep', () => {
  const records = wideSweep(2 * VIEW_LIMITS.chartPoints + 40, 5);
  const report = analyzeSweep(records, FAST);

  test('the configuration table lists the best of each arm by rank and prints its rule', () => {
    const shown = shownConfigurations(report);
    expect(shown.rows).toHaveLength(2 * VIEW_LIMITS.configurationsPerArm);
    for (const arm of ['uniform', 'per-layer']) {
      expect(shown.rows.filter((row) => row.arm === arm).map((row) => row.selectionRank)).toEqual(Array.from({ length: VIEW_LIMITS.configurationsPerArm }, (_, i) => i + 1));
    }
    const text = renderTable(report);
    expect(text).toContain(shown.rule);
    expect(shown.rule).toMatch(new RegExp(`showing ${shown.rows.length} of ${report.configurations.length} configurations`));
    // The worst configuration of an arm is not in the table.
    const worst = report.configurations.filter((configuration) => configuration.arm === 'uniform').sort((a, b) => (b.selectionRank ?? 0) - (a.selectionRank ?? 0))[0];
    expect(text).not.toContain(worst.configId.slice(0, 8) + ' ');
  });

  test('report.json and the HTML trial table keep at most the trial limit, say so, and keep every configuration summary', async () => {
    const json = JSON.parse(renderJson(report));
    const limit = VIEW_LIMITS.trials;
    expect(records.length).toBeGreaterThan(limit);
    expect(json.trials).toHaveLength(limit);
    expect(json.trialsTotal).toBe(records.length);
    expect(json.views.trials).toBe(shownTrials(report).rule);
    expect(json.configurations).toHaveLength(report.configurations.length);
    // Detailed configurations in full, the others as n/mean/std of their final metrics, with the rule stated.
    const detailed = json.configurations.filter((row: { best?: unknown }) => row.best !== undefined);
    expect(detailed).toHaveLength(2 * report.settings.detailedConfigurationsPerArm);
    expect(detailed.every((row: { selectionRank: number }) => row.selectionRank <= report.settings.detailedConfigurationsPerArm)).toBe(true);
    const compact = json.configurations.find((row: { best?: unknown }) => row.best === undefined);
    const source = report.configurations.find((configuration) => configuration.configId === compact.configId)!;
    expect(compact.final.validationLoss).toEqual({ n: source.final.validationLoss.n, mean: source.final.validationLoss.mean, std: source.final.validationLoss.std });
    expect(json.views.configurations).toMatch(/carry n, mean and std/);
    // Trials of the rank-1 configurations come first.
    expect(new Set(json.trials.slice(0, 10).map((row: { configId: string }) => row.configId))).toEqual(new Set(selectedConfigIds(report)));
    const html = (await renderHtml(report)).html;
    const tableRows = html.split('<table id="trial-table">')[1].split('</table>')[0].split('<tr').length - 2;
    expect(tableRows).toBe(limit);
    expect(html).toContain(`showing ${limit} of ${records.length} trials`);
  });

  test('budget curves keep their step function in the improvement points', () => {
    for (const curve of report.budgetCurves) {
      const steps = budgetCurveSteps(curve);
      expect(steps.points.length).toBeLessThan(curve.points.length);
      for (const point of curve.points) {
        // Step-after: the value at trialsSpent is the last step at or before it.
        const step = [...steps.points].reverse().find((candidate) => candidate.trialsSpent <= point.trialsSpent)!;
        expect(step.bestSoFar).toBe(point.bestSoFar);
      }
    }
  });

  test('the gap-vs-coefficient chart bins its configurations and says so', () => {
    const chart = reportCharts(report).find((candidate) => candidate.id === 'gap-vs-coefficient')!;
    expect(chart.caption).toMatch(/log-spaced bins/);
    const values = (chart.spec as unknown as { data: { values: Array<{ metric: string; n: number }> } }).data.values;
    const uniform = report.configurations.filter((configuration) => configuration.arm === 'uniform' && (configuration.coefficient ?? 0) > 0).length;
    const gapRows = values.filter((row) => row.metric === values[0].metric);
    expect(gapRows.length).toBeLessThanOrEqual(30);
    expect(gapRows.reduce((sum, row) => sum + row.n, 0)).toBe(uniform);
  });
});

describe('binPoints', () => {
  test('bins by log10 x and summarizes y per bin', () => {
    const bins = binPoints([{ x: 1, y: 1 }, { x: 2, y: 3 }, { x: 1000, y: 10 }, { x: 999, y: 20 }], 3, true);
    expect(bins.map((bin) => bin.n)).toEqual([2, 2]);
    expect(bins[0]).toMatchObject({ mean: 2, min: 1, max: 3 });
    expect(bins[1]).toMatchObject({ mean: 15, min: 10, max: 20 });
    expect(bins[0].low).toBeCloseTo(1, 12);
    expect(bins[1].high).toBeCloseTo(1000, 9);
  });
});

describe('small sweeps are unchanged', () => {
  test('nothing is truncated and no rule is printed', () => {
    const report = analyzeSweep(realisticSweep(), FAST);
    expect(shownConfigurations(report).omitted).toBe(0);
    expect(shownTrials(report).omitted).toBe(0);
    const json = JSON.parse(renderJson(report));
    expect(json.trials).toHaveLength(report.trials.length);
    expect(json.budgetCurves).toEqual(JSON.parse(JSON.stringify(report.budgetCurves)));
    expect(renderTable(report)).not.toMatch(/showing \d+ of/);
  });
});

describe('layerwise report on a sweep folder', () => {
  test('streams summaries and the selected configurations\' records, and prints the same JSON as the in-memory analysis', async () => {
    const records = realisticSweep();
    const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'layerwise-report-scale-'));
    try {
      let journal = '';
      for (const record of records) {
        const { trialId, configId, sweepName, arm, index, params, seed } = record;
        journal += encodeEvent({ op: 'enqueue', trial: { trialId, configId, sweepName, arm, index, params, seed }, at: 'x' });
        if (record.state !== 'waiting' && record.state !== 'running') journal += encodeEvent({ op: 'finish', trialId, attempt: 1, record });
      }
      fs.writeFileSync(path.join(directory, 'journal.jsonl'), journal);
      const out = path.join(directory, 'report.json');
      const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
      try {
        expect(await main(['report', directory, '--format', 'json', '--out', out, '--bootstrap', '200'])).toBe(0);
      } finally {
        stderr.mockRestore();
      }
      const written = JSON.parse(fs.readFileSync(out, 'utf8'));
      delete written.generatedAt;
      // The reference is the in-memory analysis of the same folder read whole (JSON turns NaN into null, so not of \`records\`).
      const expected = JSON.parse(renderJson(analyzeSweep(readSweepDirectory(directory).trials, { bootstrapResamples: 200 })));
      expect(written).toEqual(expected);
      expect(written.epochCurves.length).toBe(2);
      expect(written.epochCurves.every((curve: { points: unknown[] }) => curve.points.length > 0)).toBe(true);
    } finally {
      fs.rmSync(directory, { recursive: true, force: true });
    }
  }, 60000);
});
