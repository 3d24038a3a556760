/**
 * circles-activity: where does an activity regularizer belong, before or after the ReLU? The same
 * 2 → 500 → 1 MLP and training as moons-weight-decay, on the shipped circles (sklearn
 * make_circles(100, noise=0.1, random_state=1), first 30 points train, remaining 70 test), with
 * activity L1(1e-4) on the hidden layer:
 *   - before: a linear Dense carrying the activity regularizer, then a separate ReLU layer
 *     (the penalty sees pre-activations, negative ones included);
 *   - after:  the activity regularizer on the Dense(relu) output (the penalty sees only what passes the ReLU);
 *   - baseline: no penalty.
 * The models are custom, so the script calls `train` directly over seeds and builds TrialRecords
 * (lib/sweep/record.ts shape) for the reporter.
 *
 *   npx ts-node --transpile-only experiments/circles-activity.ts [--quick]
 */
import * as tf from '@tensorflow/tfjs';
import { layerSeed } from '../lib/builders';
import { loadDataset, splitOrdered, toTrainingData } from '../lib/data';
import { layers } from '../lib/layers';
import { l1 } from '../lib/regularizers';
import { sha256Hex } from '../lib/sweep';
import type { TrialRecord } from '../lib/sweep';
import { train } from '../lib/train';
import { ExperimentOptions, ExperimentResult, RecordCache, ensureBackend, trainingSeconds, main, runDirectory, settingsTable, writeExperimentReport } from './common';

export const NAME = 'circles-activity';

export type Placement = 'baseline' | 'before-relu' | 'after-relu';
export const PLACEMENTS: readonly Placement[] = ['baseline', 'before-relu', 'after-relu'];

/** Settings of one run of this study (also what the CI gate runs in miniature). */
export interface CirclesActivityArgs {
  /** Hidden units. Default 500. */
  hiddenUnits?: number;
  /** Full-batch epochs. Default 4000. */
  epochs?: number;
  /** Adam learning rate. Default 1e-3. */
  learningRate?: number;
  /** Activity L1 coefficient. Default 1e-4. */
  activityL1?: number;
  /** Seeds, paired across placements. Default [1, 2, 3]. */
  seeds?: number[];
  /** Epochs between evaluations (the last epoch is always evaluated). Default 250. */
  evaluateEvery?: number;
  /** Dataset name. Default 'circles'. */
  dataset?: string;
  /** Training points (ordered split). Default 30. */
  trainPoints?: number;
  onProgress?: (line: string) => void;
  /** Reuses finished trials from, and stores new ones in, this cache. Default: none. */
  cache?: RecordCache;
}

/** The model of one placement, with Glorot-uniform kernels seeded per layer like lib/builders. */
export function circlesModel(placement: Placement, hiddenUnits: number, coefficient: number, seed: number): tf.LayersModel {
  const model = tf.sequential({ name: `circles_${placement.replace('-', '_')}` });
  const init = (position: number) => tf.initializers.glorotUniform({ seed: layerSeed(seed, position) });
  const activity = placement === 'baseline' ? undefined : l1({ l1: coefficient });
  if (placement === 'before-relu') {
    model.add(layers.dense({ name: 'dense_1', units: hiddenUnits, inputShape: [2], kernelInitializer: init(1), activityRegularizer: activity }));
    model.add(tf.layers.activation({ name: 'relu_1', activation: 'relu' }));
  } else {
    model.add(layers.dense({ name: 'dense_1', units: hiddenUnits, activation: 'relu', inputShape: [2], kernelInitializer: init(1), activityRegularizer: activity }));
  }
  model.add(layers.dense({ name: 'output', units: 1, activation: 'sigmoid', kernelInitializer: init(2) }));
  return model;
}

