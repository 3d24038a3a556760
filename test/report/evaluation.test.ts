/**
 * The report with an evaluation on fresh seeds: selection (validation, selection seeds) and
 * evaluation (test, fresh seeds, role 'evaluation') are kept apart, and the one-sentence answer
 * uses the evaluation, with the seeds it took and why it stopped, in every format.
 */
import { analyzeSweep } from '../../lib/report/analyze';
import { renderHtml } from '../../lib/report/render-html';
import { renderJson } from '../../lib/report/render-json';
import { renderTrialsCsv } from '../../lib/report/render-csv';
import { renderMarkdown } from '../../lib/report/render-markdown';
import { renderTable } from '../../lib/report/render-table';
import { shownEvaluationTrials } from '../../lib/report/view-limits';
import type { EvaluationDefinition } from '../../lib/sweep/definition';
import type { TrialRecord } from '../../lib/sweep/record';
import { trial } from './fixtures';

const RULE: EvaluationDefinition = { seeds: { min: 3, max: 12, until: 'decisive', batch: 1 }, metric: 'testLoss', margin: 0, alpha: 0.05, baseline: 'uniform' };

/** Two configurations per arm on selection seeds 1-3: `<arm>-a` wins on validation. */
function selection(): TrialRecord[] {
  return ['uniform', 'per-layer'].flatMap((arm) =>
    [1, 2, 3].flatMap((seed) => [
      trial({ arm, configId: `${arm}-a`, index: 0, seed, train: 0.1, validation: 0.2, test: 0.3 }),
      trial({ arm, configId: `${arm}-b`, index: 1, seed, train: 0.1, validation: 0.25, test: 0.3 }),
    ]),
  );
}

/** Evaluation re-runs of `<arm>-a` on fresh seeds, test loss base + shared seed noise + offset; a validation loss of 9 would lose any selection it entered. */
function evaluation(seeds: number[], testLoss: (arm: string, seed: number) => number): TrialRecord[] {
  return ['uniform', 'per-layer'].flatMap((arm) =>
    seeds.map((seed) => ({ ...trial({ arm, configId: `${arm}-a`, index: 0, seed, train: 0.1, validation: 9, test: testLoss(arm, seed) }), trialId: `${arm}-a-eval-s${seed}`, role: 'evaluation' as const })),
  );
}

const shared = (seed: number): number => 0.02 * Math.sin(seed * 1.7);

