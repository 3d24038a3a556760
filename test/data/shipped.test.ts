import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import { DataFormatError, dataDirectory, labelCounts, loadCircles, loadDigits, loadMnist, loadMoons, parseIdx, sampleFeatures } from '../../lib/data';

describe('shipped scikit-learn data sets', () => {
  it('moons: 100 points, first row exactly as scikit-learn printed it', () => {
    // make_moons(n_samples=100, noise=0.2, random_state=1)[0][0] printed by scikit-learn 1.9.1 as
    // 1.366982377748571, -0.23541583828163382 with label 1; the CSV stores repr() so it is exact.
    const moons = loadMoons();
    expect([moons.sampleCount, moons.featureCount, moons.classCount]).toEqual([100, 2, 2]);
    expect(sampleFeatures(moons, 0)).toEqual([1.366982377748571, -0.23541583828163382]);
    expect(moons.y[0]).toBe(1);
    expect(labelCounts(moons)).toEqual([50, 50]);
    expect(moons.featureNames).toEqual(['x0', 'x1']);
  });

  it('circles: 100 points, first row exactly as scikit-learn printed it', () => {
    // make_circles(n_samples=100, noise=0.1, random_state=1)[0][0], label 1.
    const circles = loadCircles();
    expect(sampleFeatures(circles, 0)).toEqual([-0.6364049338363261, -0.3687019099499154]);
    expect(circles.y[0]).toBe(1);
    expect(labelCounts(circles)).toEqual([50, 50]);
  });

  it('digits: 1,797 samples of 8x8, first and last rows and class counts as scikit-learn load_digits()', () => {
    const digits = loadDigits();
    expect([digits.sampleCount, digits.featureCount, digits.classCount]).toEqual([1797, 64, 10]);
    expect(digits.imageShape).toEqual([8, 8, 1]);
    expect(sampleFeatures(digits, 0)).toEqual([
      0, 0, 5, 13, 9, 1, 0, 0, 0, 0, 13, 15, 10, 15, 5, 0, 0, 3, 15, 2, 0, 11, 8, 0, 0, 4, 12, 0, 0, 8, 8, 0, 0, 5, 8, 0, 0, 9, 8, 0, 0, 4, 11, 0, 1, 12, 7, 0,
      0, 2, 14, 5, 10, 12, 0, 0, 0, 0, 6, 13, 10, 0, 0, 0,
    ]);
    expect(digits.y[0]).toBe(0);
    expect(digits.y[1796]).toBe(8);
    expect(labelCounts(digits)).toEqual([178, 182, 177, 183, 181, 182, 181, 179, 174, 180]);
    expect(digits.featureNames?.[9]).toBe('pixel_1_1');
  });
});

describe('shipped MNIST subset', () => {
  // Reference numbers computed with numpy from the committed IDX files (data/make_datasets.py output).
  it('train part: 3,000 images, label counts, first labels, pixel sums', () => {
    const train = loadMnist({ part: 'train', scale: 'bytes' });
    expect([train.sampleCount, train.featureCount, train.classCount, train.name]).toEqual([3000, 784, 10, 'mnist:train']);
    expect(train.imageShape).toEqual([28, 28, 1]);
    expect(labelCounts(train)).toEqual([288, 337, 307, 306, 305, 267, 306, 303, 291, 290]);
    expect(Array.from(train.y.subarray(0, 5))).toEqual([9, 0, 2, 5, 2]);
    expect(sampleFeatures(train, 0).reduce((a, b) => a + b, 0)).toBe(24359);
    expect(sampleFeatures(train, 2999).reduce((a, b) => a + b, 0)).toBe(15936);
  });

  it("'unit' scale divides by 255; 'all' is train then test", () => {
    const all = loadMnist();
    const test = loadMnist({ part: 'test' });
    expect([all.sampleCount, test.sampleCount]).toEqual([4000, 1000]);
    expect(labelCounts(test)).toEqual([94, 103, 91, 107, 104, 84, 85, 118, 116, 98]);
    expect(Array.from(all.y.subarray(3000, 3005))).toEqual([7, 9, 3, 0, 5]);
    const first = sampleFeatures(test, 0);
    expect(Math.max(...first)).toBe(1);
    expect(Math.min(...first)).toBe(0);
    // Sum of bytes 25442, divided by 255; tolerance for summing 784 rounded quotients.
    expect(Math.abs(first.reduce((a, b) => a + b, 0) - 25442 / 255)).toBeLessThan(1e-9);
    expect(sampleFeatures(all, 3000)).toEqual(first);
  });

  it('rejects bad arguments', () => {
    expect(() => loadMnist({ part: 'validation' as never })).toThrow(`loadMnist: part must be one of 'train', 'test', 'all', got "validation"`);
    expect(() => loadMnist({ scale: 'percent' as never })).toThrow(`loadMnist: scale must be one of 'unit', 'bytes', got "percent"`);
  });
});

