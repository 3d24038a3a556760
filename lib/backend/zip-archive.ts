import * as fs from 'fs';
import * as path from 'path';
import { Readable } from 'stream';
import { pipeline } from 'stream/promises';
import * as zlib from 'zlib';

/** One file inside a zip archive (a Python wheel is a zip), as listed by its central directory. */
export interface ZipEntry {
  /** Path inside the archive, `/`-separated. */
  name: string;
  /** 0 = stored, 8 = deflate; the only methods wheels use. */
  method: number;
  compressedSize: number;
  size: number;
  /** Offset of the entry's local header in the archive. */
  localHeaderOffset: number;
}

const END_OF_CENTRAL_DIRECTORY = 0x06054b50;
const ZIP64_END_OF_CENTRAL_DIRECTORY = 0x06064b50;
const ZIP64_LOCATOR = 0x07064b50;
const CENTRAL_FILE_HEADER = 0x02014b50;
const LOCAL_FILE_HEADER = 0x04034b50;
const UINT32_MAX = 0xffffffff;

/**
 * Minimal reader for the zip archives pip downloads, so the native installer can take a few files
 * out of a 270 MB wheel without depending on `unzip` or on Python being the one that extracts.
 * Reads the central directory once; extracts entries by streaming (a 750 MB library never sits in memory).
 */
export class ZipArchive {
  private constructor(
    /** Path of the archive on disk. */
    readonly file: string,
    /** Entries by name. */
    readonly entries: ReadonlyMap<string, ZipEntry>,
  ) {}

  /** Opens an archive and reads its central directory. Throws naming the file if it is not a zip. */
  static open(file: string): ZipArchive {
    const descriptor = fs.openSync(file, 'r');
    try {
      const fileSize = fs.fstatSync(descriptor).size;
      const tailSize = Math.min(fileSize, 65_557);
      const tail = Buffer.alloc(tailSize);
      fs.readSync(descriptor, tail, 0, tailSize, fileSize - tailSize);
      let end = -1;
      for (let index = tailSize - 22; index >= 0; index--) {
        if (tail.readUInt32LE(index) === END_OF_CENTRAL_DIRECTORY) {
          end = index;
          break;
        }
      }
      if (end < 0) throw new Error(`${file}: not a zip archive (no end-of-central-directory record)`);
      let count = tail.readUInt16LE(end + 10);
      let directorySize = tail.readUInt32LE(end + 12);
      let directoryOffset = tail.readUInt32LE(end + 16);
      if (directoryOffset === UINT32_MAX || count === 0xffff) {
        const locator = end - 20;
        if (locator < 0 || tail.readUInt32LE(locator) !== ZIP64_LOCATOR) throw new Error(`${file}: zip64 archive without a zip64 locator`);
        const record = Buffer.alloc(56);
        fs.readSync(descriptor, record, 0, 56, Number(tail.readBigUInt64LE(locator + 8)));
        if (record.readUInt32LE(0) !== ZIP64_END_OF_CENTRAL_DIRECTORY) throw new Error(`${file}: bad zip64 end record`);
        count = Number(record.readBigUInt64LE(32));
        directorySize = Number(record.readBigUInt64LE(40));
        directoryOffset = Number(record.readBigUInt64LE(48));
      }
      const directory = Buffer.alloc(directorySize);
      fs.readSync(descriptor, directory, 0, directorySize, directoryOffset);
      const entries = new Map<string, ZipEntry>();
      let cursor = 0;
      for (let entryIndex = 0; entryIndex < count; entryIndex++) {
        if (directory.readUInt32LE(cursor) !== CENTRAL_FILE_HEADER) throw new Error(`${file}: corrupt central directory at entry ${entryIndex}`);
        const method = directory.readUInt16LE(cursor + 10);
        let compressedSize = directory.readUInt32LE(cursor + 20);
        let size = directory.readUInt32LE(cursor + 24);
        const nameLength = directory.readUInt16LE(cursor + 28);
        const extraLength = directory.readUInt16LE(cursor + 30);
        const commentLength = directory.readUInt16LE(cursor + 32);
        let localHeaderOffset = directory.readUInt32LE(cursor + 42);
        const name = directory.toString('utf8', cursor + 46, cursor + 46 + nameLength);
        // Zip64 extra field (id 1) carries, in order, whichever of the three values overflowed.
        let extra = cursor + 46 + nameLength;
        const extraEnd = extra + extraLength;
        while (extra + 4 <= extraEnd) {
          const id = directory.readUInt16LE(extra);
          const length = directory.readUInt16LE(extra + 2);
          if (id === 1) {
            let field = extra + 4;
            if (size === UINT32_MAX) { size = Number(directory.readBigUInt64LE(field)); field += 8; }
            if (compressedSize === UINT32_MAX) { compressedSize = Number(directory.readBigUInt64LE(field)); field += 8; }
            if (localHeaderOffset === UINT32_MAX) { localHeaderOffset = Number(directory.readBigUInt64LE(field)); }
          }
          extra += 4 + length;
        }
        entries.set(name, { name, method, compressedSize, size, localHeaderOffset });
        cursor = extraEnd + commentLength;
      }
      return new ZipArchive(file, entries);
    } finally {
      fs.closeSync(descriptor);
    }
  }

  /** Reads a small entry (a header file) into memory. */
  async read(name: string): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const chunk of this.stream(name) as AsyncIterable<Buffer>) chunks.push(chunk);
    return Buffer.concat(chunks);
  }

  /** Extracts an entry to `destination` (parent folders created), writing a temporary file first so a crash never leaves half a library. */
  async extract(name: string, destination: string): Promise<void> {
    fs.mkdirSync(path.dirname(destination), { recursive: true });
    const partial = `${destination}.partial`;
    await pipeline(this.stream(name), fs.createWriteStream(partial));
    const written = fs.statSync(partial).size;
    const expected = this.entry(name).size;
    if (written !== expected) throw new Error(`${this.file}: ${name} extracted to ${written} bytes, expected ${expected}`);
    fs.renameSync(partial, destination);
  }

  /** The entry called `name`, or an error naming the archive. */
  entry(name: string): ZipEntry {
    const found = this.entries.get(name);
    if (found === undefined) throw new Error(`${this.file}: has no entry ${name}`);
    return found;
  }

  private stream(name: string): NodeJS.ReadableStream {
    const entry = this.entry(name);
    const descriptor = fs.openSync(this.file, 'r');
    const header = Buffer.alloc(30);
    fs.readSync(descriptor, header, 0, 30, entry.localHeaderOffset);
    fs.closeSync(descriptor);
    if (header.readUInt32LE(0) !== LOCAL_FILE_HEADER) throw new Error(`${this.file}: bad local header for ${name}`);
    const dataStart = entry.localHeaderOffset + 30 + header.readUInt16LE(26) + header.readUInt16LE(28);
    if (entry.compressedSize === 0) return Readable.from([] as Buffer[]);
    const raw = fs.createReadStream(this.file, { start: dataStart, end: dataStart + entry.compressedSize - 1 });
    if (entry.method === 0) return raw;
    if (entry.method === 8) return raw.pipe(zlib.createInflateRaw());
    throw new Error(`${this.file}: ${name} uses compression method ${entry.method}; only stored (0) and deflate (8) are supported`);
  }
}
