/**
 * The .npy / .npz readers against files written by real numpy (test/fixtures/numpy/generate.py);
 * expected.json holds what numpy itself reads back from the same files (np.load → float64 list),
 * so every value must match exactly (tolerance 0: float16/32 widen to float64 without rounding).
 */
import * as fs from 'fs';
import * as path from 'path';
import { DataFormatError, datasetFromArrays, loadNpy, loadNpz, npzArrayNames, parseNpy } from '../../lib/data';

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'numpy');
const expected = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'expected.json'), 'utf8')) as Record<string, { shape: number[]; dtype: string; values: number[] }>;

function formatError(action: () => unknown): DataFormatError {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(DataFormatError);
    return error as DataFormatError;
  }
  throw new Error('expected a DataFormatError, nothing was thrown');
}

describe('loadNpy', () => {
  it.each(['f8', 'f4', 'f2', 'f8-big-endian', 'i8', 'u1-3d', 'bool', 'x', 'y', 'v2', 'v3'])('reads %s.npy exactly as numpy does', (name) => {
    const array = loadNpy(path.join(FIXTURES, `${name}.npy`));
    const reference = expected[`${name}.npy`];
    expect(array.shape).toEqual(reference.shape);
    expect(array.dtype).toBe(reference.dtype);
    expect(Array.from(array.data)).toEqual(reference.values);
  });

  it('refuses Fortran order, object arrays, a bad magic and a truncated file, naming the file', () => {
    expect(formatError(() => loadNpy(path.join(FIXTURES, 'fortran.npy'))).message).toMatch(/fortran\.npy.*fortran_order is True/);
    expect(formatError(() => loadNpy(path.join(FIXTURES, 'object.npy'))).message).toMatch(/object\.npy.*dtype '\|O' is not supported/);
    expect(formatError(() => parseNpy(Buffer.from('PK\x03\x04 not numpy'), 'z.npy')).message).toMatch(/z\.npy, byte 0: not a \.npy file/);
    const whole = fs.readFileSync(path.join(FIXTURES, 'f8.npy'));
    expect(formatError(() => parseNpy(whole.subarray(0, whole.length - 8), 'cut.npy')).reason).toMatch(/needs 96 data bytes, found 88/);
    expect(formatError(() => loadNpy(path.join(FIXTURES, 'missing.npy'))).reason).toBe('file does not exist');
  });
});

describe('loadNpz', () => {
  it.each(['classes.npz', 'classes-compressed.npz'])('reads the arrays of %s (stored and deflated) exactly as numpy does', (file) => {
    const arrays = loadNpz(path.join(FIXTURES, file), ['x_train', 'y_train']);
    for (const name of ['x_train', 'y_train']) {
      expect(arrays[name].shape).toEqual(expected[`${file}:${name}`].shape);
      expect(Array.from(arrays[name].data)).toEqual(expected[`${file}:${name}`].values);
    }
    expect(npzArrayNames(fs.readFileSync(path.join(FIXTURES, file)), file).sort()).toEqual(['x_train', 'y_train']);
  });

  it('a missing array lists the arrays the archive has; a non-zip is a format error', () => {
    expect(formatError(() => loadNpz(path.join(FIXTURES, 'classes.npz'), ['x'])).reason).toBe('has no array "x"; its arrays are x_train, y_train');
    expect(formatError(() => loadNpz(path.join(FIXTURES, 'f8.npy'), ['x'])).reason).toMatch(/not a valid \.npz \(zip\) archive/);
  });
});

describe('datasetFromArrays', () => {
  it('turns features [n, ...] and integer labels [n] into a Dataset; a sample of [h, w] gets the image shape [h, w, 1]', () => {
    const x = loadNpy(path.join(FIXTURES, 'x.npy'));
    const y = loadNpy(path.join(FIXTURES, 'y.npy'));
    const dataset = datasetFromArrays({ name: 'classes', x, y, xSource: 'x.npy', ySource: 'y.npy' });
    expect([dataset.sampleCount, dataset.featureCount, dataset.classCount]).toEqual([30, 4, 3]);
    expect(Array.from(dataset.y.slice(0, 12))).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1]);
    const sequences = loadNpz(path.join(FIXTURES, 'sequences.npz'), ['x', 'y']);
    const images = datasetFromArrays({ name: 'seq', x: sequences.x, y: sequences.y, xSource: 'x', ySource: 'y' });
    expect(images.featureCount).toBe(12);
    expect(images.imageShape).toEqual([6, 2, 1]);
  });

  it('refuses fractional or negative labels and a label count that differs from the samples, naming the labels file', () => {
    const x = { shape: [2, 1], data: [1, 2] };
    expect(formatError(() => datasetFromArrays({ name: 'd', x, y: { shape: [2], data: [0, 0.5] }, xSource: 'x.npy', ySource: 'y.npy' })).message).toMatch(
      /^y\.npy: label 0\.5 of sample 1 is not a class index/,
    );
    expect(formatError(() => datasetFromArrays({ name: 'd', x, y: { shape: [3], data: [0, 1, 1] }, xSource: 'x.npy', ySource: 'y.npy' })).reason).toMatch(/expected \[2\]/);
    expect(formatError(() => datasetFromArrays({ name: 'd', x: { shape: [2, 1], data: [1, NaN] }, y: { shape: [2], data: [0, 1] }, xSource: 'x.npy', ySource: 'y.npy' })).reason).toMatch(/sample 1 is NaN/);
  });
});
