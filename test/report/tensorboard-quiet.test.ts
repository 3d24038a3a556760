/**
 * The TensorBoard writer is often the first thing in a sweep's process to load tfjs-node (a sweep
 * whose backend choice came from the measurement cache trains only in pool workers): loading it
 * must not print libtensorflow's INFO lines into the user's terminal. Each case loads it in a fresh
 * Node process with TF_CPP_MIN_LOG_LEVEL unset, since TensorFlow reads the variable once, when the
 * library loads. TensorFlow 2.21 logs one notice ("oneDNN custom operations are on") through absl
 * before any log level applies, so no variable hides it short of turning oneDNN off
 * (TF_ENABLE_ONEDNN_OPTS=0, which changes speed and rounding): the CPU-feature guard's lines are
 * what this checks.
 */
import { spawnSync } from 'child_process';
import * as path from 'path';
import { describeWhenAvailable } from '../support/requirements';

const ROOT = path.resolve(__dirname, '../..');

function loadOutput(load: string): string {
  const env = { ...process.env };
  delete env.TF_CPP_MIN_LOG_LEVEL;
  const result = spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e', `${load}\nconsole.log('loaded');`], { cwd: ROOT, encoding: 'utf8', env });
  expect(result.status).toBe(0);
  expect(result.stdout).toContain('loaded');
  return result.stderr;
}

describeWhenAvailable(['native-backend'], 'loading the TensorBoard writer', () => {
  test('tfjs-node required as is prints the CPU-feature INFO lines (the case this guards against is real)', () => {
    expect(loadOutput("require('@tensorflow/tfjs-node');")).toMatch(/cpu_feature_guard.*\n.*rebuild TensorFlow with the appropriate compiler flags/);
  });

  test('loadNativeSummaryWriter loads it without the CPU-feature lines', () => {
    const stderr = loadOutput("const w = require('./lib/report/tensorboard').loadNativeSummaryWriter(); if (!('createWriter' in w)) throw new Error(w.reason);");
    expect(stderr).not.toMatch(/cpu_feature_guard|rebuild TensorFlow/);
  });
});
