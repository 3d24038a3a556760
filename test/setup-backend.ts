/**
 * Every test file runs on the backend the project would choose (`tensorflow` when the native
 * backend is installed, else `cpu`), or on the one forced by LAYERWISE_BACKEND, so `npm test`
 * covers both paths (see package.json's test scripts).
 */
import { initBackend } from '../lib/backend';

// `auto`'s per-machine measurement cache (lib/backend/measurement-cache) is off in tests unless a
// test sets it: a measurement cached by an earlier run must not decide what a test measures.
// Child processes (CLI and pool workers) inherit it.
if (process.env.LAYERWISE_MEASUREMENT_CACHE === undefined) process.env.LAYERWISE_MEASUREMENT_CACHE = 'off';

beforeAll(async () => {
  await initBackend({ log: false });
});
