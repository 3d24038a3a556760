/**
 * CRC-32C (Castagnoli), the checksum of TFRecord framing (TensorFlow event files): reflected
 * polynomial 0x82F63B78, initial value and final xor 0xFFFFFFFF, one 256-entry table built on
 * first use (no import-time work). `maskedCrc32c` is TFRecord's mask, which keeps a CRC of data
 * that itself holds CRCs from looking like one.
 */

/** The reflected Castagnoli polynomial. */
const CASTAGNOLI_REFLECTED = 0x82f63b78;

/** TFRecord's mask constant (`kMaskDelta` in tensorflow/core/lib/hash/crc32c.h). */
const MASK_DELTA = 0xa282ead8;

let table: Uint32Array | undefined;

function crcTable(): Uint32Array {
  if (table !== undefined) return table;
  const built = new Uint32Array(256);
  for (let byte = 0; byte < 256; byte++) {
    let crc = byte;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ CASTAGNOLI_REFLECTED : crc >>> 1;
    built[byte] = crc >>> 0;
  }
  table = built;
  return built;
}

/** CRC-32C of `bytes[start, end)` as an unsigned 32-bit integer. */
export function crc32c(bytes: Uint8Array, start = 0, end: number = bytes.length): number {
  const lookup = crcTable();
  let crc = 0xffffffff;
  for (let position = start; position < end; position++) crc = lookup[(crc ^ bytes[position]) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** TFRecord's masked CRC-32C: the CRC rotated right by 15 bits plus 0xa282ead8, modulo 2^32. */
export function maskedCrc32c(bytes: Uint8Array, start = 0, end: number = bytes.length): number {
  const crc = crc32c(bytes, start, end);
  return ((((crc >>> 15) | (crc << 17)) >>> 0) + MASK_DELTA) >>> 0;
}
