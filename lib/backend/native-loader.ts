import * as fs from 'fs';
import { hideNativeInfoLogs } from './native-log-level';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { firstLine } from './errors';

/** What loading the native backend produced. */
export type NativeLoadResult =
  | {
      ok: true;
      /** Version of the `@tensorflow/tfjs-node` package. */
      packageVersion: string;
      /** Version string of the linked libtensorflow (`TF_Version()`), e.g. `2.21.0`. */
      libraryVersion?: string;
    }
  | {
      ok: false;
      /** Why it could not be used: the first line of the load error. */
      reason: string;
    };

/**
 * The command that provisions tfjs-node without its download host, as a user types it in their own
 * project (the package's `layerwise` bin). Inside layerwise's repository, where the bin is not linked,
 * {@link nativeInstallCommand} names the npm script instead.
 */
export const NATIVE_INSTALL_COMMAND = 'npx layerwise native-install';
/** The same command inside layerwise's own repository (a wrapper of `layerwise native-install`). */
export const NATIVE_INSTALL_SCRIPT = 'npm run native:install';

/**
 * The install command that exists where the message is read: `npm run native:install` when the
 * working directory is inside layerwise's own repository, else `npx layerwise native-install`.
 * Quoted in every hint about the native backend.
 * @param directory where the user runs commands; default the working directory.
 */
export function nativeInstallCommand(directory: string = process.cwd()): string {
  for (let folder = path.resolve(directory); ; folder = path.dirname(folder)) {
    const manifest = path.join(folder, 'package.json');
    if (fs.existsSync(manifest)) {
      try {
        const parsed = JSON.parse(fs.readFileSync(manifest, 'utf8')) as { name?: string; scripts?: Record<string, string> };
        if (parsed.name === 'layerwise' && parsed.scripts?.['native:install'] !== undefined) return NATIVE_INSTALL_SCRIPT;
      } catch {
        // an unreadable package.json is not layerwise's
      }
      return NATIVE_INSTALL_COMMAND;
    }
    if (path.dirname(folder) === folder) return NATIVE_INSTALL_COMMAND;
  }
}

/**
 * Loads `@tensorflow/tfjs-node`, which registers (and activates) the `tensorflow` backend in the
 * same `@tensorflow/tfjs` instance layerwise uses. It is an optional dependency whose install
 * script downloads libtensorflow, so on many machines it is missing or its binding is unbuilt;
 * both cases are returned as `{ ok: false, reason }`, never thrown.
 *
 * Unless the caller set `TF_CPP_MIN_LOG_LEVEL`, it is set to 1 before loading, which hides
 * libtensorflow's INFO lines (oneDNN and CPU-feature notices) but keeps its warnings and errors.
 * @param moduleName the module to require; tests pass a missing name.
 */
export function loadNativeBackend(moduleName = '@tensorflow/tfjs-node'): NativeLoadResult {
  hideNativeInfoLogs();
  let native: { version?: Record<string, string> };
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    native = require(moduleName) as { version?: Record<string, string> };
  } catch (error) {
    return { ok: false, reason: firstLine(error) };
  }
  if (tf.findBackendFactory('tensorflow') === null || tf.findBackendFactory('tensorflow') === undefined) {
    return {
      ok: false,
      reason:
        `${moduleName} loaded but registered its backend in a different copy of @tensorflow/tfjs ` +
        `(it needs @tensorflow/tfjs ${tf.version.tfjs} deduplicated; run \`npm ls @tensorflow/tfjs-core\`)`,
    };
  }
  const packageVersion = native.version?.['tfjs-node'] ?? 'unknown';
  return { ok: true, packageVersion };
}

/** `TF_Version()` of the active native backend, or undefined if the active backend is not native. */
export function nativeLibraryVersion(): string | undefined {
  if (tf.getBackend() !== 'tensorflow') return undefined;
  const binding = (tf.backend() as unknown as { binding?: { TF_Version?: unknown } }).binding;
  return typeof binding?.TF_Version === 'string' ? binding.TF_Version : undefined;
}
