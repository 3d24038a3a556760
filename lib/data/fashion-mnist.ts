/**
 * Fashion-MNIST (Xiao, Rasul & Vollgraf 2017; MIT licence): 70,000 28x28 grey images of 10 kinds
 * of clothing, the official split being 60,000 train and 10,000 test. It is not shipped in data/
 * (30 MB); Debian's package `dataset-fashion-mnist` installs the original IDX files, and this
 * loader reads them from where the package puts them. Nothing is downloaded.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Dataset, validateDataset } from './dataset';
import { DataFormatError } from './errors';
import { IdxArray, loadIdx } from './idx';
import { RandomState } from './random';

/** Where `apt-get install dataset-fashion-mnist` puts the files (`dpkg -L dataset-fashion-mnist`). */
export const FASHION_MNIST_DEFAULT_DIRECTORY = '/usr/share/datasets/fashion-mnist';
/** Environment variable that overrides the folder (when `directory` is not passed). */
export const FASHION_MNIST_DIRECTORY_ENV = 'LAYERWISE_FASHION_MNIST_DIR';
/** The command that installs the files, printed by every "not found" error. */
export const FASHION_MNIST_INSTALL_COMMAND = 'apt-get install dataset-fashion-mnist';
/** Class names by label, from the data set's README. */
export const FASHION_MNIST_CLASS_NAMES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'] as const;
/** Images in the official train and test parts. */
export const FASHION_MNIST_TRAIN_COUNT = 60000;
export const FASHION_MNIST_TEST_COUNT = 10000;

/** Which part of the official split to load. */
export type FashionMnistPart = 'train' | 'test' | 'all';

/** Arguments of {@link loadFashionMnist}. */
export interface FashionMnistArgs {
  /** Folder with the IDX files. Default: $LAYERWISE_FASHION_MNIST_DIR, else /usr/share/datasets/fashion-mnist. */
  directory?: string;
  /** 'train' (60,000), 'test' (10,000), or 'all' (train then test, 70,000). Default 'all'. */
  part?: FashionMnistPart;
  /**
   * Keep only this many images of the part, drawn without replacement, stratified by class
   * (each class keeps its share, largest-remainder rounding), in a seeded random order. Default: all, in file order.
   */
  subset?: number;
  /** Seed of the subset draw (numpy-compatible RandomState). Default 0. */
  seed?: number;
  /** 'image' sets imageShape [28, 28, 1] (for convolutional models); 'flat' leaves it out (784 features). Default 'image'. */
  shape?: 'image' | 'flat';
  /** 'unit' divides the bytes by 255 (values in [0, 1]); 'bytes' keeps 0..255. Default 'unit'. */
  scale?: 'unit' | 'bytes';
}

/** Thrown when the Fashion-MNIST files are not in the folder; says where it looked and how to install them. */
export class FashionMnistMissingError extends Error {
  /** The folder searched. */
  readonly directory: string;
  /** The files (base names, with or without .gz) not found there. */
  readonly missing: string[];

  constructor(directory: string, missing: string[], source: string) {
    super(
      `Fashion-MNIST not found: looked in ${directory} (${source}) for ${missing.map((name) => `${name}[.gz]`).join(', ')}. ` +
        `Install it with \`${FASHION_MNIST_INSTALL_COMMAND}\` (Debian/Ubuntu package, MIT licence; as root or with sudo), ` +
        `or point ${FASHION_MNIST_DIRECTORY_ENV} (or the loader's directory option) at a folder holding the four IDX files.`,
    );
    this.name = 'FashionMnistMissingError';
    this.directory = directory;
    this.missing = missing;
  }
}

const FILE_NAMES = {
  train: { images: 'train-images-idx3-ubyte', labels: 'train-labels-idx1-ubyte' },
  test: { images: 't10k-images-idx3-ubyte', labels: 't10k-labels-idx1-ubyte' },
} as const;

/** The folder to read and how it was chosen (for the error message). */
export function fashionMnistDirectory(directory?: string): { directory: string; source: string } {
  if (directory !== undefined) return { directory: path.resolve(directory), source: 'directory option' };
  const override = process.env[FASHION_MNIST_DIRECTORY_ENV];
  if (override !== undefined && override !== '') return { directory: path.resolve(override), source: `$${FASHION_MNIST_DIRECTORY_ENV}` };
  return { directory: FASHION_MNIST_DEFAULT_DIRECTORY, source: `default; set ${FASHION_MNIST_DIRECTORY_ENV} to change it` };
}

/** The path of `name` or `name.gz` in the folder (uncompressed preferred), or null. */
function findFile(directory: string, name: string): string | null {
  for (const candidate of [name, `${name}.gz`]) {
    const file = path.join(directory, candidate);
    if (fs.existsSync(file)) return file;
  }
  return null;
}

/** True when all four files are in the folder (default: as {@link fashionMnistDirectory} picks it). */
export function fashionMnistAvailable(directory?: string): boolean {
  const folder = fashionMnistDirectory(directory).directory;
  return Object.values(FILE_NAMES).every((part) => findFile(folder, part.images) !== null && findFile(folder, part.labels) !== null);
}

