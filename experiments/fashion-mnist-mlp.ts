/**
 * fashion-mnist-mlp: none vs uniform vs per-layer regularization on all 70,000 Fashion-MNIST images,
 * once with L2 penalties (experiments/sweeps/fashion-mnist-mlp-l2.json) and once with decoupled
 * weight decay (experiments/sweeps/fashion-mnist-mlp-weight-decay.json). Same MLP, data, training,
 * TPE budget per arm and paired seeds in both; each arm's configuration is selected on validation
 * loss and compared on the official test images. Besides the reporter's comparison, a budget
 * curve (experiments/selection-curve.ts) follows the configuration each arm would pick after k of
 * its trials: at which k, if any, per-layer's pick overtakes uniform's on test.
 *
 *   npx ts-node --transpile-only experiments/fashion-mnist-mlp.ts [--quick]
 */
import * as path from 'path';
import { fromConfig } from '../lib/sweep';
import { ExperimentOptions, ExperimentResult, ensureBackend, main, reporterMarkdown, runDefinition, runDirectory, settingsTable, studyDefinition, sweepWallSeconds, trainingSeconds, writeExperimentReport } from './common';
import { selectedSettings } from './selected';
import { selectionCurve, selectionCurveMarkdown } from './selection-curve';
import { mean, sampleStd, studentTQuantile } from '../lib/report';
import type { TrialRecord } from '../lib/sweep';
import type { SweepReport } from '../lib/report';

export const NAME = 'fashion-mnist-mlp';

/** The two penalty families, each its own definition `fashion-mnist-mlp-<family>.json`. */
export const FAMILIES: ReadonlyArray<{ family: string; title: string }> = [
  { family: 'l2', title: 'L2 penalty' },
  { family: 'weight-decay', title: 'decoupled weight decay' },
];

/** One family's definition; quick: 1 epoch, budget 2, seeds 1-2 (a smoke run of the plumbing). */
export function fashionMlpDefinition(family: string, quick: boolean): Record<string, any> {
  return studyDefinition(`${NAME}-${family}`, quick ? { epochs: 1, seeds: [1, 2], budget: 2, evaluateEvery: 1 } : undefined);
}

/** Paired test-loss difference of an arm's selected configuration against the `none` arm, per shared seed. */
function againstNone(records: readonly TrialRecord[], selected: readonly TrialRecord[], arm: string): string {
  const none = new Map(records.filter((r) => r.arm === 'none' && r.state === 'complete' && r.final?.test).map((r) => [r.seed, r.final!.test!.loss]));
  const mine = selected.filter((r) => r.arm === arm && r.state === 'complete' && r.final?.test && none.has(r.seed));
  const differences = mine.map((r) => r.final!.test!.loss - none.get(r.seed)!);
  if (differences.length < 2) return `| ${arm} − none | – | – | ${differences.length} |`;
  const half = studentTQuantile(0.975, differences.length - 1) * (sampleStd(differences) / Math.sqrt(differences.length));
  const m = mean(differences);
  const verdict = m + half < 0 ? `${arm} better` : m - half > 0 ? 'none better' : 'no evidence of a difference';
  return `| ${arm} − none | ${m.toPrecision(3)} [${(m - half).toPrecision(3)}, ${(m + half).toPrecision(3)}] | ${verdict} | ${differences.length} |`;
}

/** Arguments of {@link familySection}. */
export interface FamilySectionArgs {
  /** The family's recorded trials. */
  records: readonly TrialRecord[];
  /** The reporter's analysis of them. */
  report: SweepReport;
  /** Definition suffix: 'l2' or 'weight-decay'. */
  family: string;
  /** Heading words: 'L2 penalty', 'decoupled weight decay'. */
  title: string;
  /** Configurations per arm (the definition's budget). */
  budget: number;
  /** The definition's name, for the heading. Default `fashion-mnist-mlp-<family>`. */
  definitionName?: string;
}

/** One penalty family's Markdown: the reporter's comparison, both arms against `none`, the selected settings and the budget curve. */
export function familySection({ records, report, family, title, budget, definitionName }: FamilySectionArgs): string {
  // The reporter selects for every arm, `none` included (its one configuration); add it only if it did not.
  const chosen = selectedSettings(report, records);
  const selected = chosen.some((r) => r.arm === 'none') ? chosen : chosen.concat(records.filter((r) => r.arm === 'none'));
  const curve = selectionCurve(records, 'uniform', 'per-layer', budget);
  return [
    `### ${title} (\`experiments/sweeps/${definitionName ?? `${NAME}-${family}`}.json\`, ${records.length} trials, ${Math.round(trainingSeconds(records))} s of training, ${Math.round(sweepWallSeconds(records) / 60)} min wall)`,
    '',
    reporterMarkdown(report),
    '',
    'Against no regularization (selected configuration − `none`, test loss, paired by seed, 95% t-interval):',
    '',
    '| comparison | mean difference [95% t] | reading | seeds |',
    '| --- | --- | --- | ---: |',
    againstNone(records, selected, 'uniform'),
    againstNone(records, selected, 'per-layer'),
    '',
    'Selected configurations and the `none` arm (final metrics, mean ± std over seeds):',
    '',
    settingsTable(selected),
    '',
    `Budget curve (${title}): each arm's pick after its first k configurations, in the TPE sampler's order.`,
    '',
    selectionCurveMarkdown(curve, 'uniform', 'per-layer'),
  ].join('\n');
}

