/**
 * Shapes checked before the first step: a model built for 2 features given 3 must fail with both
 * shapes in the message, on every backend (the native one otherwise says `Invalid TF_Status: 3`,
 * the others fail inside a matMul naming neither the model nor the data).
 */
import * as tf from '@tensorflow/tfjs';
import { LayerwiseConfigError } from '../errors/config-error';
import type { TrainData } from './options';
import type { SplitName } from './record';

type Shape = readonly (number | null)[];

function format(shape: Shape): string {
  return `[${shape.map((size) => (size === null ? 'batch' : String(size))).join(', ')}]`;
}

/** The model's declared shape (inputs[0] or outputs[0]), or undefined when the model has none yet (an unbuilt Sequential) or several. */
function declaredShape(model: tf.LayersModel, which: 'inputs' | 'outputs'): Shape | undefined {
  try {
    const tensors = model[which];
    return tensors != null && tensors.length === 1 ? tensors[0].shape : undefined;
  } catch {
    return undefined;
  }
}

/** True when `actual` (a data tensor's shape, batch first) fits `expected` (a model shape, null = any). */
function fits(expected: Shape, actual: readonly number[]): boolean {
  return expected.length === actual.length && expected.every((size, axis) => axis === 0 || size === null || size === actual[axis]);
}

/**
 * Checks every split's `x` against the model's input shape and `y` against its output shape.
 * Labels may be one rank lower than the output (sparse class indices) or end in 1 (binary or
 * sparse labels of shape [n, 1]); everything else must match where the model fixes a size.
 */
export function checkDataShapes(model: tf.LayersModel, data: TrainData): void {
  const input = declaredShape(model, 'inputs');
  const output = declaredShape(model, 'outputs');
  for (const name of ['train', 'validation', 'test'] as SplitName[]) {
    const split = data[name];
    if (split == null) continue;
    if (input !== undefined && !fits(input, split.x.shape)) {
      const features = input.length === 2 && split.x.shape.length === 2 ? ` (${split.x.shape[1]} features given, the model takes ${input[1]})` : '';
      throw new LayerwiseConfigError(
        `train.data.${name}.x`,
        `: shape ${format(split.x.shape)} does not fit the model's input shape ${format(input)}${features}; give data with the model's input shape, or build the model for this data`,
      );
    }
    if (output === undefined) continue;
    const y = split.y.shape;
    const sparse = y.length === output.length - 1 && fits(output.slice(0, -1), y);
    const columnOfLabels = y.length === output.length && y[y.length - 1] === 1 && fits(output.slice(0, -1), y.slice(0, -1));
    if (!(fits(output, y) || sparse || columnOfLabels)) {
      throw new LayerwiseConfigError(
        `train.data.${name}.y`,
        `: shape ${format(y)} does not fit the model's output shape ${format(output)}; give targets with the model's output shape (one-hot with ${output[output.length - 1]} columns), class indices, or build the model for this data`,
      );
    }
  }
}
