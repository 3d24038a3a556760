import * as tf from '@tensorflow/tfjs';
import type { BackendName } from '../lib/backend';
import { syntheticData } from './data';
import { applyPolicy, uniform } from '../lib/policy';
import { l2 } from '../lib/regularizers';
import { timeFitEpochs as timeFitEpochsOfTraining, timeTrainEpochs } from './epoch-timing';
import { BENCH_MODEL_SHAPES, BenchModelName, buildArchitecture, buildRawModel } from './models';

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
export function timeFitEpochs(model: tf.LayersModel, x: tf.Tensor, y: tf.Tensor, args: BenchCaseArgs): Promise<number[]> {
  return timeFitEpochsOfTraining(model, x, y, {
    batchSize: args.batchSize ?? BENCH_MODEL_SHAPES[args.model].batchSize,
    warmupEpochs: args.warmupEpochs,
    timedEpochs: args.timedEpochs,
  });
}

/**
 * The benchmark model built through layerwise: the plain architecture plus a regularization policy,
 * `uniform({regularizer: l2({l2: 1e-4})})` on the MLP (kernels only: the same penalties as the raw
 * and Keras models) and an empty `uniform()` on the CNN (which has none in Keras either).
 */
export function buildPolicyModel(name: BenchModelName): tf.LayersModel {
  const plain = buildArchitecture(name, false);
  const policy = name === 'mlp' ? uniform({ regularizer: l2({ l2: 1e-4 }) }) : uniform();
  const model = applyPolicy(plain, policy);
  plain.dispose();
  return model;
}

/** layerwise's `train` (seeded loop, Adam, shuffling on) on the policy-applied model; training steps only, the one measurement at the end is not timed. */
export const layerwiseTrainCase: BenchCase = {
  id: 'layerwise-train',
  description: 'layerwise train(model, data) on the model built with a layerwise policy (Adam 1e-3, shuffle on)',
  async run(args: BenchCaseArgs): Promise<number[]> {
    const model = buildPolicyModel(args.model);
    const { x, y } = syntheticData(args.model, args.samples, args.seed);
    const { training } = await timeTrainEpochs(model, x, y, {
      batchSize: args.batchSize,
      warmupEpochs: args.warmupEpochs,
      timedEpochs: args.timedEpochs,
      loss: 'categoricalCrossentropy',
      trainOptions: { optimizer: { name: 'adam', learningRate: 1e-3 }, seed: args.seed },
    });
    tf.dispose([x, y]);
    model.dispose();
    return training;
  },
};

/** tfjs-layers `fit` on the policy-applied model: the wrapper's overhead when a user keeps using fit. */
export const layerwiseFitCase: BenchCase = {
  id: 'layerwise-fit',
  description: 'tfjs-layers model.fit on the model built with a layerwise policy',
  async run(args: BenchCaseArgs): Promise<number[]> {
    const model = buildPolicyModel(args.model);
    model.compile({ optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy' });
    const { x, y } = syntheticData(args.model, args.samples, args.seed);
    const durations = await timeFitEpochs(model, x, y, args);
    tf.dispose([x, y]);
    model.dispose();
    return durations;
  },
};

/** Every case the bench runs, in this order in each backend's worker. */
export const benchCases: BenchCase[] = [rawFitCase, layerwiseFitCase, layerwiseTrainCase];
