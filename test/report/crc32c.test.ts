/**
 * CRC-32C against published vectors (RFC 3720 appendix B.4 and the "123456789" check value of the
 * CRC catalogue), and the masked form against the bytes TensorFlow's own TFRecord writer produced
 * for the record "123456789" (tf.io.TFRecordWriter, TensorFlow 2.21:
 * 09000000 00000000 | 37f97139 | "123456789" | e5b08ac7).
 */
import { crc32c, maskedCrc32c } from '../../lib/report/crc32c';

describe('crc32c', () => {
  test('matches the published check values', () => {
    expect(crc32c(Buffer.from('123456789', 'ascii'))).toBe(0xe3069283);
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa);
    expect(crc32c(new Uint8Array(32).fill(0xff))).toBe(0x62a8ab43);
    expect(crc32c(Uint8Array.from({ length: 32 }, (_, index) => index))).toBe(0x46dd794e);
    expect(crc32c(Uint8Array.from({ length: 32 }, (_, index) => 31 - index))).toBe(0x113fdb5c);
    expect(crc32c(new Uint8Array(0))).toBe(0);
  });

  test('covers only [start, end) of the bytes', () => {
    const padded = Buffer.from('xx123456789yy', 'ascii');
    expect(crc32c(padded, 2, 11)).toBe(0xe3069283);
  });

  test('masks as TensorFlow TFRecord framing does', () => {
    const record = Buffer.from('090000000000000037f97139313233343536373839e5b08ac7', 'hex');
    expect(maskedCrc32c(record, 0, 8)).toBe(record.readUInt32LE(8));
    expect(maskedCrc32c(record, 12, 21)).toBe(record.readUInt32LE(21));
    expect(maskedCrc32c(Buffer.from('123456789', 'ascii'))).toBe(0xc78ab0e5);
  });
});
