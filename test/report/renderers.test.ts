/** Renderers: formats, CSV quoting, and escaping of user text in every format. */
import { analyzeSweep } from '../../lib/report/analyze';
import { csvField, escapeHtml, escapeMarkdown, formatNumber } from '../../lib/report/format';
import { renderConfigurationsCsv, renderTrialsCsv } from '../../lib/report/render-csv';
import { renderHtml } from '../../lib/report/render-html';
import { renderJson } from '../../lib/report/render-json';
import { renderMarkdown } from '../../lib/report/render-markdown';
import { renderTable } from '../../lib/report/render-table';
import { HOSTILE_LAYER, realisticSweep, trial } from './fixtures';
import { createHash } from 'crypto';

/** A small RFC 4180 parser, written independently of the renderer, to read the CSV back. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += c;
  }
  return rows;
}

const WEIRD_SWEEP = 'moons, "v2"\nfinal';
const records = realisticSweep({ sweepName: WEIRD_SWEEP });
const report = analyzeSweep(records, { bootstrapResamples: 500 });

describe('format helpers', () => {
  test('csvField quotes commas, quotes and line breaks, neutralizes formulas, and leaves numbers alone', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvField('-cmd')).toBe("'-cmd");
    expect(csvField(-1.5)).toBe('-1.5');
    expect(csvField(NaN)).toBe('NaN');
    expect(csvField(undefined)).toBe('');
    expect(csvField(true)).toBe('true');
  });

  test('escapeHtml and escapeMarkdown neutralize markup', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe('&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
    expect(escapeMarkdown('a|b *c* [d](e) <img>\nf')).toBe('a\\|b \\*c\\* \\[d\\](e) &lt;img&gt; f');
  });

  test('formatNumber', () => {
    expect(formatNumber(0.123456)).toBe('0.1235');
    expect(formatNumber(1e-5)).toBe('1.00e-5');
    expect(formatNumber(1e-5, 3)).toBe('1.0e-5');
    expect(formatNumber(null)).toBe('–');
    expect(formatNumber(0)).toBe('0');
  });
});

describe('CSV', () => {
  test('trials CSV: one row per trial, constant column count, user text read back exactly', () => {
    const rows = parseCsv(renderTrialsCsv(report));
    expect(rows).toHaveLength(1 + records.length);
    const width = rows[0].length;
    for (const row of rows) expect(row).toHaveLength(width);
    const header = rows[0];
    expect(header).toContain(`param:l2.${HOSTILE_LAYER}`);
    expect(header).toContain(`norm:${HOSTILE_LAYER}/kernel`);
    expect(rows[1][header.indexOf('sweep')]).toBe(WEIRD_SWEEP);
    const failed = rows.find((row) => row[header.indexOf('state')] === 'failed') as string[];
    expect(failed[header.indexOf('exclusion')]).toBe('failed');
    expect(failed[header.indexOf('error')]).toBe('Error: out of memory <in "worker-2">');
    const first = report.trials[0];
    expect(Number(rows[1][header.indexOf('final_test_loss')])).toBe(first.final?.testLoss);
  });

  test('configurations CSV: one row per configuration with n, mean, std and both intervals', () => {
    const rows = parseCsv(renderConfigurationsCsv(report));
    expect(rows).toHaveLength(1 + report.configurations.length);
    const header = rows[0];
    const selected = rows.filter((row) => row[header.indexOf('selected')] === 'true');
    expect(selected).toHaveLength(2);
    const configuration = report.configurations[0];
    const row = rows[1];
    expect(Number(row[header.indexOf('final_test_loss_mean')])).toBe(configuration.final.testLoss.mean);
    expect(Number(row[header.indexOf('final_test_loss_t_lower')])).toBe(configuration.final.testLoss.tInterval?.lower);
    expect(Number(row[header.indexOf('final_test_loss_bootstrap_upper')])).toBe(configuration.final.testLoss.bootstrapInterval?.upper);
    expect(row[header.indexOf('seeds')]).toBe('11 12 13 14');
  });
});

describe('JSON, table and Markdown', () => {
  test('JSON parses back to the report, with non-finite numbers as null', () => {
    const parsed = JSON.parse(renderJson(report));
    expect(parsed.counts).toEqual(report.counts);
    expect(parsed.comparison.sharedSeeds).toEqual([11, 12, 13, 14]);
    const nanTrial = analyzeSweep([trial({ arm: 'a', configId: 'c', seed: 1, train: NaN })], { bootstrapResamples: 10 });
    expect(JSON.parse(renderJson(nanTrial)).trials[0].final.trainLoss).toBeNull();
  });

  test('the terminal table marks the selected configurations and strips escape sequences from names', () => {
    const hostile = analyzeSweep(realisticSweep({ sweepName: 'evil\u001b[2J\u001b[31mred' }), { bootstrapResamples: 100 });
    const text = renderTable(hostile);
    expect(text).not.toContain('\u001b');
    expect(text).toContain('evil?[2J?[31mred');
    expect(text.split('\n').filter((line) => /^(uniform|per-layer)\s+\*/.test(line))).toHaveLength(2);
    expect(text).toContain('per-layer − uniform, paired over 4 shared seed(s)');
  });

  test('Markdown escapes user text so tables keep their shape and no HTML gets through', () => {
    const text = renderMarkdown(analyzeSweep(realisticSweep({ sweepName: 'a|b <b>x</b>' }), { bootstrapResamples: 100 }));
    expect(text).not.toContain('<img');
    expect(text).not.toContain('<b>');
    expect(text).toContain('&lt;img src=x onerror=alert\\(1\\)&gt;'.replace('\\(1\\)', '(1)'));
    const armRows = text.split('\n').filter((line) => line.startsWith('| uniform') || line.startsWith('| per-layer'));
    expect(armRows).toHaveLength(2);
    const cells = (line: string): number => line.replace(/\\\|/g, '').split('|').length;
    const header = text.split('\n').find((line) => line.startsWith('| arm')) as string;
    for (const row of armRows) expect(cells(row)).toBe(cells(header));
    expect(text).toContain('### layerwise report: a\\|b &lt;b&gt;x&lt;/b&gt;');
  });
});

