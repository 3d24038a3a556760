/** The report as JSON: every number the other views show, machine-readable. */
import type { SweepReport } from './analyze';
import { reportForJson } from './view-limits';

/** Non-finite numbers (which JSON cannot hold) become null. */
function finiteOrNull(_key: string, value: unknown): unknown {
  return typeof value === 'number' && !Number.isFinite(value) ? null : value;
}

/** Pretty-printed JSON of the report (per-trial rows truncated by the stated rule of `reportForJson`); non-finite numbers (which JSON cannot hold) become null. */
export function renderJson(report: SweepReport): string {
  return JSON.stringify(reportForJson(report), finiteOrNull, 2) + '\n';
}

/** `JSON.stringify(value, finiteOrNull, 2)` for a value nested `depth` levels deep (its lines indented to match). */
function nested(value: unknown, depth: number): string | undefined {
  const text = JSON.stringify(value, finiteOrNull, 2) as string | undefined;
  // JSON strings never hold a raw newline, so every newline is a line break of the layout.
  return text === undefined || depth === 0 ? text : text.replace(/\n/g, `\n${'  '.repeat(depth)}`);
}

/**
 * The same bytes as {@link renderJson}, handed to `write` in pieces: each top-level field, and
 * each element of a top-level array (the trials and configurations of a large sweep), is
 * stringified alone, so the whole document never exists as one string.
 */
export function writeJson(report: SweepReport, write: (text: string) => void): void {
  const document = finiteOrNull('', reportForJson(report)) as Record<string, unknown>;
  // Fields JSON.stringify leaves out: undefined, functions, symbols.
  const fields = Object.keys(document).filter((key) => {
    const value = finiteOrNull(key, document[key]);
    return value !== undefined && typeof value !== 'function' && typeof value !== 'symbol';
  });
  if (fields.length === 0) {
    write('{}\n');
    return;
  }
  write('{\n');
  fields.forEach((key, position) => {
    const value = finiteOrNull(key, document[key]);
    write(`  ${JSON.stringify(key)}: `);
    if (Array.isArray(value) && value.length > 0) {
      write('[\n');
      value.forEach((element, index) => {
        // As JSON.stringify does: an element it cannot write (undefined, a function) is null.
        write(`    ${nested(finiteOrNull(String(index), element), 2) ?? 'null'}${index < value.length - 1 ? ',' : ''}\n`);
      });
      write('  ]');
    } else {
      write(nested(value, 1) as string);
    }
    write(position < fields.length - 1 ? ',\n' : '\n');
  });
  write('}\n');
}
