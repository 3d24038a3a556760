/**
 * A user's CSV file as a sweep's data (`data.csv` of a definition): columns chosen by header name,
 * any single-character delimiter, the target's distinct values as the classes (`task:
 * 'classification'`, the default) or one or more numeric target columns (`task: 'regression'`).
 * The result is a plain `Dataset`, so the definition's split (seeded; stratified for classes) and
 * standardization (fitted on the train split only) apply exactly as to the shipped data sets. Every worker reads the file
 * itself: the definition carries the absolute path (`readSweepFile` resolves a relative one
 * against the definition file's folder).
 *
 * Every problem is a `DataFormatError` naming the file, the line and the column.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { Dataset } from '../../data';
import { DataFormatError, validateDataset } from '../../data';
import { describeValue, LayerwiseConfigError } from '../../errors/config-error';
import { DATA_TASKS } from '../definition';
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
  const task = spec.task ?? 'classification';
  if (!DATA_TASKS.includes(task)) throw new LayerwiseConfigError('data.csv.task', ` = ${describeValue(spec.task)}: allowed values are ${DATA_TASKS.join(', ')}`);
  if (Array.isArray(spec.target) && task !== 'regression') {
    throw new LayerwiseConfigError('data.csv.target', ` = ${describeValue(spec.target)}: a list of target columns needs task "regression"; classification takes one target column (a string)`);
  }
  const targetNames = Array.isArray(spec.target) ? spec.target : [spec.target];
  if (targetNames.length === 0) throw new LayerwiseConfigError('data.csv.target', ': an empty list; name at least one target column');
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
  const targetIndices = targetNames.map((name) => columnOf(name, 'target'));
  const featureNames = spec.features ?? header.filter((_, index) => !targetIndices.includes(index));
  const featureIndices = featureNames.map((name) => columnOf(name, 'feature'));
  const overlap = targetNames.find((name) => featureNames.includes(name));
  if (overlap !== undefined) throw new DataFormatError({ file: source, line: 1, columnName: overlap }, `the target "${overlap}" is also listed as a feature`);
  if (featureIndices.length === 0) throw new DataFormatError({ file: source, line: 1 }, 'no feature columns besides the target');
  const rows = lines.slice(1);
  if (rows.length === 0) throw new DataFormatError({ file: source, line: 1 }, `the file has a header (${header.join(delimiter)}) but no data rows; add one sample per line after it`);
  const x = new Float64Array(rows.length * featureIndices.length);
  const labels: string[] = new Array(rows.length);
  const values = new Float64Array(rows.length * targetIndices.length);
  const numberAt = (cell: string, location: { file: string; line: number; column: number; columnName: string }, what: string): number => {
    if (!NUMBER_PATTERN.test(cell)) throw new DataFormatError(location, cell === '' ? 'missing value' : `non-numeric ${what} "${cell}"; expected a finite decimal number`);
    const value = Number(cell);
    if (!Number.isFinite(value)) throw new DataFormatError(location, `${what} "${cell}" overflows a 64-bit float`);
    return value;
  };
  rows.forEach((line, row) => {
    const lineNumber = row + 2;
    const cells = line.split(delimiter);
    if (cells.length !== header.length) {
      throw new DataFormatError({ file: source, line: lineNumber }, `expected ${header.length} columns, found ${cells.length}`);
    }
    targetIndices.forEach((column, target) => {
      const cell = cells[column].trim();
      const location = { file: source, line: lineNumber, column: column + 1, columnName: header[column] };
      if (cell === '') throw new DataFormatError(location, 'missing target value');
      if (task === 'regression') values[row * targetIndices.length + target] = numberAt(cell, location, 'target value');
      else labels[row] = cell;
    });
    featureIndices.forEach((column, feature) => {
      const cell = cells[column].trim();
      const location = { file: source, line: lineNumber, column: column + 1, columnName: header[column] };
      x[row * featureIndices.length + feature] = numberAt(cell, location, 'value');
    });
  });
  if (task === 'regression') {
    return validateDataset({
      name: path.basename(source),
      x,
      y: new Int32Array(rows.length),
      sampleCount: rows.length,
      featureCount: featureIndices.length,
      classCount: 1,
      featureNames,
      targets: values,
      targetCount: targetIndices.length,
      targetNames,
    });
  }
  const target = targetNames[0];
  const classes = classOrder(new Set(labels));
  if (classes.length < 2) throw new DataFormatError({ file: source, columnName: target }, `the target column "${target}" has ${classes.length} distinct value(s); classification needs at least 2 (numeric targets to regress on: task "regression")`);
  const index = new Map(classes.map((value, position) => [value, position]));
  const y = Int32Array.from(labels, (value) => index.get(value)!);
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
