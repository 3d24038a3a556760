/**
 * fashion-mnist-cnn: none vs uniform vs per-layer regularization on a small CNN for all 70,000
 * Fashion-MNIST images, once with an L2 penalty (experiments/sweeps/fashion-mnist-cnn-l2.json) and
 * once with decoupled weight decay (experiments/sweeps/fashion-mnist-cnn-weight-decay.json): the
 * same data, split, arms, paired selection seeds and evaluation stage as the MLP study, with a
 * convolutional model, a budget of 4 configurations per arm and only 2 training epochs (sized to
 * the shared 2-core machine). The sections use the MLP study's renderer
 * (experiments/fashion-mnist-mlp.ts, familySection).
 *
 *   npx ts-node --transpile-only experiments/fashion-mnist-cnn.ts [--quick]
 */
import * as path from 'path';
import { fromConfig } from '../lib/sweep';
import type { TrialRecord } from '../lib/sweep';
import { ExperimentOptions, ExperimentResult, ensureBackend, main, runDefinition, runDirectory, studyDefinition, sweepWallSeconds, trainingSeconds, writeExperimentReport } from './common';
import { FAMILIES, familySection } from './fashion-mnist-mlp';

export const NAME = 'fashion-mnist-cnn';

/** One family's definition; quick: 1 epoch, budget 2, seeds 1-2 (a smoke run of the plumbing). */
export function fashionCnnDefinition(family: string, quick: boolean): Record<string, any> {
  return studyDefinition(`${NAME}-${family}`, quick ? { epochs: 1, seeds: [1, 2], budget: 2, evaluateEvery: 1 } : undefined);
}

/** Coefficients a per-layer arm searches: one per `layers` entry and penalty. */
function perLayerDimensions(definition: Record<string, any>): number {
  const arm = (definition.arms as Array<{ kind: string; layers?: string[]; penalties?: Record<string, unknown> }>).find((a) => a.kind === 'per-layer');
  return arm ? (arm.layers?.length ?? 0) * Object.keys(arm.penalties ?? {}).length : 0;
}

export async function run(options: ExperimentOptions = {}): Promise<ExperimentResult> {
  const started = Date.now();
  const backend = await ensureBackend();
  const quick = options.quick === true;
  const directory = runDirectory(options, NAME);
  const sections: string[] = [];
  const conclusions: string[] = [];
  const all: TrialRecord[] = [];
  let definition: Record<string, any> = {};
  for (const { family, title } of FAMILIES) {
    definition = fashionCnnDefinition(family, quick);
    const familyDirectory = path.join(directory, family);
    const records = await runDefinition(definition, familyDirectory, options);
    all.push(...records);
    const report = await writeExperimentReport(familyDirectory, records, `${NAME}-${family}`, { evaluation: fromConfig(definition).evaluation });
    sections.push(familySection({ records, report, family, title: `CNN, ${title}`, budget: definition.budget as number, definitionName: `${NAME}-${family}` }));
    const noneGaps = records.filter((r) => r.arm === 'none' && r.state === 'complete' && r.final?.lossGap !== undefined).map((r) => r.final!.lossGap!);
    conclusions.push(
      `${title}: ${report.answer.sentence.replace(/\.$/, '')}` +
        (noneGaps.length > 0 ? ` (loss gap test − train without regularization: ${(noneGaps.reduce((a, b) => a + b, 0) / noneGaps.length).toFixed(3)})` : '') +
        '.',
    );
  }
  const training = definition.training as { epochs: number; batchSize: number };
  sections.push(
    `**Conclusion.** ${conclusions.join(' ')} With ${definition.budget} configurations per arm, \`per-layer\` searches ${perLayerDimensions(definition)} coefficients with as many trials as \`uniform\` spends on one; ` +
      `the budget curves above show at which budget, if any, its pick caught up. At ${training.epochs} epochs the CNN overfits little, so there is little for any penalty to fix; ` +
      `this is a statement about equal, small budgets and short training, not about per-layer regularization at convergence.`,
  );
  return {
    name: NAME,
    question: 'Does the MLP study\'s answer (per-layer vs uniform, and either vs none, for an L2 penalty and for decoupled weight decay) carry over to a small CNN on all of Fashion-MNIST?',
    setup:
      `CNN: conv 8 3×3 ReLU + 2×2 max-pool, conv 16 3×3 ReLU + 2×2 max-pool, flatten, dense 32 ReLU, 10 softmax; Adam (lr 1e-3), batch ${training.batchSize}, **${training.epochs} epochs only** ` +
      '(a converged CNN needs more; this is what the shared 2-core machine allowed; other sessions kept its load at 2-20, so wall times here are not speed figures). Data and split as in the MLP study (50,000 train, 10,000 validation, the official 10,000 test images). ' +
      'Arms: `none`; `uniform` (one coefficient for every kernel); `per-layer` (one per kernel: conv_1, conv_2, dense_1, output). ' +
      'L2: log-uniform in [1e-6, 1e-2]; decoupled weight decay w ← w·(1 − lr·wd): log-uniform in [1e-2, 10]. ' +
      `TPE sampler (seed 0), budget ${definition.budget} per arm, seeds ${(definition.seeds as number[]).join(', ')} (paired selection seeds). ` +
      (definition.evaluation !== undefined ? `Each arm's selected configuration is then re-run on fresh paired seeds until the confidence sequence is decisive (min ${definition.evaluation.seeds.min}, max ${definition.evaluation.seeds.max}); the answer and conclusion read those. ` : '') +
      `Each definition runs alone as \`layerwise sweep experiments/sweeps/${NAME}-l2.json --out runs/${NAME}/l2/sweep --workers 2\`; this script resumes those folders. Backend: ${backend}.`,
    markdown: sections.join('\n\n'),
    reportDirectory: directory,
    trainingSeconds: trainingSeconds(all),
    sweepWallSeconds: sweepWallSeconds(all),
    trials: all.length,
    seconds: (Date.now() - started) / 1000,
  };
}

if (require.main === module) main(run);
