/**
 * silenceCpuBanner: tfjs's cpu backend prints an "install our node backend" banner on its first
 * tensor. The sweep's pre-run model checks build a model before any backend is chosen, so the
 * silencing must hold even when the engine has not picked a backend yet (it creates a fresh backend
 * instance when it first picks one). Each case runs in a fresh Node process, since this one's engine
 * has long picked its backend.
 */
import { spawnSync } from 'child_process';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '../..');

function firstTensorOutput(silenceFirst: boolean): string {
  const script = [
    silenceFirst ? "require('./lib/backend/cpu-banner').silenceCpuBanner();" : '',
    "const tf = require('@tensorflow/tfjs');",
    'tf.tensor([1, 2]).dispose();',
    "console.log('backend ' + tf.getBackend());",
  ].join('\n');
  const result = spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e', script], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, LAYERWISE_BACKEND: '' } });
  expect(result.status).toBe(0);
  return `${result.stdout}${result.stderr}`;
}

test('without it, the first cpu tensor prints the banner (the case this guards against is real)', () => {
  const output = firstTensorOutput(false);
  expect(output).toContain('backend cpu');
  expect(output).toContain('Hi, looks like you are running TensorFlow.js in Node.js');
});

test('silenced before the engine has picked a backend, the first cpu tensor prints nothing', () => {
  const output = firstTensorOutput(true);
  expect(output).toContain('backend cpu');
  expect(output).not.toContain('Hi, looks like');
});
