/**
 * Opens the HTML report in real headless Chromium (the first of `chromium`, `chromium-browser`,
 * `google-chrome` on PATH, or LAYERWISE_CHROMIUM; driven by playwright-core; skipped with the fix
 * command when none is installed, a failure under CI=true) as a person would: no console errors, no network requests, every chart
 * drawn, the trial table sorts, and a hostile layer name is shown as text, never run.
 * A screenshot is saved under test-artifacts/report/ for a human to look at.
 */
import { promises as fs } from 'fs';
import * as path from 'path';
import { pathToFileURL } from 'url';
import { chromium, Browser, Page } from 'playwright-core';
import { analyzeSweep } from '../../lib/report/analyze';
import { renderHtml } from '../../lib/report/render-html';
import { HOSTILE_LAYER, realisticSweep } from './fixtures';
import { describeWhenAvailable, requirement } from '../support/requirements';

// The page.evaluate callbacks run inside the browser; this project compiles without the DOM
// library, so the little of the DOM they touch is declared here, module-local.
interface BrowserElement {
  id: string;
  textContent: string | null;
  querySelectorAll(selector: string): ArrayLike<BrowserElement>;
  getAttribute(name: string): string | null;
  cells: ArrayLike<BrowserElement>;
}
declare const document: {
  querySelectorAll(selector: string): ArrayLike<BrowserElement>;
  body: { innerText: string };
  title: string;
};
declare const window: { __pwned?: number };

const ARTIFACTS = path.join(__dirname, '..', '..', 'test-artifacts', 'report');
const HOSTILE_SWEEP = 'moons "<script>window.__pwned = 1</script>" & co';

