/**
 * Every test file runs on the backend the project would choose (`tensorflow` when the native
 * backend is installed, else `cpu`), or on the one forced by LAYERWISE_BACKEND, so `npm test`
 * covers both paths (see package.json's test scripts).
 */
import { initBackend } from '../lib/backend';

beforeAll(async () => {
  await initBackend({ log: false });
});
