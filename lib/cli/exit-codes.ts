/** Exit codes shared by every `layerwise` command. */
export const EXIT_OK = 0;
/** The command ran and found a problem: a regression (check), failed trials (sweep). */
export const EXIT_FAILURE = 1;
/** Bad usage: unknown option, missing argument, invalid config. Nothing was changed. */
export const EXIT_USAGE = 2;
/** Interrupted by Ctrl-C; state on disk is consistent and resumable. */
export const EXIT_INTERRUPTED = 130;

/** Thrown by command actions to end with a given exit code after printing `message` to stderr. */
export class CommandExit extends Error {
  /** @param cause the error behind it, whose trace `--debug` prints. */
  constructor(readonly exitCode: number, message = '', readonly cause?: unknown) {
    super(message);
    this.name = 'CommandExit';
  }
}
