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

/** The command that provisions tfjs-node without its download host; quoted in every hint. */
export const NATIVE_INSTALL_COMMAND = 'npm run native:install';

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
  if (process.env.TF_CPP_MIN_LOG_LEVEL === undefined) process.env.TF_CPP_MIN_LOG_LEVEL = '1';
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
