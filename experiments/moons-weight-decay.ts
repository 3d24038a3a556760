/**
 * moons-weight-decay: the classic Keras weight-regularization study. An MLP 2 → 500 ReLU → 1
 * sigmoid overfits 30 two-moons points (sklearn make_moons(100, noise=0.2, random_state=1), the
 * first 30 train and the remaining 70 test); an L2 penalty on the hidden kernel should close the
 * train/test gap. The definition is experiments/sweeps/moons-weight-decay.json (`layerwise sweep`
 * runs it as is): a `none` arm (no penalty, the baseline) and one uniform arm restricted to
 * `dense_1` with a `choice` grid over {1e-1 … 1e-6} (1e-3 is the study's headline setting), every
 * value with the same seeds, run by `runSweep` so it resumes and is reported.
 *
 *   npx ts-node --transpile-only experiments/moons-weight-decay.ts [--quick]
 */
import { ExperimentOptions, ExperimentResult, ensureBackend, trainingSeconds, sweepWallSeconds, main, runDefinition, runDirectory, settingsTable, studyDefinition, writeExperimentReport } from './common';
import type { TrialRecord } from '../lib/sweep';
import { pairedAgainstReference } from './paired-table';

export const NAME = 'moons-weight-decay';

/** The study's definition (experiments/sweeps/moons-weight-decay.json); quick: 400 epochs, seeds 1-2. */
export function moonsDefinition(quick: boolean): Record<string, unknown> {
  return studyDefinition(NAME, quick ? { epochs: 400, seeds: [1, 2], evaluateEvery: 100 } : undefined);
}

function label(record: TrialRecord): string {
  if (record.params.l2 === undefined) return 'baseline (no penalty)';
  return `L2(${Number(record.params.l2).toExponential(0)}) on dense_1`;
}

/** Which setting has the lowest mean test loss and which the highest mean test accuracy (the question's "which works best"). */
function moonsConclusion(records: readonly TrialRecord[]): string {
  const groups = new Map<string, TrialRecord[]>();
  for (const record of records.filter((r) => r.state === 'complete' && r.final?.test)) groups.set(label(record), [...(groups.get(label(record)) ?? []), record]);
  const average = (group: TrialRecord[], of: (r: TrialRecord) => number | undefined) => group.reduce((sum, r) => sum + (of(r) ?? Number.NaN), 0) / group.length;
  const settings = [...groups.entries()];
  if (settings.length === 0) return 'no completed trials.';
  const byLoss = [...settings].sort((a, b) => average(a[1], (r) => r.final!.test!.loss) - average(b[1], (r) => r.final!.test!.loss))[0];
  const byAccuracy = [...settings].sort((a, b) => average(b[1], (r) => r.final!.test!.accuracy) - average(a[1], (r) => r.final!.test!.accuracy))[0];
  const baseline = groups.get('baseline (no penalty)');
  const penalized = settings.filter(([key]) => key !== 'baseline (no penalty)');
  const baseLoss = baseline ? average(baseline, (r) => r.final!.test!.loss) : Number.NaN;
  const baseAccuracy = baseline ? average(baseline, (r) => r.final!.test!.accuracy) : Number.NaN;
  const lowerLoss = penalized.filter(([, group]) => average(group, (r) => r.final!.test!.loss) < baseLoss).length;
  const lowerAccuracy = penalized.filter(([, group]) => average(group, (r) => r.final!.test!.accuracy) < baseAccuracy).map(([key]) => key);
  return (
    `${lowerLoss} of ${penalized.length} L2 settings have a lower mean test loss than no penalty (paired intervals above); the lowest mean test loss is ${byLoss[0]} ` +
    `(${average(byLoss[1], (r) => r.final!.test!.loss).toFixed(4)}), the highest mean test accuracy ${byAccuracy[0]} (${average(byAccuracy[1], (r) => r.final!.test!.accuracy).toFixed(3)}); ` +
    `${lowerAccuracy.length === 0 ? 'no setting loses test accuracy on average' : `lower mean test accuracy than no penalty: ${lowerAccuracy.join(', ')}`}. ` +
    'This is the shape of the published Keras weight-regularization table (1e-3 as the headline setting), re-run through the definition.'
  );
}

export async function run(options: ExperimentOptions = {}): Promise<ExperimentResult> {
  const started = Date.now();
  const backend = await ensureBackend();
  const quick = options.quick === true;
  const directory = runDirectory(options, NAME);
  const definition = moonsDefinition(quick);
  const records = await runDefinition(definition, directory, options);
  records.sort((a, b) => (a.arm === b.arm ? 0 : a.arm === 'baseline' ? -1 : 1) || a.index - b.index || a.seed - b.seed);
  await writeExperimentReport(directory, records, NAME, { baselineArm: 'baseline', candidateArm: 'l2' });
  const training = definition.training as { epochs: number };
  const seeds = definition.seeds as number[];
  return {
    name: NAME,
    question: 'Does an L2 penalty on the hidden kernel close the train/test gap of an over-parameterized MLP on 30 two-moons points, and which coefficient works best?',
    setup:
      `MLP 2 → 500 ReLU → 1 sigmoid, Adam (lr 1e-3), binary cross-entropy, ${training.epochs} full-batch epochs; shipped \`moons\` ` +
      '(sklearn `make_moons(100, noise=0.2, random_state=1)`), first 30 points train, remaining 70 test (no validation: every ' +
      `setting is reported, none selected). L2 on \`dense_1\`'s kernel over {1e-1 … 1e-6} against a \`none\` arm, seeds ${seeds.join(', ')}; ` +
      `sweep definition \`experiments/sweeps/moons-weight-decay.json\` (grid sampler), run as \`layerwise sweep experiments/sweeps/moons-weight-decay.json --out runs/moons-weight-decay/sweep --workers 1\`; this script resumes that folder. Backend: ${backend}.`,
    markdown: [
      settingsTable(records, label),
      '',
      'Each L2 setting against the baseline, paired by seed (setting − baseline):',
      '',
      pairedAgainstReference(records, label, 'baseline (no penalty)', [
        { name: 'test loss', of: (record) => record.final?.test?.loss, lowerIsBetter: true },
        { name: 'test accuracy', of: (record) => record.final?.test?.accuracy, lowerIsBetter: false },
        { name: 'loss gap', of: (record) => record.final?.lossGap, lowerIsBetter: true },
      ]),
      '',
      `**Conclusion.** ${moonsConclusion(records)}`,
    ].join('\n'),
    reportDirectory: `${directory}/report`,
    trainingSeconds: trainingSeconds(records),
    sweepWallSeconds: sweepWallSeconds(records),
    trials: records.length,
    seconds: (Date.now() - started) / 1000,
  };
}

if (require.main === module) main(run);
