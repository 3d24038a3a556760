import { Dataset } from './dataset';
import { DatasetSplits } from './split';

/** Per-feature mean and scale; plain JSON, so it can be stored with a trial's results. */
export interface Standardizer {
  /** Mean of each feature over the data it was fitted on. */
  mean: number[];
  /** Population standard deviation of each feature (ddof 0, as scikit-learn's StandardScaler); 1 where it is 0. */
  scale: number[];
}

/** Mean and standard deviation of each feature of `dataset` (fit it on training data only). */
export function fitStandardizer(dataset: Dataset): Standardizer {
  const { featureCount, sampleCount } = dataset;
  if (sampleCount === 0) throw new Error(`fitStandardizer: dataset "${dataset.name}" has no samples`);
  const mean = new Array<number>(featureCount).fill(0);
  const scale = new Array<number>(featureCount).fill(0);
  for (let i = 0; i < sampleCount; i++) for (let f = 0; f < featureCount; f++) mean[f] += dataset.x[i * featureCount + f];
  for (let f = 0; f < featureCount; f++) mean[f] /= sampleCount;
  // Two passes (sum of squared deviations), steadier than E[x^2] - E[x]^2.
  for (let i = 0; i < sampleCount; i++) {
    for (let f = 0; f < featureCount; f++) {
      const deviation = dataset.x[i * featureCount + f] - mean[f];
      scale[f] += deviation * deviation;
    }
  }
  for (let f = 0; f < featureCount; f++) {
    const std = Math.sqrt(scale[f] / sampleCount);
    // A constant feature (e.g. a border pixel that is always 0) is left unscaled rather than divided by 0.
    scale[f] = std === 0 ? 1 : std;
  }
  return { mean, scale };
}

/** A new Dataset with (x - mean) / scale per feature. */
export function applyStandardizer(dataset: Dataset, standardizer: Standardizer): Dataset {
  const { featureCount } = dataset;
  if (standardizer.mean.length !== featureCount || standardizer.scale.length !== featureCount) {
    throw new Error(
      `applyStandardizer: standardizer has ${standardizer.mean.length} means and ${standardizer.scale.length} scales, dataset "${dataset.name}" has ${featureCount} features`,
    );
  }
  const x = new Float64Array(dataset.x.length);
  for (let i = 0; i < x.length; i++) {
    const f = i % featureCount;
    x[i] = (dataset.x[i] - standardizer.mean[f]) / standardizer.scale[f];
  }
  return { ...dataset, x };
}

/** Fits on `splits.train` only and applies the result to every part (no information leaks from validation/test). */
export function standardizeSplits(splits: DatasetSplits): { splits: DatasetSplits; standardizer: Standardizer } {
  const standardizer = fitStandardizer(splits.train);
  const result: DatasetSplits = { ...splits, train: applyStandardizer(splits.train, standardizer) };
  if (splits.validation !== undefined) result.validation = applyStandardizer(splits.validation, standardizer);
  if (splits.test !== undefined) result.test = applyStandardizer(splits.test, standardizer);
  return { splits: result, standardizer };
}
