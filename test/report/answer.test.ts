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
    // two-sided p (T_4) = 0.03994 < 0.05. none − uniform: [0.01, 0, 0.02, −0.01, 0.01]: mean 0.006, t = 1.177, p ≈ 0.30.
    // Holm over the 2 arms: per-layer 2 × 0.03994 = 0.07988 ≥ 0.05, so no claim, though its raw t-interval excludes 0.
    const perLayer = [-0.02, -0.01, -0.03, 0, -0.015];
    const none = [0.01, 0.0, 0.02, -0.01, 0.01];
    const records = [
      ...arm('uniform', 0.3, seedNoise),
      ...arm('per-layer', 0.3, seedNoise.map((value, index) => value + perLayer[index])),
      ...arm('none', 0.3, seedNoise.map((value, index) => value + none[index])),
    ];
    const report = analyzeSweep(records, { bootstrapResamples: 200 });
    const byArm = Object.fromEntries(report.armComparisons.map((row) => [row.arm, row]));
    expect(byArm['per-layer'].pValue).toBeCloseTo(0.04, 3);
    expect(byArm['per-layer'].tInterval!.upper).toBeLessThan(0);
    expect(byArm['per-layer'].holmPValue).toBeCloseTo(2 * byArm['per-layer'].pValue!, 10); // smallest of 2: × 2
    expect(byArm.none.holmPValue).toBeCloseTo(Math.max(byArm.none.pValue!, 2 * byArm['per-layer'].pValue!), 10);
    expect(byArm['per-layer'].verdict).toBe('no evidence');
    expect(byArm.none.verdict).toBe('no evidence');
    expect(report.answer.sentence).toMatch(/^No evidence of a difference at this budget: .*Holm-adjusted p = 0\.07988 over 2 arm comparisons\)\.$/);
    expect(renderMarkdown(report)).toContain("Multiple comparisons: Holm's step-down correction");
    // With a larger effect the claim survives the correction.
    const strong = [
      ...arm('uniform', 0.3, seedNoise),
      ...arm('per-layer', 0.25, seedNoise.map((value, index) => value + perLayer[index])),
      ...arm('none', 0.3, seedNoise.map((value, index) => value + none[index])),
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

  test('says why there is no answer when an arm is missing', () => {
    const report = analyzeSweep(arm('uniform', 0.3, seedNoise), { bootstrapResamples: 200 });
    expect(report.answer.decision).toBe('unavailable');
    expect(report.answer.sentence).toMatch(/^No answer: needs both arms "uniform" and "per-layer"/);
  });
});
