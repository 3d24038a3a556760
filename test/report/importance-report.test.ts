/** Layer importance inside the report: the field, the chart, and the terminal and Markdown tables. */
import { analyzeSweep } from '../../lib/report/analyze';
import { reportCharts, renderChartSvg } from '../../lib/report/charts';
import { renderMarkdown } from '../../lib/report/render-markdown';
import { renderTable } from '../../lib/report/render-table';
import { HOSTILE_LAYER, realisticSweep, trial } from './fixtures';

describe('report.layerImportance', () => {
  const records = realisticSweep();
  const report = analyzeSweep(records, { bootstrapResamples: 200, importanceResamples: 30 });

  test('one estimate per arm with per-layer coefficients, over its usable trials, deterministic', () => {
    expect(report.layerImportance.map((estimate) => estimate.arm)).toEqual(['per-layer']);
    const estimate = report.layerImportance[0];
    expect(estimate.status).toBe('estimated');
    // 5 per-layer configurations × 4 seeds, less one failed and one pruned trial.
    expect(estimate.observations).toBe(18);
    expect(estimate.groups).toBe(5);
    expect(estimate.parameters.map((parameter) => parameter.layer)).toEqual([HOSTILE_LAYER, 'dense_1', 'dense_2'].sort((a, b) => (`l2.${a}` < `l2.${b}` ? -1 : 1)));
    for (const importance of estimate.importances) {
      expect(importance.share).toBeGreaterThanOrEqual(0);
      expect(importance.interval?.lower).toBeLessThanOrEqual(importance.interval?.upper as number);
    }
    const total = estimate.importances.reduce((sum, importance) => sum + importance.share, 0) + (estimate.interactionShare as number);
    expect(total).toBeCloseTo(1, 10);
    expect(analyzeSweep(records, { bootstrapResamples: 200, importanceResamples: 30 }).layerImportance).toEqual(report.layerImportance);
    expect(report.methods.importance).toMatch(/functional ANOVA/);
  });

  test('the chart is a bar chart with error bars per parameter and renders without warnings', async () => {
    const chart = reportCharts(report).find((candidate) => candidate.id === 'layer-importance');
    expect(chart?.spec).not.toBeNull();
    const values = (chart?.spec as unknown as { data: { values: Array<Record<string, unknown>> } }).data.values;
    expect(values.map((row) => row.parameter)).toEqual([...report.layerImportance[0].importances.map((importance) => importance.feature), 'interactions']);
    const rendered = await renderChartSvg(chart?.spec as NonNullable<typeof chart>['spec'] & object);
    expect(rendered.warnings).toEqual([]);
    expect(rendered.svg).toContain('mark-rect');
    expect(rendered.svg).toContain('mark-rule');
    // The hostile layer name is escaped by vega's SVG writer.
    expect(rendered.svg).not.toContain('<img');
  });

  test('terminal and Markdown show the table; too few configurations give the reason instead', () => {
    const text = renderTable(report);
    expect(text).toContain('Which layer matters, arm "per-layer"');
    expect(text).toMatch(/l2\.dense_1\s+log10\s+\d+\.\d%\s+\[/);
    expect(text).toContain('interactions (rest)');
    const markdown = renderMarkdown(report);
    expect(markdown).toMatch(/\| l2\.dense\\_1 \| log10 \| \d+\.\d% \| \\\[/);

    const few = [1, 2].map((i) =>
      trial({ arm: 'per-layer', configId: `c${i}`, seed: 1, params: { 'l2.a': 10 ** -i, 'l2.b': 1e-3 }, train: 0.1, validation: 0.2 * i, test: 0.2 }),
    );
    const small = analyzeSweep(few, { bootstrapResamples: 100 });
    expect(small.layerImportance[0].status).toBe('insufficient');
    expect(renderTable(small)).toContain('Which layer matters, arm "per-layer": not enough trials: 2 distinct configuration(s) (2 trial(s)); at least 5 are needed.');
    const chart = reportCharts(small).find((candidate) => candidate.id === 'layer-importance');
    expect(chart?.spec).toBeNull();
    expect(chart?.emptyReason).toMatch(/^per-layer: not enough trials/);
  });
});