/** Trains every placement with every seed and returns one TrialRecord per run. */
export async function runCirclesActivity(args: CirclesActivityArgs = {}): Promise<TrialRecord[]> {
  const hiddenUnits = args.hiddenUnits ?? 500;
  const epochs = args.epochs ?? 4000;
  const learningRate = args.learningRate ?? 1e-3;
  const coefficient = args.activityL1 ?? 1e-4;
  const seeds = args.seeds ?? [1, 2, 3];
  const datasetName = args.dataset ?? 'circles';
  const splits = splitOrdered(loadDataset(datasetName), { train: args.trainPoints ?? 30 });
  const sweepName = `${NAME}`;
  const records: TrialRecord[] = [];
  for (const [index, placement] of PLACEMENTS.entries()) {
    const params: TrialRecord['params'] = placement === 'baseline' ? {} : { activityL1: coefficient };
    const configuration = { hiddenUnits, epochs, learningRate, dataset: datasetName, placement, params };
    const configId = sha256Hex(JSON.stringify(configuration)).slice(0, 16);
    for (const seed of seeds) {
      const trialId = sha256Hex(`${configId}:${seed}`).slice(0, 16);
      const cached = args.cache?.get(trialId);
      if (cached !== undefined) {
        records.push(cached);
        continue;
      }
      const data = toTrainingData(splits, { labels: 'binary' });
      const model = circlesModel(placement, hiddenUnits, coefficient, seed);
      const startedAt = new Date();
      try {
        const result = await train(model, data, {
          seed,
          epochs,
          optimizer: { name: 'adam', learningRate },
          loss: 'binaryCrossentropy',
          evaluateEvery: args.evaluateEvery ?? 250,
        });
        const finishedAt = new Date();
        const state = result.status === 'diverged' ? 'diverged' : 'complete';
        const record: TrialRecord = {
          trialId,
          configId,
          sweepName,
          arm: placement,
          index,
          params,
          seed,
          state,
          attempts: 1,
          epochs: result.epochs,
          final: result.final,
          runStatus: result.status,
          divergedAtEpoch: result.divergedAtEpoch,
          backend: result.backend,
          startedAt: startedAt.toISOString(),
          finishedAt: finishedAt.toISOString(),
          seconds: (finishedAt.getTime() - startedAt.getTime()) / 1000,
        };
        records.push(record);
        args.cache?.put(record);
        args.onProgress?.(`  ${placement} seed ${seed}: test acc ${result.final.test?.accuracy?.toFixed(3)} (${((finishedAt.getTime() - startedAt.getTime()) / 1000).toFixed(1)} s)`);
      } finally {
        model.dispose();
        tf.dispose(data as unknown as tf.TensorContainer);
      }
    }
  }
  return records;
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
  const epochs = quick ? 400 : 4000;
  const seeds = quick ? [1, 2] : [1, 2, 3];
  const directory = runDirectory(options, NAME);
  const records = await runCirclesActivity({ epochs, seeds, evaluateEvery: quick ? 100 : 250, onProgress: options.onProgress, cache: new RecordCache(directory) });
  await writeExperimentReport(directory, records, NAME, { baselineArm: 'after-relu', candidateArm: 'before-relu' });
  const penaltyNote = records
    .filter((record) => record.arm !== 'baseline' && record.final)
    .map((record) => record.final!.penaltyPerLayer['dense_1.activity'])
    .filter((value): value is number => value !== undefined);
  return {
    name: NAME,
    question: 'Does activity L1(1e-4) on the hidden layer help, and does it matter whether it penalizes the pre-activations (before the ReLU) or the ReLU output?',
    setup:
      `Same MLP and training as moons-weight-decay (2 → 500 → 1 sigmoid, Adam lr 1e-3, binary cross-entropy, ${epochs} full-batch epochs) ` +
      'on shipped `circles` (sklearn `make_circles(100, noise=0.1, random_state=1)`), first 30 points train, remaining 70 test. ' +
      '"Before" = linear Dense with the activity regularizer followed by a separate ReLU layer; "after" = regularizer on the Dense(relu) output. ' +
      `Seeds ${seeds.join(', ')} (paired). Models built with lib/layers, trained with \`train\` directly. Backend: ${backend}.` +
      (penaltyNote.length > 0 ? ` Final activity penalty on the train split ranges ${Math.min(...penaltyNote).toExponential(2)} … ${Math.max(...penaltyNote).toExponential(2)}.` : ''),
    markdown: settingsTable(records, (record) => LABELS[record.arm as Placement]),
    reportDirectory: `${directory}/report`,
    trainingSeconds: trainingSeconds(records),
    trials: records.length,
    seconds: (Date.now() - started) / 1000,
  };
}

if (require.main === module) main(run);
