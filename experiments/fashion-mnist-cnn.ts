/**
 * fashion-mnist-cnn: none vs uniform vs per-layer decoupled weight decay on a small CNN for all
 * 70,000 Fashion-MNIST images (experiments/sweeps/fashion-mnist-cnn-weight-decay.json): the same
 * data, split, arms and paired seeds as the MLP study's weight-decay family, with a convolutional
 * model, a budget of 4 configurations per arm and only 2 training epochs (sized to the shared machine). The section uses the
 * MLP study's renderer (experiments/fashion-mnist-mlp.ts, familySection).
 *
 *   npx ts-node --transpile-only experiments/fashion-mnist-cnn.ts [--quick]
 */
import * as path from 'path';
import { ExperimentOptions, ExperimentResult, ensureBackend, main, runDefinition, runDirectory, studyDefinition, sweepWallSeconds, trainingSeconds, writeExperimentReport } from './common';
import { familySection } from './fashion-mnist-mlp';

export const NAME = 'fashion-mnist-cnn';

/** The definition; quick: 1 epoch, budget 2, seeds 1-2 (a smoke run of the plumbing). */
export function fashionCnnDefinition(quick: boolean): Record<string, any> {
  return studyDefinition(`${NAME}-weight-decay`, quick ? { epochs: 1, seeds: [1, 2], budget: 2, evaluateEvery: 1 } : undefined);
}

/** Coefficients a per-layer arm searches: one per `layers` entry and penalty. */
function perLayerDimensions(definition: Record<string, any>): number {
  const arm = (definition.arms as Array<{ kind: string; layers?: string[]; penalties?: Record<string, unknown> }>).find((a) => a.kind === 'per-layer');
  return arm ? (arm.layers?.length ?? 0) * Object.keys(arm.penalties ?? {}).length : 0;
}

export async function run(options: ExperimentOptions = {}): Promise<ExperimentResult> {
  const started = Date.now();
  const backend = await ensureBackend();
  const directory = path.join(runDirectory(options, NAME), 'weight-decay');
  const definition = fashionCnnDefinition(options.quick === true);
  const records = await runDefinition(definition, directory, options);
  const report = await writeExperimentReport(directory, records, `${NAME}-weight-decay`);
  const training = definition.training as { epochs: number; batchSize: number };
  return {
    name: NAME,
    question: 'Does the MLP study\'s answer (per-layer vs uniform decoupled weight decay, and either vs none) carry over to a small CNN on all of Fashion-MNIST?',
    setup:
      `CNN: conv 8 3×3 ReLU + 2×2 max-pool, conv 16 3×3 ReLU + 2×2 max-pool, flatten, dense 32 ReLU, 10 softmax; Adam (lr 1e-3), batch ${training.batchSize}, **${training.epochs} epochs only** ` +
      '(a converged CNN needs more; this is what the shared 2-core machine allowed). Data and split as in the MLP study (50,000 train, 10,000 validation, the official 10,000 test images). ' +
      'Arms: `none`; `uniform` (one decoupled weight decay w ← w·(1 − lr·wd) for every kernel); `per-layer` (one per kernel: conv_1, conv_2, dense_1, output); wd log-uniform in [1e-2, 10]. ' +
      `TPE sampler (seed 0), budget ${definition.budget} per arm, seeds ${(definition.seeds as number[]).join(', ')} (paired selection seeds). ` +
      `Runs alone as \`layerwise sweep experiments/sweeps/${NAME}-weight-decay.json --out runs/${NAME}/weight-decay/sweep --workers 2\`. Backend: ${backend}.`,
    markdown: [
      familySection({ records, report, family: 'weight-decay', title: 'CNN, decoupled weight decay', budget: definition.budget as number, definitionName: `${NAME}-weight-decay` }),
      '',
      `**Conclusion.** ${report.answer.sentence} With ${definition.budget} configurations per arm, \`per-layer\` searches ${perLayerDimensions(definition)} coefficients with as many trials as \`uniform\` spends on one; ` +
        'the budget curve above shows at which budget, if any, its pick caught up. This is a statement about equal, small budgets (and 2 training epochs), not about per-layer decay at convergence.',
    ].join('\n'),
    reportDirectory: path.dirname(directory),
    trainingSeconds: trainingSeconds(records),
    sweepWallSeconds: sweepWallSeconds(records),
    trials: records.length,
    seconds: (Date.now() - started) / 1000,
  };
}

if (require.main === module) main(run);
