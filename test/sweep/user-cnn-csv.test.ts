/**
 * Issue 13's "done when", at test size: a definition next to a user's CSV (test/fixtures/csv:
 * 6x6 images of bars, 3 text classes) sweeps activity L1 against kernel L2 per layer, each with
 * tied conv/dense groups, on a CNN from the builders, with a `none` baseline. Every record names its
 * backend and training path, and the report says which backend ran and why (the choice the run
 * recorded in the store). The full-size run (20 epochs, 2 seeds, `--workers 2`, backend auto) is
 * the command in docs/sweeps.md ("A CNN on your own CSV").
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadTrialSummaries } from '../../lib/cli/dependencies';
import { analyzeTrialSummaries } from '../../lib/report/analyze';
import { renderHtml } from '../../lib/report/render-html';
import { renderMarkdown } from '../../lib/report/render-markdown';
import { renderTable } from '../../lib/report/render-table';
import { fromConfig, toConfig } from '../../lib/sweep/definition-config';
import { splitFor, trainModelObjective } from '../../lib/sweep/objectives/train-model';
import { runSweep } from '../../lib/sweep/runner';
import { readSweepFile } from '../../lib/sweep/sweep-file';

const DEFINITION = path.join(__dirname, '..', 'fixtures', 'csv', 'bars-cnn-sweep.json');
let directory: string;
beforeEach(() => {
  directory = fs.mkdtempSync(path.join(os.tmpdir(), 'layerwise-user-cnn-'));
});
afterEach(() => fs.rmSync(directory, { recursive: true, force: true }));

test('the definition reads the CSV next to it, and every arm fits the CNN: groups tie the Conv2D and the Dense layers', () => {
  const definition = readSweepFile(DEFINITION);
  expect(definition.data.csv!.path).toBe(path.join(path.dirname(DEFINITION), 'bars-6x6.csv'));
  const splits = splitFor(definition);
  expect([splits.train.featureCount, splits.train.classCount, splits.train.sampleCount + splits.validation!.sampleCount + splits.test!.sampleCount]).toEqual([36, 3, 96]);
  expect(() => trainModelObjective.validate!(definition)).not.toThrow();
  expect(definition.arms.map((arm) => [arm.name, Object.keys(arm.groups ?? {})])).toEqual([['none', []], ['kernel-l2', ['conv', 'dense']], ['activity-l1', ['conv', 'dense']]]);
});

test('a short run: records name backend and training path; the report says which backend ran and why, and compares both arms with none', async () => {
  // Test size: 2 epochs, 1 seed, 1 configuration per arm, the cpu backend by the definition (no timing).
  const config = toConfig(readSweepFile(DEFINITION)) as Record<string, any>;
  const definition = fromConfig({ ...config, training: { ...config.training, epochs: 2 }, seeds: [1], budget: 1, execution: { ...config.execution, backend: 'cpu' } });
  const out = path.join(directory, 'out');
  const environment = process.env.LAYERWISE_BACKEND;
  delete process.env.LAYERWISE_BACKEND; // npm test's cpu pass sets it; the definition must decide here
  try {
    const summary = await runSweep({ definition, directory: out, workers: 0 });
    expect(summary.complete).toBe(3);
    const paths = Object.fromEntries(summary.records.map((record) => [record.arm, record.trainingPath]));
    // Kernel L2 on conv + dense is the lean path; an activity regularizer on a Conv2D is not (yet), and the record says why.
    expect(paths).toEqual({ none: 'lean', 'kernel-l2': 'lean', 'activity-l1': 'general' });
    expect(summary.records.find((record) => record.arm === 'activity-l1')!.generalPathReason).toMatch(/Conv2D\) has an activity regularizer/);
    for (const record of summary.records) expect(record.backend).toBe('cpu');
    const params = summary.records.find((record) => record.arm === 'activity-l1')!.params;
    expect(Object.keys(params).sort()).toEqual(['activityL1.conv', 'activityL1.dense']); // one coefficient per tied group
  } finally {
    if (environment !== undefined) process.env.LAYERWISE_BACKEND = environment;
  }
  const read = await loadTrialSummaries(out);
  expect(read.backendChoices).toEqual([expect.objectContaining({ backend: 'cpu', selection: 'definition' })]);
  const report = analyzeTrialSummaries(read.trials, { bootstrapResamples: 50, backendChoices: read.backendChoices, baselineArm: 'kernel-l2', candidateArm: 'activity-l1' });
  const why = 'backend cpu: forced by the definition\'s "backend" field';
  expect(report.backendChoices).toEqual([why]);
  expect(renderTable(report)).toContain(`why: ${why}`);
  expect(renderMarkdown(report)).toContain('**Why this backend:** backend cpu: forced by the definition');
  expect((await renderHtml(report)).html).toContain('<p>Why this backend: backend cpu: forced by the definition&#39;s &quot;backend&quot; field.</p>');
  expect(renderTable(report)).toMatch(/ran on: cpu, lean path: 2 trials; cpu, general path \(layer #0 \(Conv2D\) has an activity regularizer/);
  expect(report.armComparisons.map((row) => `${row.arm} − ${row.baselineArm}`)).toEqual(['activity-l1 − kernel-l2', 'kernel-l2 − none', 'activity-l1 − none']);
}, 120_000);
