/**
 * NumPy's `.npy` format (what `numpy.save` writes): the magic `\x93NUMPY`, a version byte pair,
 * a little-endian header length (2 bytes in version 1, 4 bytes in versions 2 and 3), a Python dict
 * literal `{'descr': '<f4', 'fortran_order': False, 'shape': (3, 2), }` padded with spaces, then the
 * values. Read into float64 (every numeric dtype NumPy writes for data: float16/32/64, signed and
 * unsigned integers of 1 to 8 bytes, bool, either byte order), row-major, so a reader never
 * depends on the dtype the author happened to save.
 *
 * Refused, with the file and byte offset: a wrong magic, an unknown version, object arrays
 * (`|O`, pickled Python objects: reading them would run code), strings, complex numbers,
 * structured dtypes, Fortran order, and a data length that does not match the header.
 */
import * as fs from 'fs';
import { DataFormatError } from './errors';

/** One array of a `.npy` file. */
export interface NpyArray {
  /** Sizes of the dimensions, e.g. [100, 2]; [] for a scalar. */
  shape: number[];
  /** The values as float64, row-major (C order). */
  data: Float64Array;
  /** The dtype as the file says it (`<f4`, `<i8`, `|u1`, ...). */
  dtype: string;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

/** Reads one value of `kind` and `size` bytes at `offset`. */
type Reader = (view: DataView, offset: number, little: boolean) => number;

const READERS: Record<string, Reader> = {
  f2: (view, offset, little) => float16(view.getUint16(offset, little)),
  f4: (view, offset, little) => view.getFloat32(offset, little),
  f8: (view, offset, little) => view.getFloat64(offset, little),
  i1: (view, offset) => view.getInt8(offset),
  i2: (view, offset, little) => view.getInt16(offset, little),
  i4: (view, offset, little) => view.getInt32(offset, little),
  i8: (view, offset, little) => Number(view.getBigInt64(offset, little)),
  u1: (view, offset) => view.getUint8(offset),
  u2: (view, offset, little) => view.getUint16(offset, little),
  u4: (view, offset, little) => view.getUint32(offset, little),
  u8: (view, offset, little) => Number(view.getBigUint64(offset, little)),
  b1: (view, offset) => (view.getUint8(offset) === 0 ? 0 : 1),
};

/** IEEE half precision bits → number. */
function float16(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 0x1f) return fraction === 0 ? sign * Infinity : NaN;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

/** The value of `key` in the header dict literal, as its source text. */
function headerField(header: string, key: string, source: string, offset: number): string {
  const match = new RegExp(`['"]${key}['"]\\s*:\\s*('[^']*'|"[^"]*"|True|False|\\([^)]*\\))`).exec(header);
  if (match === null) throw new DataFormatError({ file: source, byteOffset: offset }, `header ${JSON.stringify(header.trim())} has no '${key}'`);
  return match[1];
}

/**
 * Decodes the bytes of a `.npy` file.
 * @param buffer The whole file.
 * @param source File name (or `archive.npz: x.npy`) for errors.
 */
export function parseNpy(buffer: Uint8Array, source: string): NpyArray {
  if (buffer.byteLength < 10 || MAGIC.some((byte, index) => buffer[index] !== byte)) {
    throw new DataFormatError({ file: source, byteOffset: 0 }, 'not a .npy file: it does not start with \\x93NUMPY (write it with numpy.save)');
  }
  const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  const major = buffer[6];
  if (major < 1 || major > 3) throw new DataFormatError({ file: source, byteOffset: 6 }, `format version ${major}.${buffer[7]} is not supported; expected 1.0, 2.0 or 3.0`);
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const headerStart = major === 1 ? 10 : 12;
  const dataStart = headerStart + headerLength;
  if (buffer.byteLength < dataStart) throw new DataFormatError({ file: source, byteOffset: buffer.byteLength }, `file ends inside the ${headerLength}-byte header`);
  const header = Buffer.from(buffer.subarray(headerStart, dataStart)).toString(major === 3 ? 'utf8' : 'latin1');
  const descr = headerField(header, 'descr', source, headerStart).slice(1, -1);
  if (headerField(header, 'fortran_order', source, headerStart) !== 'False') {
    throw new DataFormatError({ file: source, byteOffset: headerStart }, 'fortran_order is True; save a C-ordered array (numpy.ascontiguousarray) instead');
  }
  const shapeText = headerField(header, 'shape', source, headerStart);
  const shape = shapeText
    .slice(1, -1)
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .map((part) => {
      const size = Number(part.replace(/L$/, ''));
      if (!Number.isInteger(size) || size < 0) throw new DataFormatError({ file: source, byteOffset: headerStart }, `shape ${shapeText} has a bad size "${part}"`);
      return size;
    });
  const typeMatch = /^([<>|=])([a-z])(\d+)$/.exec(descr);
  const reader = typeMatch === null ? undefined : READERS[`${typeMatch[2]}${typeMatch[3]}`];
  if (typeMatch === null || reader === undefined) {
    throw new DataFormatError(
      { file: source, byteOffset: headerStart },
      `dtype '${descr}' is not supported; supported: float16/32/64, int8/16/32/64, uint8/16/32/64, bool (object, string, complex and structured arrays are not)`,
    );
  }
  const itemSize = Number(typeMatch[3]);
  const little = typeMatch[1] !== '>';
  const count = shape.reduce((product, size) => product * size, 1);
  const available = buffer.byteLength - dataStart;
  if (available !== count * itemSize) {
    throw new DataFormatError({ file: source, byteOffset: dataStart + Math.min(available, count * itemSize) }, `shape ${shapeText} of '${descr}' needs ${count * itemSize} data bytes, found ${available}`);
  }
  const data = new Float64Array(count);
  for (let index = 0; index < count; index++) data[index] = reader(view, dataStart + index * itemSize, little);
  return { shape, data, dtype: descr };
}

/** Reads a `.npy` file. */
export function loadNpy(filePath: string): NpyArray {
  if (!fs.existsSync(filePath)) throw new DataFormatError({ file: filePath }, 'file does not exist');
  return parseNpy(fs.readFileSync(filePath), filePath);
}
