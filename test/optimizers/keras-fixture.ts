/**
 * Loader for test/fixtures/keras-defaults/defaults-optimizers.json, written by real Keras 3.15 with
 * test/parity/generate_defaults_optimizers.py (field meanings in its docstring).
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';

export interface FixtureTensor {
  shape: number[];
  values: number[];
}

export interface DefaultsOptimizersFixture {
  versions: Record<string, string>;
  recurrent: Array<{
    factory: 'lstm' | 'gru' | 'convLstm2d';
    kerasClass: string;
    args: Record<string, unknown>;
    kerasConfig: Record<string, unknown>;
    initialBias: FixtureTensor;
    weights: Array<FixtureTensor & { name: string }>;
    x: FixtureTensor;
    y: FixtureTensor;
    prediction: FixtureTensor;
    loss: number;
  }>;
  recurrentTraining: Array<{
    factory: 'lstm' | 'gru';
    args: Record<string, unknown>;
    initialWeights: FixtureTensor[];
    x: FixtureTensor;
    y: FixtureTensor;
    losses: number[];
    finalWeights: FixtureTensor[];
  }>;
  initializers: Array<{
    factory: string;
    args: Record<string, unknown>;
    inputShape: number[];
    initializer: string;
    kernelShape: number[];
    limit: number;
    kerasMaxAbs: number;
    kerasStd: number;
  }>;
  optimizers: {
    x: FixtureTensor;
    y: FixtureTensor;
    initialWeights: FixtureTensor[];
    epochs: number;
    cases: Array<{ spec: Record<string, unknown>; losses: number[]; finalWeights: FixtureTensor[] }>;
  };
  schedules: Array<{ spec: Record<string, unknown>; values: number[] }>;
}

export function loadDefaultsOptimizersFixture(): DefaultsOptimizersFixture {
  const file = path.join(__dirname, '..', 'fixtures', 'keras-defaults', 'defaults-optimizers.json');
  return JSON.parse(fs.readFileSync(file, 'utf8')) as DefaultsOptimizersFixture;
}

export function toTensor(json: FixtureTensor): tf.Tensor {
  return tf.tensor(json.values, json.shape, 'float32');
}

/** Largest |ours − keras| − bound over the values, with bound = relative·|keras| + absolute (≤ 0: within). */
export function worstExcess(ours: ArrayLike<number>, keras: readonly number[], relative: number, absolute: number): { excess: number; index: number; ours: number; keras: number } {
  let worst = { excess: -Infinity, index: -1, ours: NaN, keras: NaN };
  keras.forEach((expected, index) => {
    const actual = ours[index];
    const excess = Number.isNaN(actual) ? Infinity : Math.abs(actual - expected) - (relative * Math.abs(expected) + absolute);
    if (excess > worst.excess) worst = { excess, index, ours: actual, keras: expected };
  });
  return worst;
}
