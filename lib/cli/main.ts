#!/usr/bin/env node
/**
 * The `layerwise` command. Each subcommand lives in its own file and is registered here; this file
 * only parses arguments and maps outcomes to exit codes (0 ok, 1 failure found, 2 usage error,
 * 130 interrupted).
 */
import { Command, CommanderError } from 'commander';
import { EXIT_USAGE } from './exit-codes';
import { debugRequested, reportFailure } from './failure';
import type { CliDependencies } from './dependencies';

/**
 * The subcommands, each registered by a function that `require`s its command file only when
 * called: a run of `layerwise status` then loads the status command and what it uses, never tfjs,
 * vega or the PostgreSQL driver (about 0.25 s of start-up when every command was imported).
 */
type Registrar = (program: Command, context: { setExitCode: (code: number) => void; dependencies: () => CliDependencies }) => void;

const COMMANDS: ReadonlyArray<readonly [name: string, register: Registrar]> = [
  ['sweep', (program, { setExitCode }) => (require('./sweep') as typeof import('./sweep')).registerSweepCommand(program, { setExitCode })],
  ['status', (program) => (require('./status') as typeof import('./status')).registerStatusCommand(program)],
  ['report', (program, { dependencies }) => void (require('./report') as typeof import('./report')).registerReportCommand(program, dependencies())],
  ['check', (program, { dependencies, setExitCode }) => (require('./check') as typeof import('./check')).registerCheckCommand(program, dependencies(), setExitCode)],
  ['worker', (program, { dependencies, setExitCode }) => (require('./worker') as typeof import('./worker')).registerWorkerCommand(program, dependencies(), setExitCode)],
  ['schema', (program) => (require('./schema') as typeof import('./schema')).registerSchemaCommand(program)],
  ['native-install', (program) => (require('./native-install') as typeof import('./native-install')).registerNativeInstallCommand(program)],
  ['export', (program, { setExitCode }) => (require('./export') as typeof import('./export')).registerExportCommand(program, { setExitCode })],
];

/**
 * The command an argument list runs: its first word that is not an option (`help NAME` names
 * NAME), when that is a known command; undefined otherwise (no command, `--help`, a typo), when
 * every command is registered so that help lists them all and a typo gets its suggestion.
 */
export function commandNameOf(argv: readonly string[]): string | undefined {
  const words = argv.filter((argument) => !argument.startsWith('-'));
  const name = words[0] === 'help' ? words[1] : words[0];
  return COMMANDS.some(([known]) => known === name) ? name : undefined;
}

/**
 * The program with every command registered, or only `only` (the command being run: see
 * `commandNameOf`), so that a run loads just that command's modules.
 */
export function buildProgram(setExitCode: (code: number) => void, only?: string): Command {
  const program = new Command();
  program
    .name('layerwise')
    .description('Per-layer regularization for TensorFlow.js: sweeps, variance reports and an accuracy regression gate.')
    .showHelpAfterError('(run with --help for usage)')
    .option('--debug', 'print the stack trace of a failure (also LAYERWISE_DEBUG=1)')
    .exitOverride();
  let dependencies: CliDependencies | undefined;
  const context = {
    setExitCode,
    // One set shared by the commands that take it, built when the first of them registers.
    dependencies: () => (dependencies ??= (require('./dependencies') as typeof import('./dependencies')).cliDependencies()),
  };
  for (const [name, register] of COMMANDS) if (only === undefined || name === only) register(program, context);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  let exitCode = 0;
  const program = buildProgram((code) => {
    exitCode = code;
  }, commandNameOf(argv));
  const debug = debugRequested(argv);
  try {
    // --debug is global: accepted anywhere on the line, removed before the subcommand parses.
    await program.parseAsync(argv.filter((argument) => argument !== '--debug'), { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version requests exit 0; every other commander error is a usage error.
      return error.exitCode === 0 ? 0 : EXIT_USAGE;
    }
    // Routine failures: one line with the documented code; a trace only with --debug.
    return reportFailure(error, debug);
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.exitCode = reportFailure(error, debugRequested(process.argv));
    },
  );
}
