/**
 * Timing helpers for comparing `train` with tfjs-layers' `fit` on the same model and data:
 * each returns the wall time of every timed epoch (after warm-up epochs), training steps only.
 * No printing; `test/train/benchmark-train.ts` is the command-line runner, and bench/cases.ts uses
 * `timeTrainEpochs` as its `layerwise-train` case.
 */
import * as tf from '@tensorflow/tfjs';
import { train } from '../lib/train/train';
import type { TrainOptions } from '../lib/train/options';

/** Arguments of the epoch timers. */
export interface EpochTimingArgs {
  /** Samples per step. */
  batchSize: number;
  /** Untimed epochs first (kernel warm-up, allocator growth). */
  warmupEpochs: number;
  /** Timed epochs. */
  timedEpochs: number;
  /** Loss name. Default 'categoricalCrossentropy'. */
  loss?: string;
  /** Extra `train` options (optimizer, weightDecay, evaluateEvery, ...). Default: Adam, measured only at the last epoch. */
  trainOptions?: TrainOptions;
}

/**
 * Trains with layerwise's `train` and returns the seconds of each timed epoch's training steps
 * (shuffle included, measurement excluded) and, for the measured timed epochs (`trainOptions.evaluateEvery`,
 * default only the last epoch), the seconds including the measurement of every split.
 */
export async function timeTrainEpochs(
  model: tf.LayersModel,
  x: tf.Tensor,
  y: tf.Tensor,
  args: EpochTimingArgs,
): Promise<{ training: number[]; withMeasurement: number[] }> {
  const training: number[] = [];
  const withMeasurement: number[] = [];
  const epochs = args.warmupEpochs + args.timedEpochs;
  await train(model, { train: { x, y } }, {
    epochs,
    batchSize: args.batchSize,
    loss: args.loss ?? 'categoricalCrossentropy',
    optimizer: { name: 'adam' },
    evaluateEvery: epochs,
    ...args.trainOptions,
    onEpochTrained: (info) => {
      if (info.epoch > args.warmupEpochs) training.push(info.seconds);
    },
    onEpochEnd: (record) => {
      if (record.epoch > args.warmupEpochs) withMeasurement.push(record.seconds);
    },
  });
  return { training, withMeasurement };
}

/** Trains with `model.fit` (shuffle on, verbose 0) and returns the seconds of each timed epoch. The model must be compiled. */
export async function timeFitEpochs(model: tf.LayersModel, x: tf.Tensor, y: tf.Tensor, args: EpochTimingArgs): Promise<number[]> {
  const durations: number[] = [];
  let started = 0;
  await model.fit(x, y, {
    batchSize: args.batchSize,
    epochs: args.warmupEpochs + args.timedEpochs,
    shuffle: true,
    verbose: 0,
    callbacks: {
      onEpochBegin: async () => {
        started = performance.now();
      },
      onEpochEnd: async (epoch) => {
        if (epoch >= args.warmupEpochs) durations.push((performance.now() - started) / 1000);
      },
    },
  });
  return durations;
}

/** Median of a non-empty list. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}