describe('report with an evaluation on fresh seeds', () => {
  // per-layer − uniform = −0.05 + 0.001·cos(seed): decisive as soon as the sequence is finite (4 seeds at alpha 0.05).
  const records = [...selection(), ...evaluation([4, 5, 6, 7], (arm, seed) => 0.3 + shared(seed) + (arm === 'per-layer' ? -0.05 + 0.001 * Math.cos(seed) : 0))];

  test('selection ignores evaluation trials; the answer is the fresh-seed comparison with its seeds and stop', () => {
    const report = analyzeSweep(records, { bootstrapResamples: 50, evaluation: RULE });
    expect(report.arms.map((arm) => arm.selection.configId)).toEqual(['uniform-a', 'per-layer-a']);
    expect(report.arms.map((arm) => arm.selectedBySeed.map((row) => row.seed))).toEqual([[1, 2, 3], [1, 2, 3]]);
    expect(report.trials.every((summary) => summary.role === undefined)).toBe(true);
    expect(report.evaluationTrials).toHaveLength(8);
    expect(report.evaluation).toMatchObject({ status: 'decisive', seeds: 4, freshSeeds: [4, 5, 6, 7], ruleFromDefinition: true });
    expect(report.answer.basis).toBe('evaluation');
    expect(report.answer.decision).toBe('better');
    expect(report.answer.seeds).toBe(4);
    expect(report.answer.selectionSeeds).toEqual([1, 2, 3]);
    expect(report.answer.evaluationSeeds).toEqual([4, 5, 6, 7]);
    expect(report.answer.caveat).toBeUndefined();
    // By hand (confidence-sequence.ts, c = 0.5): d = −0.05 + 0.001·cos(4..7), mean −0.049664, σ̂ (divisor n) 6.218e-4;
    // q = (0.05²·0.5/4.5)^(1/4) = 0.12910, k = (1 − q)·4.5 = 3.9190, half-width σ̂·√(k/(4 − k)) = 4.325e-3.
    expect(report.answer.sentence).toBe('per-layer is better than uniform on test loss by 0.04966 (95% confidence sequence of per-layer − uniform [-0.05399, -0.04534]; 4 fresh paired seeds, decisive at 4 seeds).');
    // The old comparison on the selection seeds is still there, labelled by what it is.
    expect(report.armComparisons[0].n).toBe(3);
  });

  test('every format shows the answer, the fresh-seed table and why it stopped', async () => {
    const report = analyzeSweep(records, { bootstrapResamples: 50, evaluation: RULE });
    const line = 'Evaluation on fresh seeds 4–7 (never used to select): decisive at 4 fresh seeds per arm (per-layer better).';
    const text = renderTable(report);
    expect(text).toContain(`answer: ${report.answer.sentence}`);
    expect(text).toContain('Evaluation (test): the selected configurations re-run on fresh seeds 4, 5, 6, 7, never used to select; decisive at 4 seeds.');
    expect(text).toContain(line);
    expect(text).toMatch(/per-layer − uniform\s+test loss\s+4\s+-0\.04966\s+\[-0\.05\d*, -0\.04\d*\] \(0\.05\)\s+better\s+beyond margin/);
    const markdown = renderMarkdown(report);
    expect(markdown).toContain('**Evaluation on fresh seeds**');
    expect(markdown).toContain('decisive at 4 fresh seeds per arm');
    const html = (await renderHtml(report)).html;
    expect(html).toContain('id="evaluation-table"');
    expect(html).toContain('decisive at 4 fresh seeds per arm (per-layer better)');
    const [header, ...rows] = renderTrialsCsv(report).trim().split('\r\n').map((row) => row.split(','));
    const roles = rows.map((row) => row[header.indexOf('role')]);
    expect(roles.filter((role) => role === 'selection')).toHaveLength(12);
    expect(rows.filter((row) => row[header.indexOf('role')] === 'evaluation').map((row) => Number(row[header.indexOf('seed')]))).toEqual([4, 5, 6, 7, 4, 5, 6, 7]);
    const json = JSON.parse(renderJson(report));
    expect(json.answer).toMatchObject({ basis: 'evaluation', stop: 'decisive at 4 seeds', seeds: 4 });
    expect(json.evaluation).toMatchObject({ status: 'decisive', seeds: 4 });
    expect(json.evaluation.comparisons[0]).toMatchObject({ arm: 'per-layer', baseline: 'uniform', decision: 'better', seeds: [4, 5, 6, 7] });
  });

  test('the HTML trial table lists the evaluation trials after the selection trials, marked as evaluation; past the limit it truncates with its rule', async () => {
    const report = analyzeSweep(records, { bootstrapResamples: 50, evaluation: RULE });
    const html = (await renderHtml(report)).html;
    const table = html.split('<table id="trial-table">')[1].split('</table>')[0];
    const header = [...table.split('</thead>')[0].matchAll(/<button type="button">([^<]*)<\/button>/g)].map((match) => match[1]);
    expect(header[header.length - 1]).toBe('role');
    const rows = table.split('<tbody>')[1].split('<tr').slice(1);
    // 12 selection trials, then the 8 evaluation trials (role column last; row class "evaluation").
    expect(rows).toHaveLength(12 + 8);
    const roles = rows.map((row) => /<td[^>]*>([^<]*)<\/td><\/tr>/.exec(row)![1]);
    expect(roles).toEqual([...Array(12).fill('selection'), ...Array(8).fill('evaluation')]);
    expect(rows.slice(12).every((row) => row.startsWith(' class="evaluation"'))).toBe(true);
    expect(rows.slice(0, 12).some((row) => row.includes('evaluation'))).toBe(false);
    expect(html).toContain('8 evaluation trials (role "evaluation"');
    // The stated rule past the limit: the first by arm and seed (the report's order), every trial in trials.csv.
    const limited = shownEvaluationTrials(report, 3);
    expect(limited.rows.map((trial) => `${trial.arm}:${trial.seed}`)).toEqual(report.evaluationTrials.slice(0, 3).map((trial) => `${trial.arm}:${trial.seed}`));
    expect(limited).toMatchObject({ total: 8, omitted: 5, rule: 'showing 3 of 8 evaluation trials: the first by arm and seed; every trial is in trials.csv' });
    expect(shownEvaluationTrials(report)).toMatchObject({ total: 8, omitted: 0, rule: '' });
  });

  test('noise only: "no evidence of a difference at this budget" after max seeds, and says so', () => {
    const rule: EvaluationDefinition = { ...RULE, seeds: { min: 4, max: 6, until: 'decisive', batch: 1 } };
    const noise = [0.01, -0.012, 0.004, -0.006, 0.011, -0.009];
    const noisy = [...selection(), ...evaluation([4, 5, 6, 7, 8, 9], (arm, seed) => 0.3 + shared(seed) + (arm === 'per-layer' ? noise[seed - 4] : 0))];
    const report = analyzeSweep(noisy, { bootstrapResamples: 50, evaluation: rule });
    expect(report.evaluation).toMatchObject({ status: 'max seeds reached', seeds: 6 });
    expect(report.answer.decision).toBe('no evidence');
    expect(report.answer.sentence).toMatch(/^No evidence of a difference at this budget: per-layer − uniform test loss -3\.33e-4 \(95% confidence sequence of per-layer − uniform \[-0\.01997, 0\.0193\]; 6 fresh paired seeds, max of 6 seeds reached undecided\)\.$/);
  });

  test('a comparison decided before the stage stopped says at how many seeds, and which comparison kept the stage going', () => {
    // per-layer − uniform is the decisive effect above; with two comparisons each gets alpha 0.025
    // (Bonferroni), so its sequence first excludes 0 at 5 seeds (at 4 with alpha 0.05, test above).
    // none − uniform is noise, so the stage runs to its max of 6.
    const rule: EvaluationDefinition = { ...RULE, seeds: { min: 3, max: 6, until: 'decisive', batch: 1 } };
    const noise = [0.01, -0.012, 0.004, -0.006, 0.011, -0.009];
    const arms = ['uniform', 'per-layer', 'none'];
    const selectionTrials = arms.flatMap((arm) => [1, 2, 3].map((seed) => trial({ arm, configId: `${arm}-a`, index: 0, seed, train: 0.1, validation: 0.2, test: 0.3 })));
    const offset = (arm: string, seed: number): number => (arm === 'per-layer' ? -0.05 + 0.001 * Math.cos(seed) : arm === 'none' ? noise[seed - 4] : 0);
    const evaluationTrials = arms.flatMap((arm) =>
      [4, 5, 6, 7, 8, 9].map((seed) => ({ ...trial({ arm, configId: `${arm}-a`, index: 0, seed, train: 0.1, validation: 9, test: 0.3 + shared(seed) + offset(arm, seed) }), trialId: `${arm}-a-eval-s${seed}`, role: 'evaluation' as const })),
    );
    const report = analyzeSweep([...selectionTrials, ...evaluationTrials], { bootstrapResamples: 50, evaluation: rule });
    expect(report.evaluation).toMatchObject({ status: 'max seeds reached', seeds: 6 });
    const byArm = new Map(report.evaluation!.comparisons.map((comparison) => [comparison.arm, comparison]));
    expect(byArm.get('per-layer')).toMatchObject({ decision: 'better', decidedAtSeeds: 5 });
    expect(byArm.get('none')?.decidedAtSeeds).toBeUndefined();
    expect(report.answer.decision).toBe('better');
    expect(report.answer.stop).toBe('decisive at 5 seeds; the stage ran on to 6 seeds for none − uniform');
    expect(report.answer.sentence).toMatch(/; 6 fresh paired seeds, decisive at 5 seeds; the stage ran on to 6 seeds for none − uniform\)\.$/);
  });

  test('without the definition\'s rule the report replays every seed as a look and says it used defaults', () => {
    const report = analyzeSweep(records, { bootstrapResamples: 50 });
    expect(report.evaluation).toMatchObject({ status: 'decisive', seeds: 4, ruleFromDefinition: false });
    expect(renderTable(report)).toContain("(the definition's rule was not given: defaults)");
  });

  test('no evaluation trials: the answer stays on the selection seeds, with its caveat', () => {
    const report = analyzeSweep(selection(), { bootstrapResamples: 50, evaluation: RULE });
    expect(report.evaluation).toBeNull();
    expect(report.answer.basis).toBe('selection seeds');
    expect(report.answer.caveat).toMatch(/reuses 3 of the seeds/);
  });
});
