/**
 * A data set from two arrays (features and class labels) read from NumPy or IDX files: the first
 * dimension is the sample, the rest is one sample's shape. A sample shape of [h, w] or [h, w, c]
 * is kept as the image shape (a CNN gets [n, h, w, c]); any model reshapes the flat features to
 * its own input shape (a recurrent model's [timesteps, features]).
 */
import { validateDataset, type Dataset } from './dataset';
import { DataFormatError } from './errors';

/** Arguments of `datasetFromArrays`. */
export interface ArrayDatasetArgs {
  /** Name for messages and reports. */
  name: string;
  /** Features: shape [samples, ...sampleShape], values row-major. */
  x: { shape: number[]; data: ArrayLike<number> };
  /** Labels: shape [samples] or [samples, 1], integer class indices >= 0 (class count = largest + 1). */
  y: { shape: number[]; data: ArrayLike<number> };
  /** Where x and y came from, for errors (file names). */
  xSource: string;
  ySource: string;
  /** Multiply every feature by this (e.g. 1/255 for image bytes). Default 1. */
  scale?: number;
  /**
   * 'classification' (default): y holds class indices. 'regression': y holds numbers, shape
   * [samples] or [samples, targets], kept as the data set's `targets`.
   */
  task?: 'classification' | 'regression';
}

/** Features of `args.x` (scaled, checked finite) and the sample shape. */
function featuresOf(args: ArrayDatasetArgs): { features: Float64Array; sampleShape: number[]; featureCount: number } {
  const sampleShape = args.x.shape.slice(1);
  const featureCount = sampleShape.reduce((product, size) => product * size, 1);
  const scale = args.scale ?? 1;
  const features = Float64Array.from(args.x.data as ArrayLike<number>, (value) => value * scale);
  for (let index = 0; index < features.length; index++) {
    if (!Number.isFinite(features[index])) {
      const sample = Math.floor(index / featureCount);
      throw new DataFormatError({ file: args.xSource }, `feature ${index % featureCount} of sample ${sample} is ${features[index]}; every value must be finite`);
    }
  }
  return { features, sampleShape, featureCount };
}

/** A regression data set: y of shape [samples] or [samples, targets], every value finite. */
function regressionDataset(args: ArrayDatasetArgs, samples: number): Dataset {
  const { y } = args;
  if (!(y.shape.length === 1 || y.shape.length === 2) || y.shape[0] !== samples || (y.shape.length === 2 && y.shape[1] < 1)) {
    throw new DataFormatError({ file: args.ySource }, `regression targets have shape [${y.shape.join(', ')}]; expected [${samples}] or [${samples}, targets] (one row per sample of the features)`);
  }
  const targetCount = y.shape.length === 2 ? y.shape[1] : 1;
  const targets = Float64Array.from(y.data as ArrayLike<number>);
  const bad = targets.findIndex((value) => !Number.isFinite(value));
  if (bad >= 0) throw new DataFormatError({ file: args.ySource }, `target ${bad % targetCount} of sample ${Math.floor(bad / targetCount)} is ${targets[bad]}; every target must be finite`);
  const { features, sampleShape, featureCount } = featuresOf(args);
  const dataset: Dataset = { name: args.name, x: features, y: new Int32Array(samples), sampleCount: samples, featureCount, classCount: 1, targets, targetCount };
  if (sampleShape.length === 2) dataset.imageShape = [sampleShape[0], sampleShape[1], 1];
  if (sampleShape.length === 3) dataset.imageShape = [sampleShape[0], sampleShape[1], sampleShape[2]];
  return validateDataset(dataset);
}

/** Checks the shapes and labels and returns the `Dataset`; errors name the file. */
export function datasetFromArrays(args: ArrayDatasetArgs): Dataset {
  const { x, y } = args;
  if (x.shape.length < 2) throw new DataFormatError({ file: args.xSource }, `features have shape [${x.shape.join(', ')}]; expected [samples, features...] (at least 2 dimensions)`);
  const samples = x.shape[0];
  if (args.task === 'regression') return regressionDataset(args, samples);
  if (!(y.shape.length === 1 || (y.shape.length === 2 && y.shape[1] === 1)) || y.shape[0] !== samples) {
    throw new DataFormatError({ file: args.ySource }, `labels have shape [${y.shape.join(', ')}]; expected [${samples}] (one integer class per sample of the features)`);
  }
  const sampleShape = x.shape.slice(1);
  const featureCount = sampleShape.reduce((product, size) => product * size, 1);
  const labels = new Int32Array(samples);
  let largest = -1;
  for (let index = 0; index < samples; index++) {
    const value = y.data[index];
    if (!Number.isInteger(value) || value < 0) {
      throw new DataFormatError({ file: args.ySource }, `label ${value} of sample ${index} is not a class index; labels must be integers >= 0`);
    }
    labels[index] = value;
    if (value > largest) largest = value;
  }
  const scale = args.scale ?? 1;
  const features = Float64Array.from(x.data as ArrayLike<number>, (value) => value * scale);
  for (let index = 0; index < features.length; index++) {
    if (!Number.isFinite(features[index])) {
      const sample = Math.floor(index / featureCount);
      throw new DataFormatError({ file: args.xSource }, `feature ${index % featureCount} of sample ${sample} is ${features[index]}; every value must be finite`);
    }
  }
  const dataset: Dataset = { name: args.name, x: features, y: labels, sampleCount: samples, featureCount, classCount: Math.max(largest + 1, 1) };
  if (sampleShape.length === 2) dataset.imageShape = [sampleShape[0], sampleShape[1], 1];
  if (sampleShape.length === 3) dataset.imageShape = [sampleShape[0], sampleShape[1], sampleShape[2]];
  return validateDataset(dataset);
}
