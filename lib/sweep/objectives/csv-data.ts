/**
 * A user's CSV file as a sweep's data (`data.csv` of a definition): columns chosen by header name,
 * any single-character delimiter, the target's distinct values as the classes. The result is a
 * plain `Dataset`, so the definition's split (seeded, stratified) and standardization (fitted on
 * the train split only) apply exactly as to the shipped data sets. Every worker reads the file
 * itself: the definition carries the absolute path (`readSweepFile` resolves a relative one
 * against the definition file's folder).
 *
 * Every problem is a `DataFormatError` naming the file, the line and the column.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { Dataset } from '../../data';
import { DataFormatError, validateDataset } from '../../data';
import type { CsvDataDefinition } from '../definition';

const NUMBER_PATTERN = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Class order of the target's distinct values: numeric order when every value is a number, else text order. */
function classOrder(values: Set<string>): string[] {
  const list = [...values];
  if (list.every((value) => NUMBER_PATTERN.test(value))) return list.sort((a, b) => Number(a) - Number(b));
  return list.sort();
}

/** Parses the text of a CSV file as `spec` describes it. `source` names the file in errors. */
export function parseCsvData(text: string, source: string, spec: CsvDataDefinition): Dataset {
  if ((spec.task ?? 'classification') !== 'classification') {
    throw new DataFormatError({ file: source }, `task "${spec.task}" is not supported yet; the built-in train objective sweeps classification data (task "classification")`);
  }
  if (spec.header === false) throw new DataFormatError({ file: source, line: 1 }, 'header: false is not supported; the first row must name the columns');
  const delimiter = spec.delimiter ?? ',';
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  while (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  if (lines[0] === undefined || lines[0].trim() === '') throw new DataFormatError({ file: source, line: 1 }, 'empty header; the first row must name the columns');
  const header = lines[0].split(delimiter).map((name) => name.trim());
  const columnOf = (name: string, role: string): number => {
    const index = header.indexOf(name);
    if (index < 0) throw new DataFormatError({ file: source, line: 1 }, `no ${role} column "${name}" in the header; columns are ${header.join(', ')} (delimiter ${JSON.stringify(delimiter)})`);
    return index;
  };
  const targetIndex = columnOf(spec.target, 'target');
  const featureNames = spec.features ?? header.filter((_, index) => index !== targetIndex);
  const featureIndices = featureNames.map((name) => columnOf(name, 'feature'));
  if (featureIndices.includes(targetIndex)) throw new DataFormatError({ file: source, line: 1, columnName: spec.target }, `the target "${spec.target}" is also listed as a feature`);
  if (featureIndices.length === 0) throw new DataFormatError({ file: source, line: 1 }, 'no feature columns besides the target');
  const rows = lines.slice(1);
  const x = new Float64Array(rows.length * featureIndices.length);
  const targets: string[] = new Array(rows.length);
  rows.forEach((line, row) => {
    const lineNumber = row + 2;
    const cells = line.split(delimiter);
    if (cells.length !== header.length) {
      throw new DataFormatError({ file: source, line: lineNumber }, `expected ${header.length} columns, found ${cells.length}`);
    }
    const target = cells[targetIndex].trim();
    if (target === '') throw new DataFormatError({ file: source, line: lineNumber, column: targetIndex + 1, columnName: spec.target }, 'missing target value');
    targets[row] = target;
    featureIndices.forEach((column, feature) => {
      const cell = cells[column].trim();
      const location = { file: source, line: lineNumber, column: column + 1, columnName: header[column] };
      if (!NUMBER_PATTERN.test(cell)) throw new DataFormatError(location, cell === '' ? 'missing value' : `non-numeric value "${cell}"; expected a finite decimal number`);
      x[row * featureIndices.length + feature] = Number(cell);
    });
  });
  const classes = classOrder(new Set(targets));
  if (classes.length < 2) throw new DataFormatError({ file: source, columnName: spec.target }, `the target column "${spec.target}" has ${classes.length} distinct value(s); classification needs at least 2`);
  const index = new Map(classes.map((value, position) => [value, position]));
  const y = Int32Array.from(targets, (value) => index.get(value)!);
  return validateDataset({
    name: path.basename(source),
    x,
    y,
    sampleCount: rows.length,
    featureCount: featureIndices.length,
    classCount: classes.length,
    featureNames,
  });
}

/** Reads and parses the CSV file of `spec` (`spec.path` absolute, or relative to the working directory). */
export function loadCsvData(spec: CsvDataDefinition): Dataset {
  const file = path.resolve(spec.path);
  if (!fs.existsSync(file)) throw new DataFormatError({ file }, 'file does not exist');
  return parseCsvData(fs.readFileSync(file, 'utf8'), file, spec);
}
