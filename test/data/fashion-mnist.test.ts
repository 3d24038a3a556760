/**
 * Fashion-MNIST from Debian's dataset-fashion-mnist package. The tests that read the real files
 * need the package (`npm test` installs it, scripts/provision-test-deps.ts); without it they are
 * skipped with the install command in their name, and fail under CI=true
 * (test/support/requirements.ts). The other tests build small IDX files in a temporary folder.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import { labelCounts, loadDataset } from '../../lib/data';
import {
  FASHION_MNIST_DEFAULT_DIRECTORY,
  FASHION_MNIST_DIRECTORY_ENV,
  FashionMnistMissingError,
  fashionMnistAvailable,
  loadFashionMnist,
  stratifiedSubset,
} from '../../lib/data/fashion-mnist';
import { describeWhenAvailable, requirement } from '../support/requirements';

function idx(shape: number[], data: Uint8Array): Buffer {
  const header = Buffer.alloc(4 + 4 * shape.length);
  header.writeUInt8(0x08, 2);
  header.writeUInt8(shape.length, 3);
  shape.forEach((size, d) => header.writeUInt32BE(size, 4 + 4 * d));
  return Buffer.concat([header, Buffer.from(data)]);
}

/** Writes a fake Fashion-MNIST folder: `train` images with labels i % 10 (skewed when asked), pixel value = label. */
function fakeFolder(options: { train: number; test: number; gzip: boolean; labels?: (i: number) => number }): string {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'fashion-'));
  const labelOf = options.labels ?? ((i: number) => i % 10);
  for (const [part, count] of [
    ['train', options.train],
    ['t10k', options.test],
  ] as const) {
    const labels = Uint8Array.from({ length: count }, (_, i) => labelOf(i));
    const images = new Uint8Array(count * 784);
    labels.forEach((label, i) => images.fill(label * 25, i * 784, (i + 1) * 784));
    const write = (name: string, bytes: Buffer): void =>
      fs.writeFileSync(path.join(directory, options.gzip ? `${name}.gz` : name), options.gzip ? zlib.gzipSync(bytes) : bytes);
    write(`${part}-images-idx3-ubyte`, idx([count, 28, 28], images));
    write(`${part}-labels-idx1-ubyte`, idx([count], labels));
  }
  return directory;
}

describeWhenAvailable(['fashion-mnist'], 'Fashion-MNIST from the installed package', () => {
  test('all 70,000 images: 60,000 train and 10,000 test, labels 0-9 balanced, pixels in [0, 1]', () => {
    // Counts from the data set's README (github.com/zalandoresearch/fashion-mnist): 6,000 train and 1,000 test images per class.
    const train = loadFashionMnist({ part: 'train' });
    const test = loadFashionMnist({ part: 'test' });
    expect(train.sampleCount).toBe(60000);
    expect(test.sampleCount).toBe(10000);
    expect(labelCounts(train)).toEqual(new Array(10).fill(6000));
    expect(labelCounts(test)).toEqual(new Array(10).fill(1000));
    expect(train.imageShape).toEqual([28, 28, 1]);
    let min = Infinity;
    let max = -Infinity;
    for (const value of test.x) {
      if (value < min) min = value;
      if (value > max) max = value;
    }
    expect(min).toBe(0);
    expect(max).toBe(1);
    const bytes = loadFashionMnist({ part: 'test', scale: 'bytes', subset: 50, seed: 1 });
    expect(Math.max(...bytes.x)).toBeLessThanOrEqual(255);
    expect(bytes.x.every((value) => Number.isInteger(value))).toBe(true);
    expect(loadDataset('fashion-mnist:part=test,subset=100,seed=2,shape=flat').imageShape).toBeUndefined();
  });

  test('the default folder is where the Debian package puts the files', () => {
    expect(FASHION_MNIST_DEFAULT_DIRECTORY).toBe('/usr/share/datasets/fashion-mnist');
    expect(fashionMnistAvailable()).toBe(true);
  });
});

