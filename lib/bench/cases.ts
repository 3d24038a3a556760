import * as tf from '@tensorflow/tfjs';
import type { BackendName } from '../backend';
import { syntheticData } from './data';
import { BENCH_MODEL_SHAPES, BenchModelName, buildRawModel } from './models';

/** What a case is asked to do in one worker process (the backend is already active). */
export interface BenchCaseArgs {
  model: BenchModelName;
  backend: BackendName;
  /** Samples per epoch. */
  samples: number;
  /** Batch size (the model's standard one: mlp 128, cnn 64). */
  batchSize: number;
  /** Untimed epochs first (graph building, kernel warm-up, allocator growth). */
  warmupEpochs: number;
  /** Timed epochs; the reported throughput is the median over them. */
  timedEpochs: number;
  /** Seed of the synthetic data. */
  seed: number;
}

/**
 * A way of training a benchmark model. The bench runs every registered case on every backend and
 * model it supports, and reports each case's ratio to Keras and to `raw-fit` (the wrapper overhead).
 * To benchmark layerwise's own training loop, push a case onto {@link benchCases} (or add one here)
 * whose `run` builds the same model through layerwise (with a regularization policy) and trains it.
 */
export interface BenchCase {
  /** Stable id used in the table and the JSON, e.g. `raw-fit`, `layerwise-train`. */
  id: string;
  /** One line saying what is measured. */
  description: string;
  /** Models it can run. Default both. */
  models?: readonly BenchModelName[];
  /** Backends it can run on. Default all. */
  backends?: readonly BackendName[];
  /** Trains and returns the wall time in seconds of each timed epoch (length `timedEpochs`). */
  run(args: BenchCaseArgs): Promise<number[]>;
}

/**
 * Trains with tfjs-layers' own `model.fit` and times each epoch from callbacks. `verbose: 0`
 * matters: tfjs-node registers a progress-bar logger for verbose 1 (fit's default), which costs time.
 */
export const rawFitCase: BenchCase = {
  id: 'raw-fit',
  description: 'tfjs-layers model.fit on a model built with tf.layers (no layerwise)',
  async run(args: BenchCaseArgs): Promise<number[]> {
    const model = buildRawModel(args.model);
    const { x, y } = syntheticData(args.model, args.samples, args.seed);
    const durations = await timeFitEpochs(model, x, y, args);
    tf.dispose([x, y]);
    model.dispose();
    return durations;
  },
};

/** Runs `fit` for warm-up + timed epochs and returns the timed epochs' durations in seconds. */
export async function timeFitEpochs(model: tf.LayersModel, x: tf.Tensor, y: tf.Tensor, args: BenchCaseArgs): Promise<number[]> {
  const durations: number[] = [];
  let started = 0;
  await model.fit(x, y, {
    batchSize: args.batchSize ?? BENCH_MODEL_SHAPES[args.model].batchSize,
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

/** Every case the bench runs. The lead appends the layerwise cases here. */
export const benchCases: BenchCase[] = [rawFitCase];
