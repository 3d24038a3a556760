/** Data sets: shipped files, seeded generators, splits, standardization and tensors for training. */
export type { Dataset } from './dataset';
export { validateDataset, selectSamples, sampleFeatures, labelCounts, isRegressionDataset } from './dataset';
export type { DataFormatErrorLocation } from './errors';
export { DataFormatError } from './errors';
export type { CsvDatasetArgs } from './csv';
export { parseCsvDataset, loadCsvDataset } from './csv';
export type { IdxArray } from './idx';
export { parseIdx, loadIdx } from './idx';
export { dataDirectory, dataFile } from './paths';
export { RandomState } from './random';
export type { MoonsArgs, CirclesArgs } from './generators';
export { makeMoons, makeCircles } from './generators';
export type { ShippedDatasetArgs, MnistArgs, MnistPart } from './shipped';
export { MNIST_TRAIN_COUNT, MNIST_TEST_COUNT, loadMoons, loadCircles, loadDigits, loadMnist } from './shipped';
export type { DatasetSplits, SplitArgs, OrderedSplitArgs } from './split';
export { splitDataset, splitOrdered } from './split';
export type { Standardizer, StandardizeSplitsArgs } from './standardize';
export { fitStandardizer, applyStandardizer, standardizeSplits } from './standardize';
export { oneHot, argMaxRows } from './one-hot';
export type { LabelEncoding, ToTensorsArgs, TensorPair, TrainingTensors } from './tensors';
export { toTensors, toTrainingData } from './tensors';
export type { DatasetEntry, DatasetParameters } from './registry';
export { registerDataset, listDatasets, parseDatasetName, loadDataset } from './registry';
export type { FashionMnistArgs, FashionMnistPart } from './fashion-mnist';
export {
  FASHION_MNIST_CLASS_NAMES,
  FASHION_MNIST_DEFAULT_DIRECTORY,
  FASHION_MNIST_DIRECTORY_ENV,
  FASHION_MNIST_INSTALL_COMMAND,
  FASHION_MNIST_TEST_COUNT,
  FASHION_MNIST_TRAIN_COUNT,
  FashionMnistMissingError,
  fashionMnistAvailable,
  fashionMnistDirectory,
  loadFashionMnist,
  stratifiedSubset,
} from './fashion-mnist';
export type { NpyArray } from './npy';
export { parseNpy, loadNpy } from './npy';
export { parseNpz, loadNpz, npzArrayNames } from './npz';
export type { ArrayDatasetArgs } from './array-dataset';
export { datasetFromArrays } from './array-dataset';
