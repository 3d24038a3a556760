import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import { ZipArchive } from '../../lib/backend/zip-archive';

/** CRC-32 (IEEE), needed only to write a well-formed archive for the reader under test. */
function crc32(data: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of data) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit++) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  return (crc ^ 0xffffffff) >>> 0;
}

/** Writes a zip with the given entries; `deflate` picks method 8 over 0 (stored), as in wheels. */
function writeZip(file: string, entries: Array<{ name: string; data: Buffer; deflate: boolean }>): void {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const body = entry.deflate ? zlib.deflateRawSync(entry.data) : entry.data;
    const name = Buffer.from(entry.name, 'utf8');
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(entry.deflate ? 8 : 0, 8);
    local.writeUInt32LE(crc32(entry.data), 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(entry.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    // An extra field in the local header only, as some writers do: the reader must skip it.
    const extra = Buffer.from([0xfe, 0xca, 2, 0, 0, 0]);
    local.writeUInt16LE(extra.length, 28);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(entry.deflate ? 8 : 0, 10);
    central.writeUInt32LE(crc32(entry.data), 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(entry.data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, extra, body);
    centrals.push(central, name);
    offset += local.length + name.length + extra.length + body.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  fs.writeFileSync(file, Buffer.concat([...locals, directory, end]));
}

describe('ZipArchive', () => {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'layerwise-zip-'));
  const archive = path.join(folder, 'fake.whl');
  const library = Buffer.from(Array.from({ length: 200_000 }, (_, index) => (index * 31) % 251));
  const header = Buffer.from('#include "tensorflow/c/tf_status.h"\n');

  beforeAll(() => {
    writeZip(archive, [
      { name: 'tensorflow/include/tensorflow/c/c_api.h', data: header, deflate: false },
      { name: 'tensorflow/libtensorflow_cc.so.2', data: library, deflate: true },
      { name: 'tensorflow/empty.txt', data: Buffer.alloc(0), deflate: false },
    ]);
  });
  afterAll(() => fs.rmSync(folder, { recursive: true, force: true }));

  it('lists entries from the central directory', () => {
    const zip = ZipArchive.open(archive);
    expect([...zip.entries.keys()]).toEqual(['tensorflow/include/tensorflow/c/c_api.h', 'tensorflow/libtensorflow_cc.so.2', 'tensorflow/empty.txt']);
    expect(zip.entry('tensorflow/libtensorflow_cc.so.2')).toMatchObject({ method: 8, size: 200_000 });
  });

  it('reads stored and deflated entries byte for byte', async () => {
    const zip = ZipArchive.open(archive);
    expect((await zip.read('tensorflow/include/tensorflow/c/c_api.h')).equals(header)).toBe(true);
    expect((await zip.read('tensorflow/libtensorflow_cc.so.2')).equals(library)).toBe(true);
    expect((await zip.read('tensorflow/empty.txt')).length).toBe(0);
  });

  it('extracts to a file, creating folders, leaving no partial file', async () => {
    const zip = ZipArchive.open(archive);
    const destination = path.join(folder, 'out', 'lib', 'libtensorflow_cc.so.2');
    await zip.extract('tensorflow/libtensorflow_cc.so.2', destination);
    expect(fs.readFileSync(destination).equals(library)).toBe(true);
    expect(fs.existsSync(`${destination}.partial`)).toBe(false);
  });

  it('names the archive and the entry when something is wrong', () => {
    const zip = ZipArchive.open(archive);
    expect(() => zip.entry('tensorflow/libtensorflow.so')).toThrow(`${archive}: has no entry tensorflow/libtensorflow.so`);
    const notZip = path.join(folder, 'not.whl');
    fs.writeFileSync(notZip, 'hello');
    expect(() => ZipArchive.open(notZip)).toThrow(`${notZip}: not a zip archive`);
  });
});
