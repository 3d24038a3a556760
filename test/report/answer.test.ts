/**
 * The one-sentence answer at the top of every report, the arm comparisons behind it (paired t,
 * Holm-corrected across arms), and the selection/evaluation labels. Differences and p-values are
 * hand-computed: with per-seed differences d, t = d̄/(s/√n), p = 2·(1 − T_{n−1}(|t|)).
 */
import { analyzeSweep } from '../../lib/report/analyze';
import { renderHtml } from '../../lib/report/render-html';
import { renderMarkdown } from '../../lib/report/render-markdown';
import { renderTable } from '../../lib/report/render-table';
import type { TrialRecord } from '../../lib/sweep/record';
import { trial } from './fixtures';

const SEEDS = [1, 2, 3, 4, 5];

/** One arm with one configuration whose test loss on seed i is base + offsets[i]. */
function arm(name: string, base: number, offsets: number[]): TrialRecord[] {
  return SEEDS.map((seed, index) => trial({ arm: name, configId: `${name}-c`, seed, train: 0.1, validation: base, test: base + offsets[index], testAccuracy: 0.9 }));
}

const seedNoise = [0.01, -0.02, 0.015, -0.005, 0.0];

describe('report answer', () => {
  test('a clear difference: which arm is better, by how much, its interval and seed count', () => {
    // per-layer − uniform per seed: −0.05 + [0.001, −0.001, 0.002, −0.002, 0] → mean −0.05.
    const small = [0.001, -0.001, 0.002, -0.002, 0];
    const records = [...arm('uniform', 0.3, seedNoise), ...arm('per-layer', 0.25, seedNoise.map((value, index) => value + small[index]))];
    const report = analyzeSweep(records, { bootstrapResamples: 200 });
    expect(report.answer.decision).toBe('better');
    expect(report.answer.seeds).toBe(5);
    expect(report.answer.sentence).toMatch(/^per-layer is better than uniform on test loss by 0\.05 \(95% t-interval of per-layer − uniform \[-0\.05\d*, -0\.04\d*\]; 5 paired seeds; p = [\d.e-]+\)\.$/);
    expect(report.armComparisons).toHaveLength(1);
    expect(report.armComparisons[0].holmPValue).toBe(report.armComparisons[0].pValue); // one comparison: Holm is the identity
  });

  test('noise only: "no evidence of a difference at this budget" with the numbers', () => {
    const records = [...arm('uniform', 0.3, seedNoise), ...arm('per-layer', 0.3, [0.02, -0.03, 0.0, 0.01, -0.015])];
    const report = analyzeSweep(records, { bootstrapResamples: 200 });
    expect(report.answer.decision).toBe('no evidence');
    // differences [0.01, −0.01, −0.015, 0.015, −0.015]: mean −0.003.
    expect(report.answer.sentence).toMatch(/^No evidence of a difference at this budget: per-layer − uniform test loss -0\.003 \(95% t-interval .*; 5 paired seeds; p = 0\.\d+\)\.$/);
  });

  test('several arms against the baseline are Holm-corrected, which can withhold a claim the raw p-value would make', () => {
    // per-layer − uniform: d = [−0.02, −0.01, −0.03, 0, −0.015]: mean −0.015, s = 0.011180, se = 0.005, t = −3.0,
    // two-sided p (T_4) = 0.03994 < 0.05. l1 − uniform: [0.01, 0, 0.02, −0.01, 0.01]: mean 0.006, t = 1.177, p ≈ 0.30.
    // Holm over the 2 arms: per-layer 2 × 0.03994 = 0.07988 ≥ 0.05, so no claim, though its raw t-interval excludes 0.
    const perLayer = [-0.02, -0.01, -0.03, 0, -0.015];
    const l1 = [0.01, 0.0, 0.02, -0.01, 0.01];
    const records = [
      ...arm('uniform', 0.3, seedNoise),
      ...arm('per-layer', 0.3, seedNoise.map((value, index) => value + perLayer[index])),
      ...arm('l1', 0.3, seedNoise.map((value, index) => value + l1[index])),
    ];
    const report = analyzeSweep(records, { bootstrapResamples: 200 });
    const byArm = Object.fromEntries(report.armComparisons.map((row) => [row.arm, row]));
    expect(byArm['per-layer'].pValue).toBeCloseTo(0.04, 3);
    expect(byArm['per-layer'].tInterval!.upper).toBeLessThan(0);
    expect(byArm['per-layer'].holmPValue).toBeCloseTo(2 * byArm['per-layer'].pValue!, 10); // smallest of 2: × 2
    expect(byArm.l1.holmPValue).toBeCloseTo(Math.max(byArm.l1.pValue!, 2 * byArm['per-layer'].pValue!), 10);
    expect(byArm['per-layer'].verdict).toBe('no evidence');
    expect(byArm.l1.verdict).toBe('no evidence');
    expect(report.answer.sentence).toMatch(/^No evidence of a difference at this budget: .*Holm-adjusted p = 0\.07988 over 2 arm comparisons\)\.$/);
    expect(renderMarkdown(report)).toContain("Multiple comparisons: Holm's step-down correction");
    // With a larger effect the claim survives the correction.
    const strong = [
      ...arm('uniform', 0.3, seedNoise),
      ...arm('per-layer', 0.25, seedNoise.map((value, index) => value + perLayer[index])),
      ...arm('l1', 0.3, seedNoise.map((value, index) => value + l1[index])),
    ];
    expect(analyzeSweep(strong, { bootstrapResamples: 200 }).answer.sentence).toMatch(/^per-layer is better than uniform on test loss by 0\.065 .*Holm-adjusted p = /);
  });

  test('every renderer starts with the answer and labels selection (validation) and evaluation (test) apart', async () => {
    const records = [...arm('uniform', 0.3, seedNoise), ...arm('per-layer', 0.3, [0.02, -0.03, 0.0, 0.01, -0.015])];
    const report = analyzeSweep(records, { bootstrapResamples: 200 });
    const markdown = renderMarkdown(report).split('\n');
    expect(markdown[2]).toMatch(/^\*\*Answer:\*\* No evidence of a difference at this budget/);
    expect(markdown[4]).toMatch(/^Selection \(validation\): .* seeds 1, 2, 3, 4, 5\. Evaluation \(test\): paired over seeds 1, 2, 3, 4, 5\. Caution: evaluation \(test\) reuses 5 of the seeds/);
    const table = renderTable(report).split('\n');
    expect(table[1]).toMatch(/^answer: No evidence of a difference at this budget/);
    expect(renderTable(report)).toMatch(/validation loss .* selection \(validation\)\s+–/);
    expect(renderTable(report)).toMatch(/test loss .* evaluation \(test\)\s+[\d.]+/);
    expect((await renderHtml(report)).html).toContain('<p class="answer" id="answer"><strong>Answer:</strong> No evidence of a difference at this budget');
  });

  test('a none arm (no regularization) is compared with every arm by default; the answer stays per-layer − uniform; one Holm family over the 3 comparisons', async () => {
    // per-layer − uniform: mean −0.05 (small noise); uniform − none: −0.1 + noise; per-layer − none: −0.15 + noise.
    const small = [0.001, -0.001, 0.002, -0.002, 0];
    const records = [
      ...arm('none', 0.4, seedNoise.map((value, index) => value - small[index])),
      ...arm('uniform', 0.3, seedNoise),
      ...arm('per-layer', 0.25, seedNoise.map((value, index) => value + small[index])),
    ];
    const report = analyzeSweep(records, { bootstrapResamples: 200 });
    expect(report.settings.baselineArm).toBe('uniform');
    expect(report.armComparisons.map((row) => `${row.arm} − ${row.baselineArm}`)).toEqual(['per-layer − uniform', 'uniform − none', 'per-layer − none']);
    const byPair = Object.fromEntries(report.armComparisons.map((row) => [`${row.arm} − ${row.baselineArm}`, row]));
    expect(byPair['per-layer − uniform'].meanDifference).toBeCloseTo(-0.05, 10);
    expect(byPair['uniform − none'].meanDifference).toBeCloseTo(-0.1, 10);
    expect(byPair['per-layer − none'].meanDifference).toBeCloseTo(-0.15, 10);
    // Holm over 3: the smallest p-value is multiplied by 3, so every adjusted p is at least 3 × the smallest raw one.
    const smallest = Math.min(...report.armComparisons.map((row) => row.pValue!));
    for (const row of report.armComparisons) expect(row.holmPValue!).toBeGreaterThanOrEqual(Math.min(1, 3 * smallest) - 1e-12);
    for (const row of report.armComparisons) expect(row.verdict).toBe('better');
    expect(report.answer.sentence).toMatch(/^per-layer is better than uniform on test loss by 0\.05 .*over 3 arm comparisons\)\.$/);
    const table = renderTable(report);
    expect(table).toMatch(/per-layer − uniform\s+test loss\s+5\s+-0\.05/);
    expect(table).toMatch(/uniform − none\s+test loss\s+5\s+-0\.1/);
    expect(renderMarkdown(report)).toContain('| per-layer − none | test loss | 5 |');
    const html = (await renderHtml(report)).html;
    expect(html).toContain('<table id="arm-comparisons">');
    expect(html).toMatch(/<td>uniform − none<\/td><td>test loss<\/td><td class="number">5<\/td>/);
    expect(report.methods.multipleComparisons).toContain('and with "none" (no regularization)');
    // Without a uniform arm, the default baseline is none: per-layer − none answers.
    const withoutUniform = analyzeSweep(records.filter((record) => record.arm !== 'uniform'), { bootstrapResamples: 200 });
    expect(withoutUniform.settings.baselineArm).toBe('none');
    expect(withoutUniform.armComparisons.map((row) => `${row.arm} − ${row.baselineArm}`)).toEqual(['per-layer − none']);
    expect(withoutUniform.answer.sentence).toMatch(/^per-layer is better than none on test loss by 0\.15 /);
    // An explicit --baseline none --candidate uniform still works, with no duplicate rows.
    const explicit = analyzeSweep(records, { bootstrapResamples: 200, baselineArm: 'none', candidateArm: 'uniform' });
    expect(explicit.armComparisons.map((row) => `${row.arm} − ${row.baselineArm}`)).toEqual(['uniform − none', 'per-layer − none']);
    expect(explicit.answer.sentence).toMatch(/^uniform is better than none on test loss by 0\.1 /);
  });

  test('says why there is no answer when an arm is missing', () => {
    const report = analyzeSweep(arm('uniform', 0.3, seedNoise), { bootstrapResamples: 200 });
    expect(report.answer.decision).toBe('unavailable');
    expect(report.answer.sentence).toMatch(/^No answer: needs both arms "uniform" and "per-layer"/);
  });
});
