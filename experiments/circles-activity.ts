/**
 * circles-activity: where does an activity regularizer belong, before or after the ReLU? The same
 * 2 → 500 → 1 MLP and training as moons-weight-decay, on the shipped circles (sklearn
 * make_circles(100, noise=0.1, random_state=1), first 30 points train, remaining 70 test), with
 * activity L1(1e-4) on the hidden layer. The definition is experiments/sweeps/circles-activity.json
 * (`layerwise sweep` runs it as is). Its model has the hidden activation as its own layer
 * (`activationLayers`: a linear `dense_1`, then `activation_1`), so placement is an arm's choice
 * of layer:
 *   - before-relu: activity L1 on `dense_1` (the penalty sees pre-activations, negative ones included);
 *   - after-relu:  activity L1 on `activation_1` (the penalty sees only what passes the ReLU: the
 *                  same as a Dense(relu) layer's activity regularizer);
 *   - baseline:    a `none` arm, no penalty.
 *
 *   npx ts-node --transpile-only experiments/circles-activity.ts [--quick]
 */
import type { TrialRecord } from '../lib/sweep';
import { ExperimentOptions, ExperimentResult, ensureBackend, trainingSeconds, main, runDefinition, runDirectory, settingsTable, studyDefinition, writeExperimentReport } from './common';

export const NAME = 'circles-activity';

export type Placement = 'baseline' | 'before-relu' | 'after-relu';
export const PLACEMENTS: readonly Placement[] = ['baseline', 'before-relu', 'after-relu'];

/** The study's definition (experiments/sweeps/circles-activity.json); quick: 400 epochs, seeds 1-2. */
export function circlesDefinition(quick: boolean): Record<string, unknown> {
  return studyDefinition(NAME, quick ? { epochs: 400, seeds: [1, 2], evaluateEvery: 100 } : undefined);
}

const LABELS: Record<Placement, string> = {
  baseline: 'baseline (no penalty)',
  'before-relu': 'activity L1(1e-4) before the ReLU',
  'after-relu': 'activity L1(1e-4) after the ReLU',
};

export async function run(options: ExperimentOptions = {}): Promise<ExperimentResult> {
  const started = Date.now();
  const backend = await ensureBackend();
  const quick = options.quick === true;
  const directory = runDirectory(options, NAME);
  const definition = circlesDefinition(quick);
  const records = await runDefinition(definition, directory, options);
  records.sort((a, b) => PLACEMENTS.indexOf(a.arm as Placement) - PLACEMENTS.indexOf(b.arm as Placement) || a.seed - b.seed);
  await writeExperimentReport(directory, records, NAME, { baselineArm: 'after-relu', candidateArm: 'before-relu' });
  const penalties = records
    .filter((record) => record.arm !== 'baseline' && record.final)
    .flatMap((record) => Object.entries(record.final!.penaltyPerLayer).filter(([slot]) => slot.endsWith('.activity')).map(([, value]) => value));
  const training = definition.training as { epochs: number };
  const seeds = definition.seeds as number[];
  return {
    name: NAME,
    question: 'Does activity L1(1e-4) on the hidden layer help, and does it matter whether it penalizes the pre-activations (before the ReLU) or the ReLU output?',
    setup:
      `Same MLP and training as moons-weight-decay (2 → 500 → 1 sigmoid, Adam lr 1e-3, binary cross-entropy, ${training.epochs} full-batch epochs) ` +
      'on shipped `circles` (sklearn `make_circles(100, noise=0.1, random_state=1)`), first 30 points train, remaining 70 test. ' +
      'The hidden ReLU is its own layer (`activationLayers`): "before" = activity L1 on the linear `dense_1`, "after" = on `activation_1` (the ReLU output), ' +
      `"baseline" = a \`none\` arm. Seeds ${seeds.join(', ')} (paired). Sweep definition \`experiments/sweeps/circles-activity.json\`. Backend: ${backend}.` +
      (penalties.length > 0 ? ` Final activity penalty on the train split ranges ${Math.min(...penalties).toExponential(2)} … ${Math.max(...penalties).toExponential(2)}.` : ''),
    markdown: settingsTable(records, (record: TrialRecord) => LABELS[record.arm as Placement]),
    reportDirectory: `${directory}/report`,
    trainingSeconds: trainingSeconds(records),
    trials: records.length,
    seconds: (Date.now() - started) / 1000,
  };
}

if (require.main === module) main(run);