export async function run(options: ExperimentOptions = {}): Promise<ExperimentResult> {
  const started = Date.now();
  const backend = await ensureBackend();
  const quick = options.quick === true;
  const directory = runDirectory(options, NAME);
  const sections: string[] = [];
  const all: TrialRecord[] = [];
  const conclusions: string[] = [];
  let definition: Record<string, any> = {};
  for (const { family, title } of FAMILIES) {
    definition = fashionMlpDefinition(family, quick);
    const familyDirectory = path.join(directory, family);
    const records = await runDefinition(definition, familyDirectory, options);
    all.push(...records);
    const report = await writeExperimentReport(familyDirectory, records, `${NAME}-${family}`, { evaluation: fromConfig(definition).evaluation });
    sections.push(familySection({ records, report, family, title, budget: definition.budget as number }));
    const noneGaps = records.filter((r) => r.arm === 'none' && r.state === 'complete' && r.final?.lossGap !== undefined).map((r) => r.final!.lossGap!);
    conclusions.push(
      `${title}: ${report.answer.sentence.replace(/\.$/, '')}` +
        (noneGaps.length > 0 ? ` (loss gap test − train without regularization: ${(noneGaps.reduce((a, b) => a + b, 0) / noneGaps.length).toFixed(3)})` : '') +
        '.',
    );
  }
  sections.push(
    `**Conclusion.** ${conclusions.join(' ')} At this budget (${(definition.training as { epochs: number }).epochs} epochs, ${definition.budget} configurations per arm, 3 selection seeds) ` +
      (all.filter((r) => r.arm === 'none' && r.final?.lossGap !== undefined).every((r) => r.final!.lossGap! < 0.1)
        ? 'the model overfits little (test − train loss gap below 0.1 without regularization), so there is little for any penalty to fix; '
        : '') +
      'the answers above are what the intervals support at this budget, not a verdict on per-layer tuning in general.',
  );
  const training = definition.training as { epochs: number; batchSize: number };
  return {
    name: NAME,
    question:
      'On all of Fashion-MNIST, with the same number of trained configurations per arm, does one coefficient per layer beat one shared coefficient (and either beat no regularization) on the test images, for an L2 penalty and for decoupled weight decay? At how many trials, if ever, does per-layer overtake uniform?',
    setup:
      `MLP 784 → 128 → 64 ReLU → 10 softmax, Adam (lr 1e-3), batch ${training.batchSize}, ${training.epochs} epochs, categorical cross-entropy. ` +
      'Data: all 70,000 Fashion-MNIST images (Debian `dataset-fashion-mnist`, `fashion-mnist:shape=flat`, file order): the first 50,000 official train images train, ' +
      'the last 10,000 validate, the official 10,000 test images test. Arms: `none`; `uniform` (one coefficient for the three kernels); `per-layer` (one per kernel: dense_1, dense_2, output). ' +
      'L2: log-uniform in [1e-6, 1e-2]; decoupled weight decay w ← w·(1 − lr·wd): log-uniform in [1e-2, 10]. ' +
      `TPE sampler (seed 0), budget ${definition.budget} configurations per arm, every configuration on seeds ${(definition.seeds as number[]).join(', ')} (paired across arms; they select). ` +
      (definition.evaluation !== undefined ? `Each arm's selected configuration is then re-run on fresh paired seeds until the confidence sequence is decisive (min ${definition.evaluation.seeds.min}, max ${definition.evaluation.seeds.max}); the answer and conclusion read those. ` : '') +
      `Selection on mean validation loss; comparison on test. Each definition runs alone as \`layerwise sweep experiments/sweeps/${NAME}-l2.json --out runs/${NAME}/l2/sweep --workers 2\` ` +
      `(then \`layerwise report runs/${NAME}/l2/sweep\`); this script resumes those folders. A small CNN on the same data and arms (both penalty families, 2 epochs) is the section \`fashion-mnist-cnn\`. Backend: ${backend}.`,
    markdown: sections.join('\n\n'),
    reportDirectory: directory,
    trainingSeconds: trainingSeconds(all),
    sweepWallSeconds: sweepWallSeconds(all),
    trials: all.length,
    seconds: (Date.now() - started) / 1000,
  };
}

if (require.main === module) main(run);
