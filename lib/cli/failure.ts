/**
 * Routine failures as one line: the file, the cause and the fix, with the documented exit code
 * (lib/cli/exit-codes.ts). A stack trace is for bugs; it is printed only with `--debug` or
 * LAYERWISE_DEBUG=1, which every message that hides one mentions.
 */
import { LayerwiseConfigError } from '../errors/config-error';
import { JournalLockedError } from '../sweep/storage/journal-lock';
import { SweepDefinitionChangedError, SweepNameMismatchError } from '../sweep/storage/storage';
import { CommandExit, EXIT_FAILURE, EXIT_USAGE } from './exit-codes';

/** What to print and which code to exit with. */
export interface DescribedFailure {
  exitCode: number;
  /** One line, without the `layerwise: ` prefix. */
  message: string;
}

/** True when `--debug` is among the arguments or LAYERWISE_DEBUG is set to anything but '', '0' or 'false'. */
export function debugRequested(argv: readonly string[], environment: NodeJS.ProcessEnv = process.env): boolean {
  const flag = environment.LAYERWISE_DEBUG;
  return argv.includes('--debug') || (flag !== undefined && flag !== '' && flag !== '0' && flag.toLowerCase() !== 'false');
}

const FILE_SYSTEM_FIXES: Record<string, { cause: string; fix: string }> = {
  EACCES: { cause: 'permission denied', fix: 'give a folder you can write (e.g. --out <dir>), or change its permissions' },
  EPERM: { cause: 'operation not permitted', fix: 'give a folder you can write (e.g. --out <dir>), or change its permissions' },
  EROFS: { cause: 'read-only file system', fix: 'give a folder on a writable file system (e.g. --out <dir>)' },
  ENOSPC: { cause: 'no space left on the device', fix: 'free some space or give a folder on another disk' },
  ENOTDIR: { cause: 'a part of the path is a file, not a folder', fix: 'give another path' },
  EISDIR: { cause: 'the path is a folder, not a file', fix: 'give the path of a file' },
};

/** Errors that are the user's to fix (exit 2), recognised by class or by name. */
const USAGE_ERRORS = [LayerwiseConfigError, JournalLockedError, SweepDefinitionChangedError, SweepNameMismatchError];
const USAGE_ERROR_NAMES: ReadonlySet<string> = new Set(USAGE_ERRORS.map((type) => type.name));
const COMMAND_EXIT_NAMES: ReadonlySet<string> = new Set([CommandExit.name]);

/**
 * True when `error` is of class `type`, or an Error carrying its name: each command's modules are
 * loaded when the command runs (lib/cli/main.ts), so a second copy of a module (jest's
 * resetModules, two installed copies of layerwise) must not turn a routine failure into a "bug".
 */
function isNamed(error: unknown, names: ReadonlySet<string>): error is Error {
  return error instanceof Error && names.has(error.name);
}

/** The one-line message and exit code of a thrown value, or undefined for an unexpected error (a bug: show the trace). */
export function describeFailure(error: unknown): DescribedFailure | undefined {
  if (error instanceof CommandExit || (isNamed(error, COMMAND_EXIT_NAMES) && typeof (error as CommandExit).exitCode === 'number')) {
    return { exitCode: (error as CommandExit).exitCode, message: (error as CommandExit).message };
  }
  if (USAGE_ERRORS.some((type) => error instanceof type) || isNamed(error, USAGE_ERROR_NAMES)) {
    return { exitCode: EXIT_USAGE, message: firstLine((error as Error).message) };
  }
  const errno = error as NodeJS.ErrnoException | undefined;
  if (errno instanceof Error && typeof errno.code === 'string' && FILE_SYSTEM_FIXES[errno.code] !== undefined) {
    const { cause, fix } = FILE_SYSTEM_FIXES[errno.code];
    const where = errno.path ?? (errno as { dest?: string }).dest ?? '(a file)';
    return { exitCode: EXIT_USAGE, message: `cannot ${errno.syscall ?? 'write'} ${where}: ${cause} (${errno.code}); ${fix}` };
  }
  return undefined;
}

function firstLine(text: string): string {
  return text.split('\n')[0];
}

/** The trace to print under `--debug`: the error's stack and its causes'. */
export function traceOf(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && depth < 5; depth++) {
    parts.push(current instanceof Error ? current.stack ?? `${current.name}: ${current.message}` : String(current));
    current = (current as { cause?: unknown } | null)?.cause;
    if (current !== undefined) parts.push('caused by:');
  }
  return parts.join('\n');
}

/** Prints a failure (one line, or the trace too under debug) and returns the exit code. */
export function reportFailure(error: unknown, debug: boolean, writeError: (text: string) => void = (text) => process.stderr.write(text)): number {
  const described = describeFailure(error);
  if (described !== undefined) {
    if (described.message) writeError(`layerwise: ${described.message}\n`);
    // A CommandExit's own stack says nothing: show the error behind it, when it has one.
    const traced = error instanceof Error && error.name === 'CommandExit' ? (error as CommandExit).cause : error;
    if (debug && traced !== undefined) writeError(`${traceOf(traced)}\n`);
    return described.exitCode;
  }
  const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
  if (debug) writeError(`layerwise: ${traceOf(error)}\n`);
  else writeError(`layerwise: ${message} (unexpected error; rerun with --debug or LAYERWISE_DEBUG=1 for the trace, and report it)\n`);
  return EXIT_FAILURE;
}
