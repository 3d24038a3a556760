import * as tf from '@tensorflow/tfjs';
import { Dataset } from './dataset';
import { oneHot } from './one-hot';
import { DatasetSplits } from './split';

/** How labels become the target tensor. */
export type LabelEncoding = 'auto' | 'binary' | 'oneHot' | 'index';

/** Arguments of `toTensors` and `toTrainingData`. */
export interface ToTensorsArgs {
  /**
   * 'binary': float32 [n, 1] of 0/1 (for a sigmoid output; needs 2 classes); 'oneHot': float32
   * [n, classCount] (softmax + categorical cross-entropy); 'index': int32 [n] (sparse labels);
   * 'auto': 'binary' for 2 classes, else 'oneHot'. Default 'auto'. A regression data set (with
   * `targets`) takes 'auto' only: y is its targets, float32 [n, targetCount].
   */
  labels?: LabelEncoding;
  /** 'flat': x is [n, featureCount]; 'image': x is [n, height, width, channels] (needs imageShape). Default 'flat'. */
  layout?: 'flat' | 'image';
}

/** Features and targets of one part as tensors. (A type alias, not an interface, so it is a tf.TensorContainer.) */
export type TensorPair = {
  x: tf.Tensor;
  y: tf.Tensor;
};

/** The shape lib/train's `train(model, data, options)` takes; `tf.dispose(data)` frees it. */
export type TrainingTensors = {
  train: TensorPair;
  validation?: TensorPair;
  test?: TensorPair;
};

/**
 * Float32 tensors for training. The caller owns them and must dispose them (`tf.dispose(pair)`);
 * nothing else is allocated, so no tensor is left behind.
 */
export function toTensors(dataset: Dataset, args: ToTensorsArgs = {}): TensorPair {
  const labels = args.labels ?? 'auto';
  const layout = args.layout ?? 'flat';
  if (dataset.targets !== undefined && labels !== 'auto') {
    throw new Error(`toTensors: dataset "${dataset.name}" holds regression targets, which are given as they are (float32 [n, targetCount]); labels must be 'auto', got ${JSON.stringify(labels)}`);
  }
  const encoding = labels === 'auto' ? (dataset.classCount === 2 ? 'binary' : 'oneHot') : labels;
  if (encoding !== 'binary' && encoding !== 'oneHot' && encoding !== 'index') {
    throw new Error(`toTensors: labels must be one of 'auto', 'binary', 'oneHot', 'index', got ${JSON.stringify(labels)}`);
  }
  if (encoding === 'binary' && dataset.classCount !== 2) {
    throw new Error(`toTensors: labels 'binary' needs 2 classes, dataset "${dataset.name}" has ${dataset.classCount}; use 'oneHot' or 'index'`);
  }
  let shape: number[];
  if (layout === 'flat') {
    shape = [dataset.sampleCount, dataset.featureCount];
  } else if (layout === 'image') {
    if (dataset.imageShape === undefined) throw new Error(`toTensors: layout 'image' needs an imageShape, dataset "${dataset.name}" has none; use 'flat'`);
    shape = [dataset.sampleCount, ...dataset.imageShape];
  } else {
    throw new Error(`toTensors: layout must be one of 'flat', 'image', got ${JSON.stringify(layout)}`);
  }
  if (dataset.targets !== undefined) {
    const targetCount = dataset.targetCount ?? 1;
    const values = Float32Array.from(dataset.targets);
    return { x: tf.tensor(Float32Array.from(dataset.x), shape, 'float32'), y: tf.tensor2d(values, [dataset.sampleCount, targetCount], 'float32') };
  }
  // Everything that can throw runs before the first tensor exists, so a bad input leaks nothing.
  const targets = encoding === 'oneHot' ? oneHot(dataset.y, dataset.classCount) : encoding === 'binary' ? Float32Array.from(dataset.y) : Int32Array.from(dataset.y);
  const features = Float32Array.from(dataset.x);
  const x = tf.tensor(features, shape, 'float32');
  const y =
    encoding === 'index'
      ? tf.tensor1d(targets, 'int32')
      : tf.tensor2d(targets, [dataset.sampleCount, encoding === 'binary' ? 1 : dataset.classCount], 'float32');
  return { x, y };
}

/** Tensors for every part of `splits`, ready for `train(model, data, options)`; dispose with `tf.dispose(data)`. */
export function toTrainingData(splits: DatasetSplits, args: ToTensorsArgs = {}): TrainingTensors {
  const data: TrainingTensors = { train: toTensors(splits.train, args) };
  if (splits.validation !== undefined) data.validation = toTensors(splits.validation, args);
  if (splits.test !== undefined) data.test = toTensors(splits.test, args);
  return data;
}