function checkChoice<T extends string>(field: string, value: T, allowed: readonly T[]): T {
  if (!allowed.includes(value)) throw new Error(`loadFashionMnist: ${field} must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${JSON.stringify(value)}`);
  return value;
}

function readPart(directory: string, part: 'train' | 'test'): { images: IdxArray; labels: Uint8Array } {
  const imageFile = findFile(directory, FILE_NAMES[part].images) as string;
  const labelFile = findFile(directory, FILE_NAMES[part].labels) as string;
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
    if (label > 9) throw new DataFormatError({ file: labelFile, byteOffset: labelHeaderLength + index }, `unknown label ${label} for image ${index}; allowed labels are 0..9`);
  });
  return { images, labels: labels.data };
}

/** `count` indices of `labels`, stratified by label (largest-remainder shares), in a seeded random order. */
export function stratifiedSubset(labels: ArrayLike<number>, count: number, seed: number): Int32Array {
  const byClass = new Map<number, number[]>();
  for (let i = 0; i < labels.length; i++) {
    const members = byClass.get(labels[i]);
    if (members) members.push(i);
    else byClass.set(labels[i], [i]);
  }
  const classes = [...byClass.keys()].sort((a, b) => a - b);
  const random = new RandomState(seed);
  const exact = classes.map((label) => (count * (byClass.get(label) as number[]).length) / labels.length);
  const quotas = exact.map(Math.floor);
  let left = count - quotas.reduce((a, b) => a + b, 0);
  const byRemainder = classes.map((_, c) => c).sort((a, b) => exact[b] - Math.floor(exact[b]) - (exact[a] - Math.floor(exact[a])) || a - b);
  for (const c of byRemainder) {
    if (left === 0) break;
    quotas[c]++;
    left--;
  }
  const chosen: number[] = [];
  classes.forEach((label, c) => {
    const members = random.shuffle([...(byClass.get(label) as number[])]);
    chosen.push(...members.slice(0, quotas[c]));
  });
  return random.shuffle(Int32Array.from(chosen));
}

/**
 * Fashion-MNIST from the installed IDX files (gzipped or not). Labels 0..9 (see
 * FASHION_MNIST_CLASS_NAMES), 784 features per image, row-major. Throws FashionMnistMissingError
 * (where it looked, how to install) when files are missing, DataFormatError for a malformed file.
 */
export function loadFashionMnist(args: FashionMnistArgs = {}): Dataset {
  const part = checkChoice('part', args.part ?? 'all', ['train', 'test', 'all'] as const);
  const shape = checkChoice('shape', args.shape ?? 'image', ['image', 'flat'] as const);
  const scale = checkChoice('scale', args.scale ?? 'unit', ['unit', 'bytes'] as const);
  const seed = args.seed ?? 0;
  if (!Number.isInteger(seed) || seed < 0) throw new Error(`loadFashionMnist: seed must be a non-negative integer, got ${String(args.seed)}`);
  const { directory, source } = fashionMnistDirectory(args.directory);
  const parts: Array<'train' | 'test'> = part === 'all' ? ['train', 'test'] : [part];
  const missing = parts.flatMap((name) => [FILE_NAMES[name].images, FILE_NAMES[name].labels].filter((file) => findFile(directory, file) === null));
  if (missing.length > 0) throw new FashionMnistMissingError(directory, missing, source);

  const loaded = parts.map((name) => readPart(directory, name));
  const total = loaded.reduce((sum, p) => sum + p.labels.length, 0);
  const allLabels = new Uint8Array(total);
  let offset = 0;
  for (const { labels } of loaded) {
    allLabels.set(labels, offset);
    offset += labels.length;
  }
  let indices: Int32Array | null = null;
  if (args.subset !== undefined) {
    if (!Number.isInteger(args.subset) || args.subset < 1 || args.subset > total) {
      throw new Error(`loadFashionMnist: subset must be an integer in 1..${total} (images in part '${part}'), got ${String(args.subset)}`);
    }
    indices = stratifiedSubset(allLabels, args.subset, seed);
  }
  const sampleCount = indices === null ? total : indices.length;
  // Convert only the kept images: all 70,000 as float64 take 440 MB.
  const x = new Float64Array(sampleCount * 784);
  const y = new Int32Array(sampleCount);
  const starts = loaded.map((_, i) => loaded.slice(0, i).reduce((sum, p) => sum + p.labels.length, 0));
  for (let row = 0; row < sampleCount; row++) {
    const source = indices === null ? row : indices[row];
    let which = starts.length - 1;
    while (source < starts[which]) which--;
    const local = source - starts[which];
    const pixels = loaded[which].images.data.subarray(local * 784, (local + 1) * 784);
    for (let k = 0; k < 784; k++) x[row * 784 + k] = scale === 'unit' ? pixels[k] / 255 : pixels[k];
    y[row] = allLabels[source];
  }
  const name = `fashion-mnist${part === 'all' ? '' : `:${part}`}${indices === null ? '' : `:subset=${indices.length},seed=${seed}`}`;
  const dataset: Dataset = { name, x, y, sampleCount, featureCount: 784, classCount: 10 };
  if (shape === 'image') dataset.imageShape = [28, 28, 1];
  return validateDataset(dataset);
}
