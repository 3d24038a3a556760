#!/usr/bin/env node
/**
 * The `layerwise` command. Each subcommand lives in its own file and is registered here; this file
 * only parses arguments and maps outcomes to exit codes (0 ok, 1 failure found, 2 usage error,
 * 130 interrupted).
 */
import { Command, CommanderError } from 'commander';
import { LayerwiseConfigError } from '../errors/config-error';
import { registerCheckCommand } from './check';
import { registerExportCommand } from './export';
import { registerReportCommand } from './report';
import { registerStatusCommand } from './status';
import { registerSweepCommand } from './sweep';
import { registerWorkerCommand } from './worker';
import { CommandExit, EXIT_USAGE } from './exit-codes';
import { cliDependencies } from './dependencies';

export function buildProgram(setExitCode: (code: number) => void): Command {
  const program = new Command();
  program
    .name('layerwise')
    .description('Per-layer regularization for TensorFlow.js: sweeps, variance reports and an accuracy regression gate.')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  const dependencies = cliDependencies();
  registerSweepCommand(program, { setExitCode });
  registerStatusCommand(program);
  registerReportCommand(program, dependencies);
  registerCheckCommand(program, dependencies, setExitCode);
  registerWorkerCommand(program, dependencies, setExitCode);
  registerExportCommand(program, { setExitCode });
  return program;
}

export async function main(argv: string[]): Promise<number> {
  let exitCode = 0;
  const program = buildProgram((code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version requests exit 0; every other commander error is a usage error.
      return error.exitCode === 0 ? 0 : EXIT_USAGE;
    }
    if (error instanceof CommandExit) {
      if (error.message) process.stderr.write(`layerwise: ${error.message}\n`);
      return error.exitCode;
    }
    if (error instanceof LayerwiseConfigError) {
      process.stderr.write(`layerwise: ${error.message}\n`);
      return EXIT_USAGE;
    }
    throw error;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`layerwise: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
