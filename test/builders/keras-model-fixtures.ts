/** Reads the Keras 3.15 fixtures written by test/fixtures/keras-models/generate.py. */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';

export const FIXTURE_DIR = path.join(__dirname, '..', 'fixtures', 'keras-models');
export const FIXTURE_NAMES = ['mlp', 'cnn', 'rnn', 'functional', 'gap2d'] as const;

/** What Keras computed on the fixture's inputs (see generate.py for each field). */
export interface KerasExpectation {
  source: string;
  loss: string;
  x: unknown[];
  xDtype: string;
  y: unknown[];
  predictions: unknown[];
  penalty: number;
  weightPenalties: Record<string, number>;
  activityPenalty: number;
  evaluateLoss: number;
}

export function expectation(name: string): KerasExpectation {
  return JSON.parse(fs.readFileSync(path.join(FIXTURE_DIR, `${name}.expected.json`), 'utf8')) as KerasExpectation;
}

export function inputsOf(expected: KerasExpectation): { x: tf.Tensor; y: tf.Tensor } {
  return { x: tf.tensor(expected.x as number[], undefined, expected.xDtype === 'int32' ? 'int32' : 'float32'), y: tf.tensor(expected.y as number[]) };
}

/** Largest |a - b| over two tensors. */
export function maxAbsDifference(a: tf.Tensor, b: tf.Tensor | number[] | unknown[]): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b instanceof tf.Tensor ? b : tf.tensor(b as number[])))).dataSync()[0]);
}

/** Relative closeness with an absolute floor for values near 0 (float32 round-off). */
export function expectClose(actual: number, expected: number, relative: number, absolute: number): void {
  const tolerance = Math.max(absolute, relative * Math.abs(expected));
  if (!(Math.abs(actual - expected) <= tolerance)) {
    throw new Error(`expected ${actual} to be within ${tolerance} of ${expected} (|diff| = ${Math.abs(actual - expected)})`);
  }
}