describeWhenAvailable(['chromium'], 'HTML report in a real headless browser', () => {
  let browser: Browser;

  beforeAll(async () => {
    browser = await chromium.launch({
      // Discovered, not assumed: LAYERWISE_CHROMIUM, else chromium / chromium-browser / google-chrome on PATH.
      executablePath: requirement('chromium').location,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
  });

  afterAll(async () => {
    await browser?.close();
  });

  interface PageWatch {
    page: Page;
    consoleErrors: string[];
    pageErrors: string[];
    dialogs: string[];
    requests: string[];
  }

  async function openReport(file: string): Promise<PageWatch> {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const watch: PageWatch = { page, consoleErrors: [], pageErrors: [], dialogs: [], requests: [] };
    const ownUrl = pathToFileURL(file).href;
    page.on('console', (message) => {
      if (message.type() === 'error') watch.consoleErrors.push(message.text());
    });
    page.on('pageerror', (error) => watch.pageErrors.push(error.message));
    page.on('dialog', (dialog) => {
      watch.dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    page.on('request', (request) => {
      if (request.url() !== ownUrl) watch.requests.push(request.url());
    });
    await page.goto(ownUrl, { waitUntil: 'load' });
    return watch;
  }

  describe('HTML report in headless Chromium', () => {
    let htmlFile: string;
    let html: string;

    beforeAll(async () => {
      const report = analyzeSweep(realisticSweep({ sweepName: HOSTILE_SWEEP }), { bootstrapResamples: 2000, generatedAt: '2025-01-01T00:00:00Z' });
      const rendered = await renderHtml(report);
      expect(rendered.warnings).toEqual([]);
      expect(rendered.chartCount).toBe(7);
      html = rendered.html;
      await fs.mkdir(ARTIFACTS, { recursive: true });
      htmlFile = path.join(ARTIFACTS, 'report.html');
      await fs.writeFile(htmlFile, html, 'utf8');
    });

    test('renders every chart with no console error, no request, and a hostile name as plain text', async () => {
      const watch = await openReport(htmlFile);
      const { page } = watch;
      const facts = await page.evaluate(() => {
        const sections = Array.from(document.querySelectorAll('section.chart'));
        return {
          chartIds: sections.map((section) => section.id),
          svgPerChart: sections.map((section) => section.querySelectorAll('figure > svg').length),
          marksPerChart: sections.map((section) => section.querySelectorAll('svg .mark-line path, svg .mark-area path, svg .mark-rule line, svg .mark-symbol path').length),
          images: document.querySelectorAll('img').length,
          scripts: document.querySelectorAll('script').length,
          pwned: window.__pwned,
          text: document.body.innerText,
          title: document.title,
        };
      });
      await page.screenshot({ path: path.join(ARTIFACTS, 'report.png'), fullPage: true });

      expect(watch.consoleErrors).toEqual([]);
      expect(watch.pageErrors).toEqual([]);
      expect(watch.requests).toEqual([]);
      expect(watch.dialogs).toEqual([]);
      expect(facts.chartIds).toEqual(['learning-curves', 'gap-vs-coefficient', 'layer-coefficients', 'layer-importance', 'arm-test-loss', 'paired-differences', 'budget-curves']);
      expect(facts.svgPerChart).toEqual([1, 1, 1, 1, 1, 1, 1]);
      for (const marks of facts.marksPerChart) expect(marks).toBeGreaterThan(0);
      // Escaping, not only the CSP: the hostile markup must not have become elements.
      expect(facts.images).toBe(0);
      expect(facts.scripts).toBe(1);
      expect(facts.pwned).toBeUndefined();
      expect(facts.text).toContain(HOSTILE_LAYER);
      expect(facts.title).toContain('<script>window.__pwned = 1</script>');
      await page.close();
    });

    test('escaping alone stops the hostile name: with the CSP removed nothing runs either', async () => {
      const withoutCsp = html.replace(/<meta http-equiv="Content-Security-Policy"[^>]*>/, '');
      expect(withoutCsp).not.toBe(html);
      const file = path.join(ARTIFACTS, 'report-without-csp.html');
      await fs.writeFile(file, withoutCsp, 'utf8');
      const watch = await openReport(file);
      await watch.page.waitForTimeout(200);
      const state = await watch.page.evaluate(() => ({
        images: document.querySelectorAll('img').length,
        pwned: window.__pwned,
      }));
      expect(watch.dialogs).toEqual([]);
      expect(watch.requests).toEqual([]);
      expect(state).toEqual({ images: 0, pwned: undefined });
      await watch.page.close();
    });

    test('the trial table sorts numerically by a clicked column, missing values last', async () => {
      const watch = await openReport(htmlFile);
      const { page } = watch;
      const column = await page.evaluate(() =>
        Array.from(document.querySelectorAll('#trial-table thead th')).findIndex((th) => th.textContent === 'test loss'),
      );
      expect(column).toBeGreaterThan(0);
      const read = (): Promise<string[]> =>
        page.evaluate((index) => Array.from(document.querySelectorAll('#trial-table tbody tr')).map((row) => row.cells[index].getAttribute('data-value') ?? ''), column);
      await page.click(`#trial-table thead th:nth-child(${column + 1}) button`);
      const ascending = await read();
      const present = ascending.filter((value) => value !== '').map(Number);
      expect(present.length).toBeGreaterThan(10);
      expect(present).toEqual([...present].sort((a, b) => a - b));
      expect(ascending.slice(present.length).every((value) => value === '')).toBe(true);
      await page.click(`#trial-table thead th:nth-child(${column + 1}) button`);
      const descending = (await read()).filter((value) => value !== '').map(Number);
      expect(descending).toEqual([...present].sort((a, b) => b - a));
      expect(watch.consoleErrors).toEqual([]);
      await page.close();
    });
  });

  describe('HTML report of a small real sweep in headless Chromium', () => {
    test('a sweep run with the train objective renders every chart with no error', async () => {
      // Imported here so the synthetic tests above need no training modules.
      const { fromConfig } = await import('../../lib/sweep/definition-config');
      const { runSweep } = await import('../../lib/sweep/runner');
      const directory = await fs.mkdtemp(path.join(require('os').tmpdir(), 'layerwise-real-sweep-'));
      const definition = fromConfig({
        name: 'real-moons',
        objective: 'train',
        model: { type: 'mlp', inputSize: 2, hidden: [8, 8], outputSize: 1, task: 'binary' },
        data: { dataset: 'moons:samples=120,noise=0.25,seed=3', split: { validation: 0.25, test: 0.25 } },
        training: { epochs: 4, batchSize: 32, optimizer: { name: 'adam', learningRate: 0.02 } },
        arms: [
          { name: 'uniform', kind: 'uniform', penalties: { l2: { type: 'logUniform', low: 1e-4, high: 1e-1 } } },
          { name: 'per-layer', kind: 'per-layer', layers: ['dense_1', 'dense_2'], penalties: { l2: { type: 'logUniform', low: 1e-4, high: 1e-1 } } },
        ],
        budget: 2,
        seeds: [1, 2],
        sampler: { type: 'random', seed: 1 },
      });
      const summary = await runSweep({ definition, directory, workers: 0 });
      expect(summary.complete).toBe(8);
      const rendered = await renderHtml(analyzeSweep(summary.records, { bootstrapResamples: 500 }));
      // Two per-layer configurations are too few for layer importance, so that chart says why instead.
      expect(rendered.chartCount).toBe(6);
      expect(rendered.html).toContain('No chart: per-layer: not enough trials');
      const file = path.join(ARTIFACTS, 'real-sweep-report.html');
      await fs.writeFile(file, rendered.html, 'utf8');
      const watch = await openReport(file);
      const marksPerChart = await watch.page.evaluate(() =>
        Array.from(document.querySelectorAll('section.chart'))
          .filter((section) => section.querySelectorAll('figure').length > 0)
          .map(
          (section) => section.querySelectorAll('svg .mark-line path, svg .mark-area path, svg .mark-rule line, svg .mark-symbol path').length,
        ),
      );
      await watch.page.screenshot({ path: path.join(ARTIFACTS, 'real-sweep-report.png'), fullPage: true });
      expect(watch.consoleErrors).toEqual([]);
      expect(watch.pageErrors).toEqual([]);
      expect(watch.requests).toEqual([]);
      expect(marksPerChart).toHaveLength(6);
      for (const marks of marksPerChart) expect(marks).toBeGreaterThan(0);
      await watch.page.close();
      await fs.rm(directory, { recursive: true, force: true });
    });
  });
});
