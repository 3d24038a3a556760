import * as fs from 'fs';
import * as zlib from 'zlib';
import { DataFormatError } from './errors';

/**
 * The IDX format of the original MNIST files: a big-endian uint32 magic number 0x000008NN where NN
 * is the number of dimensions, NN big-endian uint32 sizes, then the unsigned bytes, row-major.
 * data/ ships its MNIST subset in this format, gzip-compressed.
 */
export interface IdxArray {
  /** Sizes of the dimensions, e.g. [3000, 28, 28] for images or [3000] for labels. */
  shape: number[];
  /** The values, row-major. */
  data: Uint8Array;
}

const UNSIGNED_BYTE_TYPE = 0x08;

/**
 * Decodes an IDX buffer of unsigned bytes. Errors (DataFormatError with the byte offset): a wrong
 * magic number, a data type other than unsigned byte, an unexpected number of dimensions, or a
 * length that does not match the header.
 * @param buffer The uncompressed bytes.
 * @param source File name for errors.
 * @param expectedDimensions The number of dimensions the caller needs (1 for labels, 3 for images).
 */
export function parseIdx(buffer: Uint8Array, source: string, expectedDimensions: number): IdxArray {
  const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  if (buffer.byteLength < 4) throw new DataFormatError({ file: source, byteOffset: 0 }, `file is ${buffer.byteLength} bytes, too short for an IDX header`);
  if (view.getUint16(0) !== 0) {
    throw new DataFormatError({ file: source, byteOffset: 0 }, `bad magic number 0x${view.getUint32(0).toString(16).padStart(8, '0')}; IDX files start with two zero bytes`);
  }
  const type = view.getUint8(2);
  if (type !== UNSIGNED_BYTE_TYPE) {
    throw new DataFormatError({ file: source, byteOffset: 2 }, `data type 0x${type.toString(16).padStart(2, '0')} is not supported; expected 0x08 (unsigned byte)`);
  }
  const dimensions = view.getUint8(3);
  if (dimensions !== expectedDimensions) {
    throw new DataFormatError({ file: source, byteOffset: 3 }, `${dimensions} dimensions; expected ${expectedDimensions}`);
  }
  const headerLength = 4 + 4 * dimensions;
  if (buffer.byteLength < headerLength) {
    throw new DataFormatError({ file: source, byteOffset: buffer.byteLength }, `file ends inside the header; expected ${headerLength} header bytes`);
  }
  const shape: number[] = [];
  for (let d = 0; d < dimensions; d++) shape.push(view.getUint32(4 + 4 * d));
  const expectedLength = shape.reduce((a, b) => a * b, 1);
  const actualLength = buffer.byteLength - headerLength;
  if (actualLength !== expectedLength) {
    throw new DataFormatError(
      { file: source, byteOffset: headerLength + Math.min(actualLength, expectedLength) },
      `header shape [${shape.join(', ')}] needs ${expectedLength} data bytes, found ${actualLength}`,
    );
  }
  return { shape, data: buffer.subarray(headerLength) };
}

/** Reads an IDX file, gunzipping it when its name ends in .gz. */
export function loadIdx(filePath: string, expectedDimensions: number): IdxArray {
  let buffer: Uint8Array = fs.readFileSync(filePath);
  if (filePath.endsWith('.gz')) {
    try {
      buffer = zlib.gunzipSync(buffer);
    } catch (error) {
      throw new DataFormatError({ file: filePath, byteOffset: 0 }, `not a valid gzip file (${(error as Error).message})`);
    }
  }
  return parseIdx(buffer, filePath, expectedDimensions);
}
