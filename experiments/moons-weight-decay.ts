/**
 * moons-weight-decay: the classic Keras weight-regularization study. An MLP 2 → 500 ReLU → 1
 * sigmoid overfits 30 two-moons points (sklearn make_moons(100, noise=0.2, random_state=1), the
 * first 30 train and the remaining 70 test); an L2 penalty on the hidden kernel should close the
 * train/test gap. One uniform arm restricted to `dense_1` with a `choice` grid over
 * {0 (baseline), 1e-1 … 1e-6} (1e-3 is the study's headline setting), every value with the same
 * seeds, run by `runSweep` so it resumes and is reported.
 *
 *   npx ts-node --transpile-only experiments/moons-weight-decay.ts [--quick]
 */
import { ExperimentOptions, ExperimentResult, ensureBackend, trainingSeconds, main, runDefinition, runDirectory, settingsTable, writeExperimentReport } from './common';
import type { TrialRecord } from '../lib/sweep';

export const NAME = 'moons-weight-decay';

/** The L2 coefficients of the grid; 0 is the unregularized baseline. */
export const COEFFICIENTS = [0, 1e-1, 1e-2, 1e-3, 1e-4, 1e-5, 1e-6];

export function moonsDefinition(quick: boolean): Record<string, unknown> {
  return {
    name: quick ? `${NAME}-quick` : NAME,
    description: 'L2 on the hidden kernel of a 2-500-1 MLP, 30 train / 70 test two-moons points, 4,000 full-batch Adam epochs.',
    objective: 'train',
    model: { type: 'mlp', inputSize: 2, hidden: [500], outputSize: 1, activation: 'relu', task: 'binary' },
    data: { dataset: 'moons', split: { ordered: true, train: 30 } },
    training: {
      epochs: quick ? 400 : 4000,
      batchSize: 30,
      optimizer: { name: 'adam', learningRate: 1e-3 },
      evaluateEvery: quick ? 100 : 250,
    },
    arms: [{ name: 'l2', kind: 'uniform', layers: ['dense_1'], penalties: { l2: { type: 'choice', values: COEFFICIENTS } } }],
    budget: COEFFICIENTS.length,
    seeds: quick ? [1, 2] : [1, 2, 3],
    sampler: { type: 'grid', seed: 0 },
  };
}

function label(record: TrialRecord): string {
  const value = Number(record.params.l2);
  return value === 0 ? 'baseline (no penalty)' : `L2(${value.toExponential(0)}) on dense_1`;
}

export async function run(options: ExperimentOptions = {}): Promise<ExperimentResult> {
  const started = Date.now();
  const backend = await ensureBackend();
  const quick = options.quick === true;
  const directory = runDirectory(options, NAME);
  const records = await runDefinition(moonsDefinition(quick), directory, options);
  records.sort((a, b) => a.index - b.index || a.seed - b.seed);
  await writeExperimentReport(directory, records, NAME);
  const epochs = quick ? 400 : 4000;
  return {
    name: NAME,
    question: 'Does an L2 penalty on the hidden kernel close the train/test gap of an over-parameterized MLP on 30 two-moons points, and which coefficient works best?',
    setup:
      `MLP 2 → 500 ReLU → 1 sigmoid, Adam (lr 1e-3), binary cross-entropy, ${epochs} full-batch epochs; shipped \`moons\` ` +
      '(sklearn `make_moons(100, noise=0.2, random_state=1)`), first 30 points train, remaining 70 test (no validation: every ' +
      `setting is reported, none selected). L2 on \`dense_1\`'s kernel over {0, 1e-1 … 1e-6}, seeds ${quick ? '1, 2' : '1, 2, 3'}; ` +
      `sweep definition: grid sampler, one uniform arm restricted to \`dense_1\`. Backend: ${backend}.`,
    markdown: settingsTable(records, label),
    reportDirectory: `${directory}/report`,
    trainingSeconds: trainingSeconds(records),
    trials: records.length,
    seconds: (Date.now() - started) / 1000,
  };
}

if (require.main === module) main(run);
