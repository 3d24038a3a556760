/**
 * Writing a large report file piece by piece: text is gathered up to a megabyte and written with
 * one system call, so a view of 100,000 rows never exists as one string (and its peak memory is
 * that of one batch, not of the whole file).
 */
import * as fs from 'fs';

/** Bytes (UTF-16 code units, a close enough measure) gathered before a write. */
const BATCH_CHARS = 64 * 1024;

export class FileSink {
  private readonly descriptor: number;
  private batch: string[] = [];
  private batchChars = 0;

  /** Creates (or truncates) `file`. */
  constructor(readonly file: string) {
    this.descriptor = fs.openSync(file, 'w');
  }

  /** Appends `text` (written when the batch is full, or at `close`). */
  write(text: string): void {
    this.batch.push(text);
    this.batchChars += text.length;
    if (this.batchChars >= BATCH_CHARS) this.flush();
  }

  /** Writes what is gathered and closes the file. */
  close(): void {
    try {
      this.flush();
    } finally {
      fs.closeSync(this.descriptor);
    }
  }

  private flush(): void {
    if (this.batch.length === 0) return;
    fs.writeSync(this.descriptor, this.batch.join(''));
    this.batch = [];
    this.batchChars = 0;
  }
}

/** Writes `file` through a sink given to `produce`; the file is closed (and left partial) if `produce` throws. */
export function writeFileInPieces(file: string, produce: (write: (text: string) => void) => void): void {
  const sink = new FileSink(file);
  try {
    produce((text) => sink.write(text));
  } finally {
    sink.close();
  }
}
