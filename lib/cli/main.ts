#!/usr/bin/env node
/**
 * The `layerwise` command. Each subcommand lives in its own file and is registered here; this file
 * only parses arguments and maps outcomes to exit codes (0 ok, 1 failure found, 2 usage error,
 * 130 interrupted).
 */
import { Command, CommanderError } from 'commander';
import { registerCheckCommand } from './check';
import { registerNativeInstallCommand } from './native-install';
import { registerExportCommand } from './export';
import { registerReportCommand } from './report';
import { registerSchemaCommand } from './schema';
import { registerStatusCommand } from './status';
import { registerSweepCommand } from './sweep';
import { registerWorkerCommand } from './worker';
import { EXIT_USAGE } from './exit-codes';
import { debugRequested, reportFailure } from './failure';
import { cliDependencies } from './dependencies';

export function buildProgram(setExitCode: (code: number) => void): Command {
  const program = new Command();
  program
    .name('layerwise')
    .description('Per-layer regularization for TensorFlow.js: sweeps, variance reports and an accuracy regression gate.')
    .showHelpAfterError('(run with --help for usage)')
    .option('--debug', 'print the stack trace of a failure (also LAYERWISE_DEBUG=1)')
    .exitOverride();
  const dependencies = cliDependencies();
  registerSweepCommand(program, { setExitCode });
  registerStatusCommand(program);
  registerReportCommand(program, dependencies);
  registerCheckCommand(program, dependencies, setExitCode);
  registerWorkerCommand(program, dependencies, setExitCode);
  registerSchemaCommand(program);
  registerNativeInstallCommand(program);
  registerExportCommand(program, { setExitCode });
  return program;
}

export async function main(argv: string[]): Promise<number> {
  let exitCode = 0;
  const program = buildProgram((code) => {
    exitCode = code;
  });
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