describe('HTML (as text; the browser test opens it)', () => {
  test('the learning-curve chart has a legend naming the train, validation and test lines', async () => {
    const html = (await renderHtml(report)).html;
    const start = html.indexOf('Learning curves');
    const chart = html.slice(start, html.indexOf('</figure>', start));
    for (const label of ['split', 'train', 'validation', 'test']) expect(chart).toContain(`>${label}</text>`);
  });

  test('seven inline SVG charts, no external references, escaped user text, script allowed only by its hash', async () => {
    const rendered = await renderHtml(report);
    const html = rendered.html;
    expect(rendered.chartCount).toBe(7);
    expect(html.match(/<figure><svg/g)).toHaveLength(7);
    expect(html).not.toMatch(/(src|href)\s*=\s*["']?\s*(https?:|\/\/)/i);
    expect(html).not.toMatch(/@import|url\(/i);
    expect(html).not.toContain('<img');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    const script = /<script>([\s\S]*)<\/script>/.exec(html)?.[1] as string;
    const hash = createHash('sha256').update(script, 'utf8').digest('base64');
    expect(html).toContain(`script-src &#39;sha256-${hash}&#39;`);
    expect(html).toContain("default-src &#39;none&#39;");
  });

  test('charts without data say why instead of drawing', async () => {
    const onlyUniform = analyzeSweep(records.filter((record) => record.arm === 'uniform'), { bootstrapResamples: 100 });
    const rendered = await renderHtml(onlyUniform);
    expect(rendered.chartCount).toBe(4);
    expect(rendered.html).toContain('No chart: needs both arms');
    expect(rendered.html).toContain('No chart: arm &quot;per-layer&quot; has no ranked configuration');
    expect(rendered.html).toContain('No chart: no arm has per-layer coefficients');
  });
});
