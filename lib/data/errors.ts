/**
 * The error every data loader throws for bad input: it says which file, where in it, and what was
 * expected, so a user can open the file at that spot.
 */
export interface DataFormatErrorLocation {
  /** The file (or a caller-given source name) the bad input came from. */
  file: string;
  /** 1-based line number, for text formats. */
  line?: number;
  /** 1-based column (field) number, for CSV. */
  column?: number;
  /** Name of the column from the header, when known. */
  columnName?: string;
  /** 0-based byte offset, for binary formats. */
  byteOffset?: number;
}

export class DataFormatError extends Error {
  readonly file: string;
  readonly line?: number;
  readonly column?: number;
  readonly columnName?: string;
  readonly byteOffset?: number;
  /** What is wrong, without the location prefix. */
  readonly reason: string;

  constructor(location: DataFormatErrorLocation, reason: string) {
    super(`${describeLocation(location)}: ${reason}`);
    this.name = 'DataFormatError';
    this.file = location.file;
    this.line = location.line;
    this.column = location.column;
    this.columnName = location.columnName;
    this.byteOffset = location.byteOffset;
    this.reason = reason;
  }
}

function describeLocation(location: DataFormatErrorLocation): string {
  const parts = [location.file];
  if (location.line !== undefined) parts.push(`line ${location.line}`);
  if (location.column !== undefined) {
    parts.push(`column ${location.column}` + (location.columnName !== undefined ? ` ("${location.columnName}")` : ''));
  }
  if (location.byteOffset !== undefined) parts.push(`byte ${location.byteOffset}`);
  return parts.join(', ');
}
