/**
 * `layerwise native-install [--tensorflow-version X] [--force] [--verify-only] [--cache-dir DIR]`
 *
 * Builds the native `tensorflow` backend (`@tensorflow/tfjs-node`) in the project around the working
 * directory from the tensorflow-cpu wheel on PyPI, for machines where tfjs-node's own install script
 * cannot download libtensorflow (npm then drops the optional package without a word). The steps and
 * their checks live in lib/backend/native-install.ts; this file maps them to a command.
 * Exit 0 when the backend loads and computes, 1 when a step fails (the message says what is missing).
 */
import type { Command } from 'commander';
import { NativeInstallError, PINNED_TENSORFLOW_VERSION, installNative, nativeCacheDirectory } from '../backend/native-install';
import { CommandExit, EXIT_FAILURE } from './exit-codes';

interface NativeInstallCommandOptions {
  tensorflowVersion?: string;
  force?: boolean;
  verifyOnly?: boolean;
  cacheDir?: string;
}

/** Injected for tests; defaults run the real installer and print to stdout. */
export interface NativeInstallCommandDependencies {
  install?: typeof installNative;
  write?: (line: string) => void;
}

export function registerNativeInstallCommand(program: Command, dependencies: NativeInstallCommandDependencies = {}): void {
  const install = dependencies.install ?? installNative;
  const write = dependencies.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  program
    .command('native-install')
    .description(
      'Build the native TensorFlow backend (@tensorflow/tfjs-node) in this project from the tensorflow-cpu wheel on PyPI; ' +
        "for machines where tfjs-node's own download of libtensorflow fails. Idempotent: a rerun only verifies.",
    )
    .option('--tensorflow-version <version>', `tensorflow-cpu wheel whose C library is used (default ${PINNED_TENSORFLOW_VERSION}, or LAYERWISE_NATIVE_TF_VERSION)`)
    .option('--force', 're-extract and rebuild even when a verified build is in place')
    .option('--verify-only', 'only check that the backend loads and computes exact results')
    .option('--cache-dir <dir>', `wheel cache (default ${nativeCacheDirectory()}: LAYERWISE_NATIVE_CACHE, else $XDG_CACHE_HOME/layerwise/native, else ~/.cache/layerwise/native)`)
    .addHelpText(
      'after',
      '\nWhat it does, in the project around the working directory (nearest package.json):\n' +
        "  1. npm install --ignore-scripts @tensorflow/tfjs-node@<your @tensorflow/tfjs version> (one copy of tfjs;\n" +
        '     saved as an exact optional dependency of your project)\n' +
        '  2. pip download tensorflow-cpu (about 274 MB, once) into the cache folder above\n' +
        "  3. extract its TensorFlow C library (about 815 MB) into tfjs-node's deps/\n" +
        '  4. check the toolchain: C++ compiler, make, python3 with pip, Node headers (Debian: apt-get install g++ make python3-pip)\n' +
        '  5. build the binding from source (10-60 s)\n' +
        '  6. verify in a fresh node process: the tensorflow backend loads and a matMul and its gradient are exact\n' +
        'Linux x64 only. Without it layerwise runs on the pure-JS cpu backend, about 20-60x slower.\n' +
        'Exit codes: 0 installed and verified, 1 a step failed (the message says what to fix).',
    )
    .action(async (options: NativeInstallCommandOptions) => {
      try {
        await install({
          tensorflowVersion: options.tensorflowVersion,
          force: options.force === true,
          verifyOnly: options.verifyOnly === true,
          cacheDirectory: options.cacheDir,
          log: write,
        });
      } catch (error) {
        const message = error instanceof NativeInstallError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error);
        throw new CommandExit(EXIT_FAILURE, `native-install failed: ${message}\n(layerwise still works without it, on the pure-JS cpu backend)`);
      }
    });
}
