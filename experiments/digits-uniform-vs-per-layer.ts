/**
 * digits-uniform-vs-per-layer: is per-layer L2 worth it over one uniform coefficient? An MLP
 * 64 → 128 → 64 → 32 → 10 on scikit-learn's 8x8 digits (standardized on the train part only,
 * stratified random split 60/20/20 with a fixed seed), two arms at equal search budgets: `uniform`
 * (one L2 coefficient for every kernel) and `per-layer` (one per kernel), TPE-sampled, every
 * configuration trained with the same seeds (paired). Each arm's configuration is chosen on
 * validation loss; the reporter compares them on the test split over the shared seeds.
 *
 *   npx ts-node --transpile-only experiments/digits-uniform-vs-per-layer.ts [--quick]
 */
import { ExperimentOptions, ExperimentResult, ensureBackend, trainingSeconds, main, reporterMarkdown, runDefinition, runDirectory, settingsTable, studyDefinition, writeExperimentReport } from './common';
import type { TrialRecord } from '../lib/sweep';
import { selectedSettings } from './selected';

export const NAME = 'digits-uniform-vs-per-layer';

/** The study's definition (experiments/sweeps/digits-uniform-vs-per-layer.json); quick: 10 epochs, budget 2, seeds 1-2. */
export function digitsDefinition(quick: boolean): Record<string, unknown> {
  return studyDefinition(NAME, quick ? { epochs: 10, seeds: [1, 2], budget: 2 } : undefined);
}

export async function run(options: ExperimentOptions = {}): Promise<ExperimentResult> {
  const started = Date.now();
  const backend = await ensureBackend();
  const quick = options.quick === true;
  const directory = runDirectory(options, NAME);
  const definition = digitsDefinition(quick);
  const records: TrialRecord[] = await runDefinition(definition, directory, options);
  const report = await writeExperimentReport(directory, records, NAME);
  const training = definition.training as { epochs: number };
  return {
    name: NAME,
    question: 'With the same number of trained configurations, does tuning one L2 coefficient per layer beat one shared (uniform) coefficient on held-out data?',
    setup:
      `MLP 64 → 128 → 64 → 32 ReLU → 10 softmax, Adam (lr 1e-3), batch 64, ${training.epochs} epochs, on shipped \`digits\` ` +
      '(1,797 8x8 images) standardized with train-part statistics; stratified random split 60% train / 20% validation / 20% test (split seed 0). ' +
      `Arms: \`uniform\` (one L2 for every kernel) and \`per-layer\` (L2 per kernel: dense_1, dense_2, dense_3, output), each log-uniform in [1e-6, 1e-1], ` +
      `TPE sampler, budget ${definition.budget} configurations per arm, seeds ${(definition.seeds as number[]).join(', ')} for every configuration (paired). ` +
      `Selection on validation loss; comparison on test. Backend: ${backend}.`,
    markdown: `${reporterMarkdown(report)}\n\nSelected configurations (final metrics, mean ± std over seeds):\n\n${settingsTable(selectedSettings(report, records))}`,
    reportDirectory: `${directory}/report`,
    trainingSeconds: trainingSeconds(records),
    trials: records.length,
    seconds: (Date.now() - started) / 1000,
  };
}

if (require.main === module) main(run);
