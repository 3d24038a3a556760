import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DataFormatError, loadCsvDataset, parseCsvDataset } from '../../lib/data';

/** Runs `action`, expects a DataFormatError, and returns it for field checks. */
function formatError(action: () => unknown): DataFormatError {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(DataFormatError);
    return error as DataFormatError;
  }
  throw new Error('expected a DataFormatError, nothing was thrown');
}

const args = { classes: [0, 1] };

describe('parseCsvDataset', () => {
  it('reads features and labels; header names become featureNames; CRLF and a final newline are fine', () => {
    const dataset = parseCsvDataset('x0,x1,label\r\n1.5,-2e-3,0\r\n.25,+3,1\r\n', 'points.csv', args);
    expect(dataset.name).toBe('points.csv');
    expect(dataset.featureNames).toEqual(['x0', 'x1']);
    expect(Array.from(dataset.x)).toEqual([1.5, -0.002, 0.25, 3]);
    expect(Array.from(dataset.y)).toEqual([0, 1]);
    expect(dataset.classCount).toBe(2);
  });

  it('takes the label from any column and maps string classes to their position', () => {
    const dataset = parseCsvDataset('kind,a\ncat,1\ndog,2\n', 'animals.csv', { labelColumn: 'kind', classes: ['dog', 'cat'] });
    expect(Array.from(dataset.y)).toEqual([1, 0]);
    expect(Array.from(dataset.x)).toEqual([1, 2]);
  });

  it('without classes, labels are non-negative integers and classCount is the largest plus one', () => {
    expect(parseCsvDataset('a,label\n1,0\n2,4\n', 'f.csv').classCount).toBe(5);
    const error = formatError(() => parseCsvDataset('a,label\n1,0\n2,1.5\n', 'f.csv'));
    expect([error.line, error.column, error.columnName]).toEqual([3, 2, 'label']);
    expect(error.message).toBe('f.csv, line 3, column 2 ("label"): label "1.5" is not a non-negative integer');
  });

  it('a row with too few columns: error at the first missing column', () => {
    const error = formatError(() => parseCsvDataset('x0,x1,label\n1,2,0\n3,1\n', 'moons.csv', args));
    expect([error.file, error.line, error.column]).toEqual(['moons.csv', 3, 3]);
    expect(error.message).toBe('moons.csv, line 3, column 3 ("label"): expected 3 columns (x0,x1,label), found 2');
  });

  it('a row with too many columns: error at the first extra column', () => {
    const error = formatError(() => parseCsvDataset('x0,x1,label\n1,2,0,9\n', 'moons.csv', args));
    expect([error.line, error.column]).toEqual([2, 4]);
    expect(error.reason).toBe('expected 3 columns (x0,x1,label), found 4');
  });

  it('a missing (empty) value names its cell', () => {
    const error = formatError(() => parseCsvDataset('x0,x1,label\n1,2,0\n1,,1\n', 'moons.csv', args));
    expect([error.line, error.column, error.columnName, error.reason]).toEqual([3, 2, 'x1', 'missing value']);
  });

  it('a missing label names the label cell', () => {
    const error = formatError(() => parseCsvDataset('x0,x1,label\n1,2, \n', 'moons.csv', args));
    expect([error.line, error.column, error.reason]).toEqual([2, 3, 'missing value']);
  });

  it.each([['abc'], ['NaN'], ['Infinity'], ['1x'], ['0x10'], [' 1']])('a non-numeric value %p is rejected', (bad) => {
    const error = formatError(() => parseCsvDataset(`x0,x1,label\n0,0,0\n1,${bad},1\n`, 'moons.csv', args));
    expect([error.line, error.column, error.columnName]).toEqual([3, 2, 'x1']);
    expect(error.reason).toBe(`non-numeric value "${bad}"; expected a finite decimal number`);
  });

  it('an unknown label lists the allowed ones', () => {
    const error = formatError(() => parseCsvDataset('x0,x1,label\n0,0,0\n0,0,1\n0,0,2\n', 'moons.csv', args));
    expect([error.line, error.column]).toEqual([4, 3]);
    expect(error.reason).toBe('unknown label "2"; allowed labels are 0, 1');
  });

  it('an empty line inside the file is a malformed row', () => {
    const error = formatError(() => parseCsvDataset('x0,x1,label\n0,0,0\n\n1,1,1\n', 'moons.csv', args));
    expect([error.line, error.column]).toEqual([3, 2]);
  });

  it('header problems: no label column, duplicate names, wrong feature count', () => {
    expect(formatError(() => parseCsvDataset('x0,x1,y\n0,0,0\n', 'h.csv', args)).message).toBe(
      'h.csv, line 1: no label column "label" in header; columns are x0, x1, y',
    );
    const duplicate = formatError(() => parseCsvDataset('x0,x0,label\n0,0,0\n', 'h.csv', args));
    expect([duplicate.line, duplicate.column, duplicate.reason]).toEqual([1, 2, 'duplicate column name "x0"']);
    expect(formatError(() => parseCsvDataset('x0,label\n0,0\n', 'h.csv', { ...args, featureCount: 2 })).reason).toBe(
      'expected 2 feature columns besides "label", found 1',
    );
    expect(formatError(() => parseCsvDataset('', 'h.csv', args)).line).toBe(1);
  });

  it('loadCsvDataset reports the file path it read', () => {
    const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'layerwise-csv-'));
    const file = path.join(directory, 'bad.csv');
    fs.writeFileSync(file, 'x0,x1,label\n0,0,0\n0,oops,1\n');
    try {
      const error = formatError(() => loadCsvDataset(file, args));
      expect(error.file).toBe(file);
      expect(error.message).toBe(`${file}, line 3, column 2 ("x1"): non-numeric value "oops"; expected a finite decimal number`);
    } finally {
      fs.rmSync(directory, { recursive: true, force: true });
    }
  });
});

describe('issue 15 item 8: a header-only CSV', () => {
  it('says the file has no data rows (not "classCount must be a positive integer, got 0")', () => {
    for (const text of ['x0,x1,label\n', 'x0,x1,label']) {
      expect(() => parseCsvDataset(text, 'empty.csv')).toThrow('empty.csv, line 1: the file has a header (x0,x1,label) but no data rows; add one sample per line after it');
    }
  });
});
