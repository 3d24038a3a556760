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

/** What `standardizeSplits` standardizes. */
export interface StandardizeSplitsArgs {
  /** Standardize the features. Default true. */
  features?: boolean;
  /**
   * Also standardize the regression targets (a regression data set only), with the train split's
   * mean and standard deviation per target: losses and errors are then in units of the train
   * targets' standard deviation. Default false.
   */
  targets?: boolean;
}

/** The targets of a regression data set as a features-only data set, so the same fit and apply serve them. */
function targetsAsFeatures(dataset: Dataset): Dataset {
  if (dataset.targets === undefined || dataset.targetCount === undefined) {
    throw new Error(`standardizeSplits: targets: true needs a regression data set; dataset "${dataset.name}" holds class labels`);
  }
  return { name: dataset.name, x: dataset.targets, y: dataset.y, sampleCount: dataset.sampleCount, featureCount: dataset.targetCount, classCount: 1 };
}

function standardizedTargets(dataset: Dataset, standardizer: Standardizer): Dataset {
  return { ...dataset, targets: applyStandardizer(targetsAsFeatures(dataset), standardizer).x };
}

/**
 * Fits on `splits.train` only and applies the result to every part (no information leaks from
 * validation/test): the features by default, the regression targets when `args.targets` is true.
 */
export function standardizeSplits(
  splits: DatasetSplits,
  args: StandardizeSplitsArgs = {},
): { splits: DatasetSplits; standardizer: Standardizer; targetStandardizer?: Standardizer } {
  const features = args.features ?? true;
  const standardizer = features ? fitStandardizer(splits.train) : { mean: new Array<number>(splits.train.featureCount).fill(0), scale: new Array<number>(splits.train.featureCount).fill(1) };
  const targetStandardizer = args.targets === true ? fitStandardizer(targetsAsFeatures(splits.train)) : undefined;
  const apply = (dataset: Dataset): Dataset => {
    const scaled = features ? applyStandardizer(dataset, standardizer) : dataset;
    return targetStandardizer === undefined ? scaled : standardizedTargets(scaled, targetStandardizer);
  };
  const result: DatasetSplits = { ...splits, train: apply(splits.train) };
  if (splits.validation !== undefined) result.validation = apply(splits.validation);
  if (splits.test !== undefined) result.test = apply(splits.test);
  return targetStandardizer === undefined ? { splits: result, standardizer } : { splits: result, standardizer, targetStandardizer };
}
