import { loadCsvDataset } from './csv';
import { Dataset, validateDataset } from './dataset';
import { DataFormatError } from './errors';
import { loadIdx } from './idx';
import { dataDirectory, dataFile } from './paths';

/** Arguments shared by the loaders of the shipped data sets. */
export interface ShippedDatasetArgs {
  /** Folder holding the data files. Default: the package's data/ (see `dataDirectory`). */
  directory?: string;
}

/**
 * scikit-learn's `make_moons(n_samples=100, noise=0.2, random_state=1)`, in scikit-learn's sample
 * order (experiments take the first 30 as training data). 2 features, labels 0/1.
 */
export function loadMoons(args: ShippedDatasetArgs = {}): Dataset {
  return loadCsvDataset(dataFile('moons.csv', args.directory ?? dataDirectory()), { name: 'moons', classes: [0, 1], featureCount: 2 });
}

/** scikit-learn's `make_circles(n_samples=100, noise=0.1, random_state=1)` (factor 0.8), in its order. */
export function loadCircles(args: ShippedDatasetArgs = {}): Dataset {
  return loadCsvDataset(dataFile('circles.csv', args.directory ?? dataDirectory()), { name: 'circles', classes: [0, 1], featureCount: 2 });
}

/**
 * scikit-learn's 8x8 digits (`load_digits()`): 1,797 samples, 64 pixel features with integer values
 * 0..16 as scikit-learn returns them (not rescaled), labels 0..9, imageShape [8, 8, 1].
 */
export function loadDigits(args: ShippedDatasetArgs = {}): Dataset {
  const dataset = loadCsvDataset(dataFile('digits.csv', args.directory ?? dataDirectory()), {
    name: 'digits',
    classes: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    featureCount: 64,
    imageShape: [8, 8, 1],
  });
  return dataset;
}

/** Which part of the shipped MNIST subset to load. */
export type MnistPart = 'train' | 'test' | 'all';

/** Arguments of `loadMnist`. */
export interface MnistArgs extends ShippedDatasetArgs {
  /** 'train' (3,000 images), 'test' (1,000), or 'all' (train then test, 4,000). Default 'all'. */
  part?: MnistPart;
  /** Pixel scale: 'unit' divides the bytes by 255 (values in [0, 1]), 'bytes' keeps 0..255. Default 'unit'. */
  scale?: 'unit' | 'bytes';
}

export const MNIST_TRAIN_COUNT = 3000;
export const MNIST_TEST_COUNT = 1000;

/**
 * The shipped MNIST subset (28x28 grey images, labels 0..9, imageShape [28, 28, 1]) read from the
 * gzip IDX files in data/. Errors name the file and the byte offset.
 */
export function loadMnist(args: MnistArgs = {}): Dataset {
  const part = args.part ?? 'all';
  const scale = args.scale ?? 'unit';
  if (part !== 'train' && part !== 'test' && part !== 'all') {
    throw new Error(`loadMnist: part must be one of 'train', 'test', 'all', got ${JSON.stringify(part)}`);
  }
  if (scale !== 'unit' && scale !== 'bytes') {
    throw new Error(`loadMnist: scale must be one of 'unit', 'bytes', got ${JSON.stringify(scale)}`);
  }
  const directory = args.directory ?? dataDirectory();
  const parts: Array<'train' | 'test'> = part === 'all' ? ['train', 'test'] : [part];
  const loaded = parts.map((name) => loadMnistPart(directory, name));
  const sampleCount = loaded.reduce((sum, p) => sum + p.labels.length, 0);
  const x = new Float64Array(sampleCount * 784);
  const y = new Int32Array(sampleCount);
  let offset = 0;
  for (const { images, labels } of loaded) {
    for (let i = 0; i < images.length; i++) x[offset * 784 + i] = scale === 'unit' ? images[i] / 255 : images[i];
    y.set(labels, offset);
    offset += labels.length;
  }
  return validateDataset({
    name: part === 'all' ? 'mnist' : `mnist:${part}`,
    x,
    y,
    sampleCount,
    featureCount: 784,
    classCount: 10,
    imageShape: [28, 28, 1],
  });
}

function loadMnistPart(directory: string, part: 'train' | 'test'): { images: Uint8Array; labels: Int32Array } {
  const imageFile = dataFile(`mnist-${part}-images.idx3-ubyte.gz`, directory);
  const labelFile = dataFile(`mnist-${part}-labels.idx1-ubyte.gz`, directory);
  const images = loadIdx(imageFile, 3);
  const labels = loadIdx(labelFile, 1);
  if (images.shape[1] !== 28 || images.shape[2] !== 28) {
    throw new DataFormatError({ file: imageFile, byteOffset: 8 }, `images are ${images.shape[1]}x${images.shape[2]}; expected 28x28`);
  }
  if (labels.shape[0] !== images.shape[0]) {
    throw new DataFormatError({ file: labelFile, byteOffset: 4 }, `${labels.shape[0]} labels for ${images.shape[0]} images in ${imageFile}`);
  }
  const labelHeaderLength = 8;
  labels.data.forEach((label, index) => {
    if (label > 9) {
      throw new DataFormatError({ file: labelFile, byteOffset: labelHeaderLength + index }, `unknown label ${label} for image ${index}; allowed labels are 0..9`);
    }
  });
  return { images: images.data, labels: Int32Array.from(labels.data) };
}
