/**
 * Loading a user's module (a sweep definition in .js/.ts, an objective module): a module that
 * throws while loading or does not compile is a configuration error, reported in one line naming
 * the file, where in it, and the cause; the original error (with its trace) is kept as `cause`
 * for `--debug`.
 */
import * as path from 'path';
import { LayerwiseConfigError } from '../errors/config-error';

/** Where in `file` a load error points (`file:line:column`), from its stack, when it says. */
function locationIn(error: unknown, file: string): string | undefined {
  const stack = error instanceof Error ? error.stack ?? '' : '';
  const escaped = file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const match = new RegExp(`${escaped}:(\\d+)(?::(\\d+))?`).exec(stack);
  return match === null ? undefined : `${file}:${match[1]}${match[2] !== undefined ? `:${match[2]}` : ''}`;
}

/**
 * `require(file)`, turning any error the module raises into a one-line LayerwiseConfigError on
 * `field` (e.g. 'config', 'module'); `file` is made absolute.
 */
export function requireUserModule(relativeOrAbsolute: string, field: string, what = 'the module'): unknown {
  const file = path.resolve(relativeOrAbsolute);
  try {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    return require(file);
  } catch (error) {
    const syntax = (error as { name?: unknown } | null)?.name === 'SyntaxError' || /TS\d{4}|Unable to compile TypeScript/.test(error instanceof Error ? error.message : '');
    const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    // ts-node puts the useful part ("file.ts(3,7): error TS2322: ...") on a later line.
    const typeScript = /[^\s]+\(\d+,\d+\): error TS\d+: [^\n]+/.exec(text)?.[0];
    const message = typeScript ?? text.split('\n').find((line) => line.trim() !== '') ?? 'unknown error';
    const at = locationIn(error, file) ?? file;
    const failure = new LayerwiseConfigError(
      field,
      `: ${what} ${at} ${syntax ? 'does not compile' : 'threw while loading'} (${message.trim()}); fix the module (run with --debug for the trace)`,
    );
    (failure as { cause?: unknown }).cause = error;
    throw failure;
  }
}
