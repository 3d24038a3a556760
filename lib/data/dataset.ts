/**
 * The in-memory form of every data set: plain typed arrays, no tensors, so data can be split,
 * normalized and inspected without touching a backend. `toTensors` turns it into tf tensors.
 */
export interface Dataset {
  /** A short name for messages and reports, e.g. 'moons' or 'mnist:train'. */
  name: string;
  /** Features, row-major: sample i's features are `x[i * featureCount .. (i + 1) * featureCount)`. */
  x: Float64Array;
  /** Integer class label of each sample, in [0, classCount). */
  y: Int32Array;
  /** Number of samples (rows). */
  sampleCount: number;
  /** Number of features per sample (columns of x). */
  featureCount: number;
  /** Number of classes; labels are 0..classCount-1. */
  classCount: number;
  /** Feature names, one per feature, when the source has them (CSV header). */
  featureNames?: string[];
  /** For images: [height, width, channels] with height*width*channels = featureCount, pixel order row-major. */
  imageShape?: [number, number, number];
  /**
   * Regression targets, row-major [sampleCount, targetCount]: present only on a regression data
   * set. Such a data set has no classes: `classCount` is 1 and `y` holds zeros (kept so every
   * class-label consumer still sees a valid array); `toTensors` gives these values as y.
   */
  targets?: Float64Array;
  /** Number of regression targets per sample (columns of `targets`); present with `targets`. */
  targetCount?: number;
  /** Names of the regression targets (CSV header), one per target column. */
  targetNames?: string[];
}

/** True when `dataset` holds regression targets rather than class labels. */
export function isRegressionDataset(dataset: Dataset): dataset is Dataset & { targets: Float64Array; targetCount: number } {
  return dataset.targets !== undefined;
}

/** Checks the invariants of a Dataset and returns it; throws naming the field and the bad value. */
export function validateDataset(dataset: Dataset): Dataset {
  const where = `dataset "${dataset.name}"`;
  const { sampleCount, featureCount, classCount } = dataset;
  if (!Number.isInteger(sampleCount) || sampleCount < 0) {
    throw new Error(`${where}: sampleCount must be a non-negative integer, got ${sampleCount}`);
  }
  if (!Number.isInteger(featureCount) || featureCount < 1) {
    throw new Error(`${where}: featureCount must be a positive integer, got ${featureCount}`);
  }
  if (!Number.isInteger(classCount) || classCount < 1) {
    throw new Error(`${where}: classCount must be a positive integer, got ${classCount}`);
  }
  if (dataset.x.length !== sampleCount * featureCount) {
    throw new Error(`${where}: x has ${dataset.x.length} values, expected sampleCount * featureCount = ${sampleCount * featureCount}`);
  }
  if (dataset.y.length !== sampleCount) {
    throw new Error(`${where}: y has ${dataset.y.length} labels, expected sampleCount = ${sampleCount}`);
  }
  for (let i = 0; i < sampleCount; i++) {
    const label = dataset.y[i];
    if (label < 0 || label >= classCount) {
      throw new Error(`${where}: label ${label} of sample ${i} is outside 0..${classCount - 1}`);
    }
  }
  if (dataset.featureNames !== undefined && dataset.featureNames.length !== featureCount) {
    throw new Error(`${where}: featureNames has ${dataset.featureNames.length} names, expected featureCount = ${featureCount}`);
  }
  if (dataset.targets !== undefined || dataset.targetCount !== undefined) {
    const targetCount = dataset.targetCount;
    if (dataset.targets === undefined || !Number.isInteger(targetCount) || (targetCount as number) < 1) {
      throw new Error(`${where}: regression targets need both targets and targetCount (an integer >= 1), got targetCount ${String(targetCount)}`);
    }
    if (dataset.targets.length !== sampleCount * (targetCount as number)) {
      throw new Error(`${where}: targets has ${dataset.targets.length} values, expected sampleCount * targetCount = ${sampleCount * (targetCount as number)}`);
    }
    const bad = dataset.targets.findIndex((value) => !Number.isFinite(value));
    if (bad >= 0) throw new Error(`${where}: target ${bad % (targetCount as number)} of sample ${Math.floor(bad / (targetCount as number))} is ${dataset.targets[bad]}; every target must be finite`);
    if (dataset.targetNames !== undefined && dataset.targetNames.length !== targetCount) {
      throw new Error(`${where}: targetNames has ${dataset.targetNames.length} names, expected targetCount = ${targetCount}`);
    }
  }
  if (dataset.imageShape !== undefined) {
    const [height, width, channels] = dataset.imageShape;
    if (height * width * channels !== featureCount) {
      throw new Error(`${where}: imageShape [${dataset.imageShape.join(', ')}] holds ${height * width * channels} values, expected featureCount = ${featureCount}`);
    }
  }
  return dataset;
}

/** A new Dataset holding the given samples, in the given order (indices may repeat). */
export function selectSamples(dataset: Dataset, indices: ArrayLike<number>, name = dataset.name): Dataset {
  const { featureCount } = dataset;
  const x = new Float64Array(indices.length * featureCount);
  const y = new Int32Array(indices.length);
  const targetCount = dataset.targetCount ?? 0;
  const targets = dataset.targets !== undefined ? new Float64Array(indices.length * targetCount) : undefined;
  for (let row = 0; row < indices.length; row++) {
    const source = indices[row];
    if (!Number.isInteger(source) || source < 0 || source >= dataset.sampleCount) {
      throw new Error(`selectSamples: index ${source} is outside 0..${dataset.sampleCount - 1} of dataset "${dataset.name}"`);
    }
    x.set(dataset.x.subarray(source * featureCount, (source + 1) * featureCount), row * featureCount);
    y[row] = dataset.y[source];
    if (targets !== undefined) targets.set((dataset.targets as Float64Array).subarray(source * targetCount, (source + 1) * targetCount), row * targetCount);
  }
  return targets === undefined ? { ...dataset, name, x, y, sampleCount: indices.length } : { ...dataset, name, x, y, targets, sampleCount: indices.length };
}

/** Sample i's features as a plain array (for inspection and tests). */
export function sampleFeatures(dataset: Dataset, index: number): number[] {
  return Array.from(dataset.x.subarray(index * dataset.featureCount, (index + 1) * dataset.featureCount));
}

/** How many samples carry each label, indexed by label. */
export function labelCounts(dataset: Dataset): number[] {
  const counts = new Array<number>(dataset.classCount).fill(0);
  for (let i = 0; i < dataset.sampleCount; i++) counts[dataset.y[i]]++;
  return counts;
}
