import { LayerwiseConfigError, describeValue } from '../errors/config-error';

/**
 * The TensorFlow.js backends layerwise knows how to set up.
 * - `tensorflow`: libtensorflow through `@tensorflow/tfjs-node` (optional peer dependency; `npx layerwise native-install` builds it; fastest).
 * - `wasm`: `@tensorflow/tfjs-backend-wasm`; only when asked for, because it lacks some gradient
 *   kernels that we bridge to the `cpu` implementation (see kernel-bridge.ts).
 * - `cpu`: the pure-JS backend; always present and implements every kernel.
 */
export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

/** Every accepted value of `LAYERWISE_BACKEND` / `InitBackendArgs.backend`, in preference order. */
export const BACKEND_NAMES: readonly BackendName[] = ['tensorflow', 'wasm', 'cpu'];

/** The environment variable that forces a backend. */
export const BACKEND_ENV_VAR = 'LAYERWISE_BACKEND';

/**
 * Parses a user-supplied backend name (from an option or the environment), case-insensitively.
 * An empty string or undefined means "choose automatically" and returns undefined.
 * @param value the raw value.
 * @param field where it came from, for the error message (e.g. `LAYERWISE_BACKEND`).
 */
export function parseBackendName(value: unknown, field: string): BackendName | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') {
    throw new LayerwiseConfigError(
      field,
      `= ${describeValue(value)}: expected one of ${BACKEND_NAMES.join(', ')}`,
    );
  }
  const trimmed = value.trim().toLowerCase();
  if (trimmed === '' || trimmed === 'auto') return undefined;
  if ((BACKEND_NAMES as readonly string[]).includes(trimmed)) return trimmed as BackendName;
  throw new LayerwiseConfigError(
    field,
    `= ${describeValue(value)}: expected one of ${BACKEND_NAMES.join(', ')} (or unset / "auto" to choose automatically)`,
  );
}
