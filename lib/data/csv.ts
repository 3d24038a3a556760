import * as fs from 'fs';
import { Dataset, validateDataset } from './dataset';
import { DataFormatError } from './errors';

/** Arguments of `parseCsvDataset` / `loadCsvDataset`. */
export interface CsvDatasetArgs {
  /** Data set name for messages. Default: the file name. */
  name?: string;
  /** Header name of the label column; every other column is a feature. Default 'label'. */
  labelColumn?: string;
  /**
   * The allowed labels, compared with the label cell's text; a label's position here is its class
   * index. Default: labels must be non-negative integers and classCount is the largest one plus 1.
   */
  classes?: Array<string | number>;
  /** Exact number of feature columns the file must have. Default: whatever the header says. */
  featureCount?: number;
  /** For image data: [height, width, channels] of one sample. Default: none. */
  imageShape?: [number, number, number];
}

// A decimal number as CSV writers print it; rejects '', 'NaN', 'Infinity', '0x10', '1,5', ' 1'.
const NUMBER_PATTERN = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const INTEGER_PATTERN = /^\d+$/;

/**
 * Reads a simple CSV (comma-separated, first line a header, no quoting) into a Dataset.
 * Every problem is a DataFormatError with file, line and column: a row with the wrong number of
 * columns, an empty (missing) value, a non-numeric feature, an unknown or non-integer label.
 * @param text The file's contents.
 * @param source The file name to put in errors.
 */
export function parseCsvDataset(text: string, source: string, args: CsvDatasetArgs = {}): Dataset {
  const labelColumnName = args.labelColumn ?? 'label';
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  // One newline at the end of the file is normal; anything else empty is a malformed row.
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  const header = lines[0].split(',');
  if (lines[0] === '') throw new DataFormatError({ file: source, line: 1 }, 'empty header; expected column names such as "x0,x1,label"');
  header.forEach((name, index) => {
    if (name.trim() === '') throw new DataFormatError({ file: source, line: 1, column: index + 1 }, 'empty column name in header');
    if (header.indexOf(name) !== index) {
      throw new DataFormatError({ file: source, line: 1, column: index + 1, columnName: name }, `duplicate column name "${name}"`);
    }
  });
  const labelIndex = header.indexOf(labelColumnName);
  if (labelIndex < 0) {
    throw new DataFormatError({ file: source, line: 1 }, `no label column "${labelColumnName}" in header; columns are ${header.join(', ')}`);
  }
  const featureNames = header.filter((_, index) => index !== labelIndex);
  if (args.featureCount !== undefined && featureNames.length !== args.featureCount) {
    throw new DataFormatError({ file: source, line: 1 }, `expected ${args.featureCount} feature columns besides "${labelColumnName}", found ${featureNames.length}`);
  }
  const classTexts = args.classes?.map(String);
  const rowCount = lines.length - 1;
  // Say so here: otherwise the first symptom is a class count of 0, far from the cause.
  if (rowCount === 0) throw new DataFormatError({ file: source, line: 1 }, `the file has a header (${header.join(',')}) but no data rows; add one sample per line after it`);
  const featureCount = featureNames.length;
  const x = new Float64Array(rowCount * featureCount);
  const y = new Int32Array(rowCount);
  let largestLabel = -1;
  for (let row = 0; row < rowCount; row++) {
    const lineNumber = row + 2;
    const cells = lines[row + 1].split(',');
    if (cells.length !== header.length) {
      const column = Math.min(cells.length, header.length) + 1;
      throw new DataFormatError(
        { file: source, line: lineNumber, column, columnName: header[column - 1] },
        `expected ${header.length} columns (${header.join(',')}), found ${cells.length}`,
      );
    }
    let feature = 0;
    for (let column = 0; column < cells.length; column++) {
      const cell = cells[column];
      const location = { file: source, line: lineNumber, column: column + 1, columnName: header[column] };
      if (cell.trim() === '') throw new DataFormatError(location, 'missing value');
      if (column === labelIndex) {
        y[row] = parseLabel(cell, location, classTexts);
        largestLabel = Math.max(largestLabel, y[row]);
        continue;
      }
      if (!NUMBER_PATTERN.test(cell)) throw new DataFormatError(location, `non-numeric value "${cell}"; expected a finite decimal number`);
      const value = Number(cell);
      if (!Number.isFinite(value)) throw new DataFormatError(location, `value "${cell}" overflows a 64-bit float`);
      x[row * featureCount + feature++] = value;
    }
  }
  return validateDataset({
    name: args.name ?? source.replace(/^.*[\\/]/, ''),
    x,
    y,
    sampleCount: rowCount,
    featureCount,
    classCount: classTexts !== undefined ? classTexts.length : largestLabel + 1,
    featureNames,
    ...(args.imageShape !== undefined ? { imageShape: args.imageShape } : {}),
  });
}

function parseLabel(cell: string, location: ConstructorParameters<typeof DataFormatError>[0], classTexts: string[] | undefined): number {
  if (classTexts !== undefined) {
    const index = classTexts.indexOf(cell);
    if (index < 0) throw new DataFormatError(location, `unknown label "${cell}"; allowed labels are ${classTexts.join(', ')}`);
    return index;
  }
  if (!INTEGER_PATTERN.test(cell)) throw new DataFormatError(location, `label "${cell}" is not a non-negative integer`);
  const label = Number(cell);
  if (label > 0x7fffffff) throw new DataFormatError(location, `label ${cell} is too large for a class index`);
  return label;
}

/** Reads a CSV file into a Dataset; see `parseCsvDataset` for the format and the errors. */
export function loadCsvDataset(filePath: string, args: CsvDatasetArgs = {}): Dataset {
  return parseCsvDataset(fs.readFileSync(filePath, 'utf8'), filePath, args);
}
