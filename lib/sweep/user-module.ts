/**
 * Loading a user's module (`--module`, a definition module): a `require` that turns any error
 * raised while loading (a syntax error, a throw at the top level, a missing import) into a
 * `LayerwiseConfigError` naming the module and the line, so the CLI exits 2 (configuration error)
 * instead of 1 with a stack trace.
 */
import * as path from 'path';
import { LayerwiseConfigError } from '../errors/config-error';

/** `file:line[:column]` of the first stack frame inside `file`, or of a syntax error's location line. */
function locationIn(file: string, error: unknown): string | undefined {
  const stack = error instanceof Error ? (error.stack ?? '') : '';
  // Syntax errors print "<file>:<line>" as the stack's first line.
  const escaped = file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const match = new RegExp(`${escaped}:(\\d+)(?::(\\d+))?`).exec(stack);
  if (match !== null) return `${file}:${match[1]}${match[2] !== undefined ? `:${match[2]}` : ''}`;
  // ts-node reports TypeScript diagnostics as "<file>(line,col)".
  const tsMatch = new RegExp(`${escaped.replace(/^.*[\\\\/]/, '')}\\((\\d+),(\\d+)\\)`).exec(error instanceof Error ? error.message : '');
  if (tsMatch !== null) return `${file}:${tsMatch[1]}:${tsMatch[2]}`;
  return undefined;
}

/**
 * Requires `file` (made absolute). Errors while loading become a LayerwiseConfigError on `field`
 * that names the module, the line (when the stack has it) and the error's message.
 */
export function requireUserModule(file: string, field: string): unknown {
  const absolute = path.resolve(file);
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(absolute);
  } catch (error) {
    const where = locationIn(absolute, error) ?? absolute;
    const message = error instanceof Error ? error.message.split('\n').find((line) => line.trim() !== '') ?? error.name : String(error);
    throw new LayerwiseConfigError(field, `: module ${where} failed to load: ${message}`);
  }
}
