/**
 * The JSON form of a Keras parity fixture (written by test/parity/generate_fixtures.py), and its loader.
 * Field meanings are documented in the generator's module docstring.
 */
import * as fs from 'fs';
import * as path from 'path';

import type { KerasRegularizerConfig } from '../../lib/regularizers';

/** A Keras regularizer config as `keras.regularizers.serialize` writes it. */
export type KerasConfig = KerasRegularizerConfig;

export interface TensorJson {
  shape: number[];
  dtype: 'float32' | 'int32';
  values: number[];
}

export interface WeightJson extends TensorJson {
  /** Keras short name: kernel, bias, recurrent_kernel, gamma, moving_mean, ... */
  name: string;
  trainable: boolean;
}

export interface LayerJson {
  /** Keras class name: Dense, Conv1D, LSTM, ... */
  type: string;
  name: string;
  /** Keras constructor arguments (snake_case), regularizers excluded. */
  args: Record<string, unknown>;
  /** Slot (kernel, bias, activity, recurrent, depthwise, pointwise, embeddings, gamma, beta) -> Keras config. */
  regularizers: Record<string, KerasConfig | null>;
  trainable: boolean;
}

/** Optimizer as the generator describes it (Keras semantics). */
export interface FixtureOptimizer {
  name: 'sgd' | 'momentum' | 'adam' | 'adamw';
  learningRate: number;
  momentum?: number;
  nesterov?: boolean;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  /** Keras `weight_decay` (decoupled). */
  weightDecay?: number;
  /** Keras `exclude_from_weight_decay(var_names=...)`: regexes searched in each variable's short name. */
  excludeFromWeightDecay?: string[];
}

/**
 * An intended difference between Keras and layerwise. None exists at present (Adam's epsilon
 * placement was one until layerwise's LeanAdam adopted Keras 3's); the replay fails on any id it
 * has no check for, so a new one cannot silently loosen a bound.
 */
export interface ExpectedDifference {
  id: string;
  quantity: string;
  reason: string;
}

export type WeightsJson = Record<string, WeightJson[]>;

export interface KerasFixture {
  format: number;
  name: string;
  description: string;
  versions: { keras: string; tensorflow: string; numpy: string; python: string };
  model: {
    input: { shape: number[]; dtype: 'float32' | 'int32'; vocabulary?: number };
    layers: LayerJson[];
    /** Calls in order: `layer` applied to tensor `input` gives tensor `output`; the model input is `input`. */
    calls: Array<{ layer: string; input: string; output: string }>;
    output: string;
  };
  /** Keras loss name. */
  loss: string;
  initialWeights: WeightsJson;
  data: { x: TensorJson; y: TensorJson };
  /** `layerName.slot` -> penalty after one inference call on all of `data.x`. */
  penalties?: Record<string, number>;
  /** `sum(model.losses)` after that call. */
  penaltyTotal?: number;
  kerasLossCount?: number;
  /** `model.evaluate(x, y, batch_size)` (includes penalties) and the data loss alone. */
  evaluate?: { batchSize: number; loss: number; dataLoss: number };
  training?: {
    optimizer: FixtureOptimizer;
    kerasOptimizer: Record<string, unknown>;
    batchSize: number;
    epochs: number;
    stepsPerEpoch: number;
    shuffle: false;
    /** `fit` history: per epoch, the batch-size-weighted mean of (data loss + penalties) over its steps. */
    epochLosses: number[];
    /** Each step's loss (weights before the step), recovered from Keras's running mean; epoch-major. */
    stepLosses: number[];
    weightsAfterFirstEpoch: WeightsJson;
    finalWeights: WeightsJson;
  };
  /** Keras raises: the error and where (`layerName.slot`). */
  expectedError?: { type: string; message: string; where: string };
  /** Documented, intended differences between Keras and layerwise/tfjs: what they affect and why. */
  expectedDifferences?: ExpectedDifference[];
}

export const FIXTURE_DIRECTORY = path.join(__dirname, '..', 'fixtures', 'keras');

/** Every fixture, sorted by name. */
export function loadFixtures(directory = FIXTURE_DIRECTORY): KerasFixture[] {
  return fs
    .readdirSync(directory)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => JSON.parse(fs.readFileSync(path.join(directory, file), 'utf8')) as KerasFixture);
}
