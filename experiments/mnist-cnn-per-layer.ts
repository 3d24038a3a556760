/**
 * mnist-cnn-per-layer: do convolutional and dense layers want different decoupled weight decay?
 * A small CNN (conv 8 → pool → conv 16 → pool → dense 64 → 10) on the shipped MNIST subset,
 * two arms at equal budgets with paired seeds: `uniform` (one AdamW-style decay rate for every
 * kernel) and `per-layer` (one rate per kernel: conv_1, conv_2, dense_1, output), random sampler.
 * Convolutions are too slow on the pure-JS fallback, so the study needs the native backend; on
 * any other backend it says why it is skipped and exits 0.
 *
 *   npx ts-node --transpile-only experiments/mnist-cnn-per-layer.ts [--quick]
 */
import { ExperimentOptions, ExperimentResult, ensureBackend, trainingSeconds, main, reporterMarkdown, runDefinition, runDirectory, settingsTable, studyDefinition, writeExperimentReport } from './common';
import { selectedSettings } from './selected';

export const NAME = 'mnist-cnn-per-layer';

/** The study's definition (experiments/sweeps/mnist-cnn-per-layer.json); quick: 500 training images, 2 epochs, budget 2, seed 1. */
export function mnistDefinition(quick: boolean): Record<string, any> {
  if (!quick) return studyDefinition(NAME);
  const config = studyDefinition(NAME, { epochs: 2, seeds: [1], budget: 2 });
  config.data = { ...config.data, split: { ...config.data.split, train: 500 } };
  return config;
}

export async function run(options: ExperimentOptions = {}): Promise<ExperimentResult> {
  const started = Date.now();
  const backend = await ensureBackend();
  const quick = options.quick === true;
  const definition = mnistDefinition(quick);
  const training = definition.training as { epochs: number };
  const question = 'Do convolutional and dense layers of a small CNN want different decoupled weight decay rates, and does tuning them separately beat one uniform rate at equal budget?';
  const setup =
    'CNN conv 3x3x8 → max-pool 2 → conv 3x3x16 → max-pool 2 → dense 64 ReLU → 10 softmax, Adam (lr 1e-3), batch 64, ' +
    `${training.epochs} epochs, on the shipped MNIST subset (${quick ? '500' : '2,500'} train / 500 validation from the 3,000 training images, 1,000 test images). ` +
    'Arms: `uniform` (one decoupled weight-decay rate, w ← w − lr·wd·w, for every kernel) and `per-layer` (one rate each for conv_1, conv_2, dense_1, output), ' +
    `log-uniform in [1e-4, 1], random sampler, budget ${definition.budget} per arm, seeds ${(definition.seeds as number[]).join(', ')} (paired). ` +
    `Selection on validation loss. Backend: ${backend}.`;
  if (backend !== 'tensorflow') {
    return {
      name: NAME,
      question,
      setup,
      markdown: `Skipped: the active backend is "${backend}", not the native "tensorflow" backend; convolutions on the pure-JS fallback are 20-100x slower, so this study would take hours. Install the native backend (npm run native:install) and rerun.`,
      seconds: (Date.now() - started) / 1000,
      skipped: true,
    };
  }
  const directory = runDirectory(options, NAME);
  const records = await runDefinition(definition, directory, options);
  const report = await writeExperimentReport(directory, records, NAME);
  return {
    name: NAME,
    question,
    setup,
    markdown: `${reporterMarkdown(report)}\n\nSelected configurations (final metrics, mean ± std over seeds):\n\n${settingsTable(selectedSettings(report, records))}`,
    reportDirectory: `${directory}/report`,
    trainingSeconds: trainingSeconds(records),
    trials: records.length,
    seconds: (Date.now() - started) / 1000,
  };
}

if (require.main === module) main(run);