describe('Fashion-MNIST loader on small IDX files', () => {
  const folders: string[] = [];
  afterAll(() => folders.forEach((folder) => fs.rmSync(folder, { recursive: true, force: true })));

  test('reads gzipped and plain files, train then test for part "all"', () => {
    for (const gzip of [true, false]) {
      const directory = fakeFolder({ train: 30, test: 10, gzip });
      folders.push(directory);
      const all = loadFashionMnist({ directory });
      expect(all.sampleCount).toBe(40);
      expect(Array.from(all.y.subarray(28, 32))).toEqual([8, 9, 0, 1]);
      expect(all.x[5 * 784]).toBeCloseTo((5 * 25) / 255, 12);
      expect(all.name).toBe('fashion-mnist');
      expect(loadFashionMnist({ directory, part: 'test', shape: 'flat' }).imageShape).toBeUndefined();
    }
  });

  test('a subset keeps each class share (largest remainder), is seeded, and draws without repeats', () => {
    // 100 train images, classes 0..4 with 40, 30, 15, 10, 5 images.
    const sizes = [40, 30, 15, 10, 5];
    const labelOf = (i: number): number => {
      let rest = i;
      for (let c = 0; c < sizes.length; c++) {
        if (rest < sizes[c]) return c;
        rest -= sizes[c];
      }
      return 0;
    };
    const directory = fakeFolder({ train: 100, test: 10, gzip: true, labels: labelOf });
    folders.push(directory);
    const subset = loadFashionMnist({ directory, part: 'train', subset: 20, seed: 4 });
    // Exact shares 8, 6, 3, 2, 1: stratification keeps them.
    expect(labelCounts(subset).slice(0, 5)).toEqual([8, 6, 3, 2, 1]);
    expect(subset.name).toBe('fashion-mnist:train:subset=20,seed=4');
    expect(loadFashionMnist({ directory, part: 'train', subset: 20, seed: 4 }).y).toEqual(subset.y);
    const indices = stratifiedSubset(Uint8Array.from({ length: 100 }, (_, i) => labelOf(i)), 20, 4);
    expect(new Set(indices).size).toBe(20);
    expect(stratifiedSubset(Uint8Array.from({ length: 100 }, (_, i) => labelOf(i)), 20, 5)).not.toEqual(indices);
    // 7 of 100: exact shares 2.8, 2.1, 1.05, 0.7, 0.35 → floors 2, 2, 1, 0, 0; the two left go to the largest remainders (0.8: class 0, 0.7: class 3).
    expect(labelCounts(loadFashionMnist({ directory, part: 'train', subset: 7 })).slice(0, 5)).toEqual([3, 2, 1, 1, 0]);
  });

  test('bad options name the option and the allowed values', () => {
    const directory = fakeFolder({ train: 10, test: 10, gzip: true });
    folders.push(directory);
    expect(() => loadFashionMnist({ directory, subset: 0 })).toThrow("loadFashionMnist: subset must be an integer in 1..20 (images in part 'all'), got 0");
    expect(() => loadFashionMnist({ directory, part: 'validation' as never })).toThrow("loadFashionMnist: part must be one of 'train', 'test', 'all'");
    expect(() => loadDataset('fashion-mnist:shape=square')).toThrow('parameter "shape" of dataset "fashion-mnist" must be one of image, flat, got "square"');
  });

  test('missing files: the error says where it looked and exactly how to install the package', () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'fashion-empty-'));
    folders.push(empty);
    let error: unknown;
    try {
      loadFashionMnist({ directory: empty });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(FashionMnistMissingError);
    const message = (error as Error).message;
    expect(message).toContain(`looked in ${empty} (directory option)`);
    expect(message).toContain('`apt-get install dataset-fashion-mnist`');
    expect(message).toContain('train-images-idx3-ubyte[.gz]');
    expect((error as FashionMnistMissingError).missing).toHaveLength(4);
    expect(fashionMnistAvailable(empty)).toBe(false);

    // The environment variable is the folder when no directory is passed, and the message says so.
    const previous = process.env[FASHION_MNIST_DIRECTORY_ENV];
    process.env[FASHION_MNIST_DIRECTORY_ENV] = empty;
    try {
      expect(() => loadDataset('fashion-mnist:part=test')).toThrow(`looked in ${empty} ($${FASHION_MNIST_DIRECTORY_ENV}) for t10k-images-idx3-ubyte[.gz], t10k-labels-idx1-ubyte[.gz]`);
      // The test-suite requirement (what `npm test` provisions) reads the same folder and names the same fix.
      const part = requirement('fashion-mnist', true);
      expect(part).toMatchObject({ available: false, reason: `the four Fashion-MNIST IDX files are not in ${empty} ($${FASHION_MNIST_DIRECTORY_ENV})` });
      expect(part.fix).toMatch(/^unset LAYERWISE_FASHION_MNIST_DIR, or point it at a folder with the IDX files \(or: (sudo )?apt-get install -y --no-install-recommends dataset-fashion-mnist\)$/);
    } finally {
      if (previous === undefined) delete process.env[FASHION_MNIST_DIRECTORY_ENV];
      else process.env[FASHION_MNIST_DIRECTORY_ENV] = previous;
      requirement('fashion-mnist', true);
    }
  });

  test('a malformed label file is a DataFormatError with the byte offset', () => {
    const directory = fakeFolder({ train: 10, test: 10, gzip: false, labels: (i) => (i === 3 ? 12 : 1) });
    folders.push(directory);
    expect(() => loadFashionMnist({ directory, part: 'train' })).toThrow(/train-labels-idx1-ubyte, byte 11: unknown label 12 for image 3/);
  });
});