describe('IDX validation', () => {
  const header = (magic: number, ...dims: number[]) => {
    const buffer = Buffer.alloc(4 + 4 * dims.length);
    buffer.writeUInt32BE(magic, 0);
    dims.forEach((d, i) => buffer.writeUInt32BE(d, 4 + 4 * i));
    return buffer;
  };
  const error = (action: () => unknown): DataFormatError => {
    try {
      action();
    } catch (e) {
      expect(e).toBeInstanceOf(DataFormatError);
      return e as DataFormatError;
    }
    throw new Error('expected a DataFormatError');
  };

  it('reads a well-formed file', () => {
    const parsed = parseIdx(Buffer.concat([header(0x801, 3), Buffer.from([1, 2, 3])]), 'ok', 1);
    expect(parsed.shape).toEqual([3]);
    expect(Array.from(parsed.data)).toEqual([1, 2, 3]);
  });

  it('bad magic, wrong type, wrong dimensions, truncated data: file and byte offset', () => {
    expect(error(() => parseIdx(Buffer.concat([header(0x12340801, 1), Buffer.from([0])]), 'f', 1)).message).toBe(
      'f, byte 0: bad magic number 0x12340801; IDX files start with two zero bytes',
    );
    expect(error(() => parseIdx(Buffer.concat([header(0x0d01, 1), Buffer.alloc(4)]), 'f', 1)).byteOffset).toBe(2);
    expect(error(() => parseIdx(header(0x803, 1, 2, 2), 'f', 1)).reason).toBe('3 dimensions; expected 1');
    const truncated = error(() => parseIdx(Buffer.concat([header(0x803, 2, 2, 2), Buffer.alloc(7)]), 'f', 3));
    expect(truncated.byteOffset).toBe(16 + 7);
    expect(truncated.reason).toBe('header shape [2, 2, 2] needs 8 data bytes, found 7');
  });

  it('loadMnist reports an unknown label with its file and byte offset, and a non-gzip file', () => {
    const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'layerwise-mnist-'));
    try {
      for (const name of fs.readdirSync(dataDirectory())) {
        if (name.startsWith('mnist-')) fs.copyFileSync(path.join(dataDirectory(), name), path.join(directory, name));
      }
      const labels = zlib.gunzipSync(fs.readFileSync(path.join(directory, 'mnist-test-labels.idx1-ubyte.gz')));
      labels[8 + 5] = 12;
      const labelFile = path.join(directory, 'mnist-test-labels.idx1-ubyte.gz');
      fs.writeFileSync(labelFile, zlib.gzipSync(labels));
      const bad = error(() => loadMnist({ part: 'test', directory }));
      expect([bad.file, bad.byteOffset]).toEqual([labelFile, 13]);
      expect(bad.reason).toBe('unknown label 12 for image 5; allowed labels are 0..9');

      fs.writeFileSync(labelFile, 'not gzip');
      expect(error(() => loadMnist({ part: 'test', directory })).reason).toMatch(/^not a valid gzip file/);
      // The train part in the same folder is untouched and still loads.
      expect(loadMnist({ part: 'train', directory }).sampleCount).toBe(3000);
    } finally {
      fs.rmSync(directory, { recursive: true, force: true });
    }
  });

  it('a missing data file names the folder', () => {
    expect(() => loadMoons({ directory: os.tmpdir() })).toThrow(`data file moons.csv not found in ${os.tmpdir()}`);
  });
});
